"""Chat rendering of a coached multiple-choice question: one row per option (letter, text,
verdict, reason), the cited passages in expanders, and a button that keeps the question in the
candidate's practice history."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.ui.safe import escape_inline
from assistant.ui.widgets import passage_label, render_passage

__all__ = ["render_coach", "is_coached"]

# Material icons and Streamlit colours: they render the same in every browser (emoji need a
# font that headless and minimal systems lack).
_ICONS = {"best": ":green[:material/check_circle: best]",
          "plausible_not_best": ":orange[:material/radio_button_partial: plausible, not best]",
          "wrong": ":red[:material/cancel: wrong]",
          "not_covered": ":gray[:material/help: not covered]"}


def is_coached(answer: dict[str, Any] | None) -> bool:
    return bool(answer) and isinstance(answer.get("options"), list)  # type: ignore[union-attr]


def _cell(text: str) -> str:
    return escape_inline(text).replace("|", "\\|")


def render_coach(answer: dict[str, Any], *, practice: Any = None, user: str | None = None,
                 message_id: int | None = None) -> None:
    choice = answer.get("choice") or []
    confidence = answer.get("confidence", "none")
    constraint = answer.get("constraint", "")
    if choice:
        label = "Leaning to" if confidence == "low" else "Recommended:"
        st.markdown(f"**{label} {_cell(' and '.join(choice))}** · confidence {_cell(confidence)}")
    else:
        remaining = answer.get("remaining") or []
        st.warning("The material does not decide this question, so no option is picked"
                   + (f"; still in the running: {', '.join(remaining)}." if remaining else "."),
                   icon=":material/help:")
    if constraint:
        st.caption(escape_inline(f"Deciding constraint from the question: {constraint}"))
    if int(answer.get("select") or 1) > 1:
        st.caption(escape_inline(f"Multiple select: choose {answer['select']}."))
    rows = ["| Option | Text | Verdict | Reason |", "|---|---|---|---|"]
    for o in answer["options"]:
        rows.append(f"| {_cell(o['label'])} | {_cell(o['text'])} | "
                    f"{_ICONS.get(o['verdict'], _cell(o['verdict']))} | {_cell(o['reason'])} |")
    st.markdown("\n".join(rows))
    citations = answer.get("citations") or []
    if citations:
        st.caption("Cited passages")
    for c in citations:
        with st.expander(passage_label(c.get("n", "?"), c)):
            render_passage(c, [c["quote"]] if c.get("quote") else [])
    for note in answer.get("notes") or []:
        if not str(note).startswith("coach:"):
            st.caption(escape_inline(f"Note: {note}"))
    if practice is not None and user is not None and message_id is not None:
        history = practice  # the scoped PracticeHistory (access.Scope.practice)
        if history.saved(user, message_id):
            st.caption("Saved to your practice history.")
        elif st.button("Save to practice history", key=f"coach_save_{message_id}",
                       icon=":material/bookmark_add:"):
            history.save(user, answer, message_id)
            st.success("Saved to your practice history.", icon=":material/bookmark_added:")
