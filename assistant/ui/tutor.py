"""Tutor review: past answers with their question, citations and the exact passages they were
built from; a verdict (correct / incorrect, comment) and approval as an eval case, saved at
once; exports of what was reviewed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from assistant.evals.review import approved_jsonl, reviewed_jsonl
from assistant.records import Answer
from assistant.ui import resources, state
from assistant.ui.safe import escape_inline, escape_markdown
from assistant.ui.widgets import render_answer

__all__ = ["render"]

_STATUS = ["Not reviewed", "All", "Marked correct", "Marked incorrect", "Approved as eval case"]


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _matches(status: str, verdict: Any) -> bool:
    if status == "All":
        return True
    if status == "Not reviewed":
        return verdict is None
    if verdict is None:
        return False
    if status == "Marked correct":
        return verdict.correct
    if status == "Marked incorrect":
        return not verdict.correct
    return verdict.approved


def _label(a: Any, verdict: Any) -> str:
    mark = "·" if verdict is None else ("✓" if verdict.correct else "✗")
    approved = " ★" if verdict is not None and verdict.approved else ""
    q = " ".join(a.question.split())
    # Selectbox options are shown as plain text (no Markdown): no escaping needed.
    return f"{mark}{approved} #{a.message_id} · {a.user} · {q[:90]}"


def render() -> None:
    s = resources.settings()
    scope = state.scope()
    store = scope.store  # the answers of the candidates this user may review, and no others
    reviewer = scope.user

    st.title("Tutor review")
    st.caption("Read what the assistant answered, with the passages it used; mark it and, if it "
               "is a good regression case, approve it for the eval set. Verdicts are saved "
               f"under the profile **{escape_inline(reviewer)}**.")

    flash = st.session_state.pop("tutor_flash", None)
    if flash:
        st.success(flash, icon=":material/check:")
    answers = store.answers(limit=2000)
    latest = store.latest_verdicts()
    users = sorted({a.user for a in answers})
    c1, c2 = st.columns(2)
    status = c1.selectbox("Show", _STATUS, key="tutor_status")
    who = c2.selectbox("Asked by", ["Everyone", *users], key="tutor_user")
    shown = [a for a in answers if _matches(status, latest.get(a.message_id))
             and (who == "Everyone" or a.user == who)]
    reviewed = sum(1 for a in answers if a.message_id in latest)
    st.caption(f"{len(answers)} answers, {reviewed} reviewed; {len(shown)} shown.")

    with st.expander("Export", icon=":material/download:"):
        st.download_button("Reviewed answers (JSONL)", reviewed_jsonl(store),
                           file_name="reviewed-answers.jsonl", mime="application/jsonl",
                           key="tutor_export_reviewed")
        try:
            idf = resources.retriever(s).index.snapshot().idf
            approved = approved_jsonl(store, idf)
        except Exception:  # noqa: BLE001 - no index yet: the idf weights are unavailable
            approved = ""
        st.download_button("Approved eval cases (JSONL, eval-set format)", approved,
                           file_name="tutor-approved.jsonl", mime="application/jsonl",
                           disabled=not approved, key="tutor_export_approved")
        st.caption("Approved cases can also be run directly on the Evals page.")

    if not shown:
        st.info("No answers to show. Answers appear here once questions are asked in Chat.")
        return
    by_id = {a.message_id: a for a in shown}
    mid = st.selectbox("Answer", list(by_id), key="tutor_pick",
                       format_func=lambda m: _label(by_id[m], latest.get(m)))
    a = by_id[mid]
    verdict = latest.get(mid)

    st.subheader("Question")
    st.markdown(escape_markdown(a.question))
    st.caption(escape_inline(f"asked by {a.user} on {_when(a.created)} · backend "
                             f"{a.answer.get('backend', '?')} · answer #{mid}"))
    st.subheader("Answer")
    render_answer(Answer.from_dict(a.answer), filters=a.answer.get("filters"),
                  show_retrieved=True)

    st.subheader("Verdict")
    for v in store.verdicts(mid):
        st.caption(escape_inline(
            f"{_when(v.created)} · {v.reviewer}: {'correct' if v.correct else 'incorrect'}"
            f"{' · approved as eval case' if v.approved else ''}"
            f"{' · ' + v.comment if v.comment else ''}"))
    with st.form(f"verdict_{mid}", clear_on_submit=False):
        choice = st.radio("This answer is", ["Correct", "Incorrect"], horizontal=True,
                          index=0 if verdict is None or verdict.correct else 1,
                          key=f"tutor_correct_{mid}")
        comment = st.text_area("Comment", value=verdict.comment if verdict else "",
                               max_chars=4000, key=f"tutor_comment_{mid}")
        approve = st.checkbox("Approve as an eval case (regression test)",
                              value=bool(verdict and verdict.approved),
                              key=f"tutor_approve_{mid}",
                              help="Adds the question, with evidence terms from the cited "
                                   "passage, to the tutor-approved eval set.")
        if st.form_submit_button("Save verdict", type="primary"):
            correct = choice == "Correct"
            if approve and not correct:
                st.error("Only a correct answer can be approved as an eval case.")
            else:
                vid = store.add_verdict(mid, reviewer, correct, comment.strip(), approve)
                st.session_state["tutor_flash"] = f"Verdict #{vid} saved for answer #{mid}."
                st.rerun()
