"""Rendering pieces the pages share: answers with their cited passages, filters, errors.

All document and user text is escaped by ``assistant.ui.safe`` before Streamlit sees it.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from assistant import syllabus
from assistant.errors import AssistantError
from assistant.records import Answer
from assistant.ui.safe import answer_markdown, escape_inline, escape_markdown, passage_markdown

__all__ = ["show_error", "guarded", "render_answer", "render_passage", "passage_label",
           "filter_widgets", "domain_label", "section_options"]

log = logging.getLogger("assistant.ui")


def show_error(err: BaseException | str) -> None:
    """One line, no traceback: library errors already name the cause and the fix."""
    st.error(escape_inline(str(err)), icon=":material/error:")


def guarded(render: Callable[[], None]) -> Callable[[], None]:
    """Run a page; an ``AssistantError`` becomes one ``st.error`` line, and so does any other
    failure (its traceback goes to the server log, not to the user's page)."""

    @functools.wraps(render)
    def page() -> None:
        try:
            render()
        except AssistantError as err:
            show_error(err)
        except Exception as err:  # noqa: BLE001 - Streamlit's rerun/stop are BaseExceptions
            log.exception("page %s failed", getattr(render, "__name__", "?"))
            show_error(f"unexpected error ({type(err).__name__}: {err}); the details are in "
                       "the server log")

    return page


# --- filters -----------------------------------------------------------------------------


def domain_label(d: int | None) -> str:
    if d is None:
        return "All domains"
    try:
        sec = syllabus.current_guide().section(d)
    except KeyError:
        return f"Domain {d}"
    weight = f" (~{sec.weight}%)" if sec.weight else ""
    return f"{d}. {sec.name}{weight}"


def section_options(domain: int | None) -> list[str]:
    """Subsection ids of a domain across guide versions (current guide first)."""
    if domain is None:
        return []
    ids: list[str] = []
    for version in (syllabus.CURRENT_VERSION, *syllabus.GUIDES):
        g = syllabus.guide(version)
        try:
            sec = g.section(domain)
        except KeyError:
            continue
        for sub in sec.subsections:
            if sub.id not in ids:
                ids.append(sub.id)
    return sorted(ids, key=lambda s: tuple(int(x) for x in s.split(".")))


def _section_label(sid: str | None) -> str:
    if sid is None:
        return "All sections"
    sub = syllabus.subsection(sid)
    if sub is not None:
        return f"{sid} {sub.name}"
    for version in syllabus.GUIDES:
        sub = syllabus.subsection(sid, version)
        if sub is not None:
            return f"{sid} {sub.name} ({syllabus.GUIDES[version].label})"
    return sid


def filter_widgets(key: str, container: Any = None) -> tuple[int | None, str | None]:
    """Domain and section selectors; the section list follows the chosen domain."""
    box = container or st.sidebar
    domains: list[int | None] = [None, *[s.domain for s in syllabus.current_guide().sections], 0]
    domain = box.selectbox("Exam domain", domains, format_func=domain_label, key=f"{key}_domain",
                           placeholder="All domains")
    sections: list[str | None] = [None, *section_options(domain)]
    section = box.selectbox("Section", sections, format_func=_section_label,
                            key=f"{key}_section", disabled=domain is None,
                            placeholder="All sections")
    return domain, (section if domain is not None else None)


# --- answers and passages ----------------------------------------------------------------


def passage_label(n: int | str, item: dict[str, Any]) -> str:
    """"[n] title - section, page, source" (escaped: titles come from documents)."""
    bits = []
    if item.get("section"):
        bits.append(f"section {item['section']}")
    if item.get("page"):
        bits.append(f"{item.get('page_kind') or 'page'} {item['page']}")
    if item.get("ocr"):
        bits.append("text read by OCR")
    bits.append(str(item.get("source", "")))
    title = item.get("title") or item.get("heading") or "(untitled)"
    return escape_inline(f"[{n}] {title} — {', '.join(bits)}")


def render_passage(item: dict[str, Any], quotes: list[str] | None = None) -> None:
    """One passage: where it comes from, then its text with the cited sentence highlighted."""
    meta = []
    if item.get("heading"):
        meta.append(f"Heading: {item['heading']}")
    if item.get("domain") is not None:
        meta.append(domain_label(int(item["domain"])))
    if item.get("guide_version"):
        g = syllabus.GUIDES.get(item["guide_version"])
        meta.append(g.label if g else f"guide {item['guide_version']}")
    meta.append(f"Source: {item.get('source', '')}")
    st.caption(escape_inline(" · ".join(meta)))
    st.markdown(passage_markdown(item.get("text", ""), quotes or []))


_TRAILING_MARKERS = re.compile(r"^(.*?)((?:\s*\[\d{1,3}\](?:\s*\([^)]*guide[^)]*\))?)+)\s*$", re.S)


def shaped_answer_markdown(answer: dict[str, Any]) -> str:
    """The lead in bold, then the supporting points as a list, each with its bold markers.
    Answers saved before answers had a shape (no ``lead``) show as one paragraph."""
    lead = str(answer.get("lead") or "")
    points = [str(p) for p in answer.get("points") or []]
    if not lead:
        return answer_markdown(answer.get("answer", ""))
    m = _TRAILING_MARKERS.match(lead)
    body, markers = (m.group(1), m.group(2)) if m else (lead, "")
    # Bold around the sentence only: the markers keep their own bold (nesting breaks it).
    head = f"**{answer_markdown(body).strip()}**" if body.strip() else ""
    out = (head + " " + answer_markdown(markers.strip())).strip()
    if points:
        out += "\n\n" + "\n".join(f"- {answer_markdown(p)}" for p in points)
    return out


def render_answer(record: Answer, *, filters: dict[str, Any] | None = None,
                  show_retrieved: bool = False) -> None:
    """An answer (live, or from the store through ``Answer.from_dict``) with its cited
    passages; ``filters`` is the domain/section the question was limited to, if any."""
    answer = record.to_json()
    if answer.get("standalone_question"):
        st.caption(escape_inline(f"Follow-up read as: {answer['standalone_question']}"))
    if filters:
        f = filters
        where = domain_label(f.get("domain")) + (f", section {f['section']}" if f.get("section") else "")
        st.caption(escape_inline(f"Searched only: {where}"))
    if answer.get("abstained") and any(str(n).startswith("input:")
                                       for n in answer.get("notes") or []):
        # A greeting, a bare list or code, another language: a one-line reply, not a refusal.
        st.info(escape_inline(answer.get("answer", "")), icon=":material/chat:")
        return
    if answer.get("abstained"):
        st.warning("Not in the study material: no answer given.", icon=":material/block:")
        st.markdown(escape_markdown(answer.get("answer", "")))
        passages = answer.get("passages") or []
        if passages:
            st.caption("Nearest passages (not used for an answer):")
            for p in passages[:3]:
                with st.expander(passage_label(p.get("rank", "-"), p)):
                    render_passage(p)
        return
    st.markdown(shaped_answer_markdown(answer))
    if not answer.get("grounded", True):
        st.warning("This answer cites no passage: treat it as ungrounded.",
                   icon=":material/warning:")
    citations = answer.get("citations") or []
    if citations:
        st.caption("Cited passages")
    for c in citations:
        with st.expander(passage_label(c.get("n", "?"), c)):
            render_passage(c, [c["quote"]] if c.get("quote") else [])
    if show_retrieved:
        passages = answer.get("passages") or []
        with st.expander(f"All {len(passages)} retrieved passages"):
            for p in passages:
                st.markdown(f"**{passage_label(p.get('rank', '-'), p)}** · score "
                            f"{float(p.get('score') or 0):.3f}")
                render_passage(p)
    for note in answer.get("notes") or []:
        if not str(note).startswith("abstained"):
            st.caption(escape_inline(f"Note: {note}"))
