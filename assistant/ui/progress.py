"""Progress: mastery per exam domain next to the domain's exam weight, and what to study next."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assistant.ui import resources, state
from assistant.ui.safe import escape_inline

__all__ = ["render"]


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 1)


def render() -> None:
    s = resources.settings()
    scope = state.scope()
    user = scope.user
    study = scope.study
    resources.study_cards(s)  # the card totals per domain come from the synced deck

    st.title("Progress")
    st.caption(f"Profile {escape_inline(user)}: flashcard reviews and quiz answers, per exam "
               "domain.")
    nxt = study.study_next(user)
    if nxt.action == "done":
        st.info(escape_inline(nxt.reason))
    else:
        verb = {"review": "Review the due flashcards", "learn": "Learn new flashcards",
                "quiz": "Take a quiz"}.get(nxt.action, "Study")
        st.success("**Study next:** " + escape_inline(f"{verb} — {nxt.reason}"),
                   icon=":material/flag:")

    rows = study.progress(user)
    exam = [p for p in rows if p.weight > 0]
    chart = pd.DataFrame({
        "domain": [f"{p.domain}. {p.name}" for p in exam],
        "exam weight (%)": [p.weight for p in exam],
        "mastery (%)": [_pct(p.mastery) for p in exam],
    }).set_index("domain")
    st.markdown("**Mastery against exam weight**")
    st.bar_chart(chart, stack=False, horizontal=True, height=380, x_label="percent", y_label="")
    st.caption("Mastery = half the share of a domain's cards you have learned, half how reliably "
               "you recall cards and answer quiz questions there (a few answers count for "
               "little). The weight is the domain's share of the exam.")
    table = pd.DataFrame([{
        "domain": f"{p.domain}. {p.name}",
        "weight %": p.weight,
        "mastery %": _pct(p.mastery),
        "cards learned": f"{p.cards_learned} / {p.cards_total}",
        "seen": p.cards_seen,
        "due now": p.due_now,
        "recall %": _pct(p.retention) if p.retention is not None else "-",
        "quiz": f"{p.quiz_correct} / {p.quiz_answered}" if p.quiz_answered else "-",
        "priority": round(p.priority, 3),
    } for p in rows])
    st.dataframe(table, hide_index=True)

    # Exam-date plan: on track, and recall per domain on exam day (ui/plan.py).
    from assistant.ui.plan import exam_day_section

    exam_day_section(s, user)
