"""Quiz: a practice quiz for one exam domain, or spread over the exam by section weight, from
the curated practice bank by default (or the generated items, which cover a user's own
documents). After submitting: the score, and for every option why it is (not) the answer,
citing the passage. Each answer is recorded in SQLite on submit (it feeds progress and "study
next")."""

from __future__ import annotations

import random
from typing import Any

import streamlit as st

from assistant import syllabus
from assistant.ui import resources, state
from assistant.ui.safe import escape_inline, escape_markdown
from assistant.ui.widgets import domain_label

__all__ = ["render"]

_QUIZ = "quiz_items"  # the drawn items (generated, not user-made: safe to keep in the session)
_RESULT = "quiz_result"  # {"chosen": [...], "correct": [...]} once submitted
_WEIGHTED = "Whole exam, weighted by section"


_SOURCES = {"bank": "Practice bank (written for the exam)",
            "generated": "Generated from the indexed documents",
            "all": "Both"}


def _new_quiz(s: Any, scope: Any, count: int, source: str) -> None:
    from assistant.study.practice import draw_practice

    snap = resources.snapshot(s)
    seed = random.SystemRandom().randrange(1 << 30)
    if scope == _WEIGHTED:
        items = draw_practice(snap, source=source, count=count, seed=seed, weighted=True,
                              practice_dir=s.practice_dir)
    else:
        items = draw_practice(snap, source=source, domain=int(scope), count=count, seed=seed,
                              practice_dir=s.practice_dir)
    st.session_state[_QUIZ] = [it.to_json() for it in items]
    st.session_state["quiz_scope"] = scope
    st.session_state.pop(_RESULT, None)
    st.session_state["quiz_round"] = st.session_state.get("quiz_round", 0) + 1


def _picked(pick: Any, j: int) -> bool:
    return j in pick if isinstance(pick, list) else pick == j


def _option_where(opt: Any) -> str:
    bits = [opt.heading] if opt.heading else []
    if opt.section:
        bits.append(f"section {opt.section}")
    bits.append(opt.source)
    return " · ".join(bits)


def _results(items: list[Any], result: dict[str, Any]) -> None:
    chosen, correct = result["chosen"], result["correct"]
    answered = sum(1 for c in chosen if c is not None and c != [])
    score = sum(1 for ok in correct if ok)
    st.subheader(f"Score: {score} of {len(items)}")
    if answered < len(items):
        st.caption(f"{len(items) - answered} question(s) left unanswered count as wrong.")
    for i, (item, pick, ok) in enumerate(zip(items, chosen, correct), start=1):
        mark = ":green[✓]" if ok else ":red[✗]"
        with st.container(border=True):
            st.markdown(f"**{i}. {mark}** " + escape_inline(item.stem))
            st.caption(escape_inline(domain_label(item.domain)
                                     + (f" · section {item.section}" if item.section else "")))
            for j, opt in enumerate(item.options):
                tag = "correct answer" if opt.correct else "not the answer"
                mine = _picked(pick, j)
                yours = " (your answer)" if mine else ""
                # Text marks, not emoji: a headless or minimal system may have no emoji font.
                icon = ":green[✓]" if opt.correct else (":red[✗]" if mine else "·")
                st.markdown(f"{icon} **{escape_inline(opt.text)}** — {tag}{yours}")
                with st.expander(escape_inline(f"Why: {opt.text}"), expanded=mine or opt.correct):
                    st.markdown(escape_markdown(opt.rationale))
                    st.caption(escape_inline(_option_where(opt)))


def render() -> None:
    from assistant.study import QuizItem

    s = resources.settings()
    scope = state.scope()
    user = scope.user
    study = scope.study
    st.title("Practice quiz")
    st.caption("Exam-style scenarios from the practice bank; every option's explanation cites "
               "the passage of the study material that states the fact.")

    scopes: list[Any] = [_WEIGHTED, *[sec.domain for sec in syllabus.current_guide().sections]]
    c1, c2, c3 = st.columns([3, 1, 1])
    scope = c1.selectbox("Questions from", scopes, key="quiz_scope_pick",
                         format_func=lambda x: x if x == _WEIGHTED else domain_label(x))
    count = c2.number_input("Questions", min_value=3, max_value=30, value=10, key="quiz_count")
    source = st.radio("Source", list(_SOURCES), format_func=_SOURCES.__getitem__,
                      horizontal=True, key="quiz_source")
    c3.write("")
    if c3.button("New quiz", type="primary", key="quiz_new", icon=":material/refresh:"):
        _new_quiz(s, scope, int(count), str(source))

    raw = st.session_state.get(_QUIZ)
    if not raw:
        st.info("Pick a domain (or the whole exam) and press **New quiz**.")
        return
    items = [QuizItem.from_json(d) for d in raw]
    if not items:
        st.warning("The material has no quiz questions for this choice yet; pick another domain.")
        return
    result = st.session_state.get(_RESULT)
    if result is not None:
        _results(items, result)
        return

    round_ = st.session_state.get("quiz_round", 0)
    with st.form(f"quiz_form_{round_}"):
        picks: list[Any] = []
        for i, item in enumerate(items, start=1):
            st.markdown(f"**{i}.** " + escape_inline(item.stem))
            if item.multiple:
                picks.append([j for j, opt in enumerate(item.options)
                              if st.checkbox(escape_inline(opt.text),
                                             key=f"quiz_{round_}_{i}_{j}")])
                continue
            picks.append(st.radio(f"Answer to question {i}", list(range(len(item.options))),
                                  index=None, key=f"quiz_{round_}_{i}",
                                  format_func=lambda j, it=item: escape_inline(it.options[j].text),
                                  label_visibility="collapsed"))
        submitted = st.form_submit_button("Submit answers", type="primary")
    if submitted:
        correct = []
        for item, pick in zip(items, picks):
            # Recorded one by one as they are scored: each is its own transaction.
            answered = pick is not None and pick != []
            correct.append(study.record_quiz_answer(user, item, pick) if answered else False)
        st.session_state[_RESULT] = {"chosen": picks, "correct": correct}
        st.rerun()
