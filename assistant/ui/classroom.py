"""Class: a tutor's assigned candidates at a glance (an admin sees every candidate): mastery
per exam domain, answers asked and reviewed. Read through the tutor's access scope, so a
candidate not assigned to them never appears."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assistant import syllabus
from assistant.ui import resources, state
from assistant.ui.safe import escape_inline

__all__ = ["render"]


def _candidates() -> list[str]:
    scope = state.scope()
    if scope.principal.reads_all:
        return [a.name for a in resources.accounts(resources.settings()).all()
                if a.role == "candidate"]
    return sorted(scope.principal.candidates)


def render() -> None:
    s = resources.settings()
    scope = state.scope()
    st.title("Class")
    names = _candidates()
    if not names:
        st.info("No candidates are assigned to you yet. An admin assigns them with "
                "`assistant users assign TUTOR CANDIDATE` or on the Users page.")
        return
    resources.study_cards(s)  # the card totals per domain come from the synced deck
    answers = scope.store.answers(limit=100_000)
    latest = scope.store.latest_verdicts()
    domains = [sec.domain for sec in syllabus.current_guide().sections]
    rows = []
    for name in names:
        progress = {p.domain: p for p in scope.study.progress(name)}
        mine = [a for a in answers if a.user == name]
        row: dict[str, object] = {"candidate": name}
        for d in domains:
            p = progress.get(d)
            row[f"D{d} mastery %"] = None if p is None else round(100 * p.mastery, 1)
        row["quiz answered"] = sum(p.quiz_answered for p in progress.values())
        row["answers asked"] = len(mine)
        row["reviewed"] = sum(1 for a in mine if a.message_id in latest)
        rows.append(row)
    st.caption("Mastery per exam domain (D1-D6, as on each candidate's Progress page); "
               "answers they asked in Chat and how many you or another tutor marked.")
    st.dataframe(pd.DataFrame(rows), hide_index=True)

    who = st.selectbox("Candidate", names, key="class_candidate")
    st.subheader(escape_inline(who))
    st.dataframe(pd.DataFrame([{
        "domain": f"{p.domain}. {p.name}", "weight %": p.weight,
        "mastery %": round(100 * p.mastery, 1),
        "cards learned": f"{p.cards_learned} / {p.cards_total}", "due now": p.due_now,
        "quiz": f"{p.quiz_correct} / {p.quiz_answered}" if p.quiz_answered else "-",
    } for p in scope.study.progress(who)]), hide_index=True)
