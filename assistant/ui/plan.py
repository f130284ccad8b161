"""Plan: the exam date and minutes a day, the Today view (what to do now and how long it takes),
the days up to the exam, when each subsection is covered, and the forecast recall per domain on
exam day. The plan is recomputed from the store on every run (study/plan.py), so done work
drops out and a new date or new minutes re-plan at once without touching any review."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from assistant import syllabus
from assistant.ui import resources, state
from assistant.ui.safe import escape_inline

__all__ = ["render", "exam_day_section", "current_plan"]


def _bank(s: Any) -> Counter[str]:
    from assistant.study.curated import bank_items

    return Counter(it.section for it in bank_items(resources.snapshot(s), s.practice_dir)
                   if it.section)


def _plans(s: Any) -> Any:
    return state.scope().plans


def current_plan(s: Any, user: str) -> Any:
    """The profile's plan computed now, or None when no exam date is set."""
    scope = state.scope()
    cfg = scope.plans.current(user)
    if cfg is None:
        return None
    resources.study_cards(s)  # the deck and cards of this index generation, in the store
    study = scope.study
    today = datetime.now(UTC).date()
    if cfg.exam_date <= today:
        return None
    return scope.build_plan(user, cfg, bank=_bank(s), today=today,
                            scheduler=study.scheduler, new_per_day=study.new_per_day)


def _forecast_table(plan: Any) -> None:
    rows = [f for f in plan.forecast]
    st.dataframe(pd.DataFrame([{
        "domain": f"{f.domain}. {f.name}", "exam weight %": f.weight,
        "cards studied": f"{f.cards_seen} / {f.cards_total}",
        "recall of studied cards %": None if f.recall_seen is None
        else round(100 * f.recall_seen, 1),
        "recall of all cards %": round(100 * f.recall_all, 1)} for f in rows]), hide_index=True)
    st.caption("Forecast recall on the morning of the exam if you did no further review: each "
               "studied card's FSRS retrievability on that day, from its stability (unstudied "
               "cards count as 0 in the last column). The planned reviews raise it.")


def exam_day_section(s: Any, user: str) -> None:
    """For the Progress page: whether the plan is on track, and recall on exam day."""
    st.subheader("Exam day")
    plan = current_plan(s, user)
    if plan is None:
        st.caption("Set your exam date on the Plan page to see the forecast recall per domain "
                   "on exam day and whether you are on track.")
        return
    (st.success if plan.on_track else st.warning)(escape_inline(plan.status))
    _forecast_table(plan)


def _save(s: Any, user: str) -> None:
    from assistant.study.srs import StudyError

    d = st.session_state.get("plan_date")
    minutes = st.session_state.get("plan_minutes")
    try:
        if not isinstance(d, date):
            raise StudyError("choose an exam date")
        _plans(s).set(user, d, int(minutes) if minutes is not None else 0)
        st.session_state["plan_flash"] = ("ok", "Plan saved: the schedule below is recomputed; "
                                          "your reviews and answers are unchanged.")
    except StudyError as err:
        st.session_state["plan_flash"] = ("error", str(err))


def render() -> None:
    from assistant.study.plan import MAX_MINUTES

    s = resources.settings()
    user = state.profile()
    st.title("Exam-date plan")
    plans = _plans(s)
    cfg = plans.current(user)
    today = datetime.now(UTC).date()
    if "plan_date" not in st.session_state:
        st.session_state["plan_date"] = cfg.exam_date if cfg else today + timedelta(days=42)
    if "plan_minutes" not in st.session_state:
        st.session_state["plan_minutes"] = cfg.minutes if cfg else 45
    c1, c2, c3 = st.columns([2, 2, 1])
    c1.date_input("Exam date", key="plan_date", min_value=today - timedelta(days=3650),
                  max_value=today + timedelta(days=3650))
    c2.number_input("Minutes per day", min_value=0, max_value=1000, step=5,
                    key="plan_minutes", help=f"5-{MAX_MINUTES}")
    c3.write("")
    c3.button("Save plan", key="plan_save", type="primary", on_click=_save, args=(s, user))
    flash = st.session_state.pop("plan_flash", None)
    if flash:
        (st.success if flash[0] == "ok" else st.error)(escape_inline(flash[1]))

    plan = current_plan(s, user)
    if plan is None:
        st.info("Set your exam date and the minutes you can study a day, then **Save plan**.")
        return
    (st.success if plan.on_track else st.warning)(escape_inline(plan.status))

    st.subheader("Today")
    day = plan.today_plan
    if day is None or (not day.tasks and not day.reviews):
        st.caption("Nothing planned for today: review what is due, or take a mock exam.")
    else:
        with st.container(border=True):
            if day.reviews:
                st.markdown(f"- Review **{day.reviews}** flashcards FSRS has due "
                            f"(~{day.review_minutes:.0f} min) on the Flashcards page")
            for t in day.tasks:
                where = "Flashcards" if t.kind == "learn" else "Quiz" if t.kind == "practice" \
                    else "Chat (ask about it) or the corpus"
                st.markdown(f"- {escape_inline(t.text)} (~{t.minutes:.0f} min) · {where}")
            st.markdown(f"**About {day.minutes:.0f} minutes in all.**")

    st.subheader("Until the exam")
    st.dataframe(pd.DataFrame([{
        "date": d.day.isoformat(), "minutes": round(d.minutes), "reviews": d.reviews,
        "work": "; ".join(f"{t.kind} {t.section} x{t.count}" for t in d.tasks) or
        "reviews only"} for d in plan.days]), hide_index=True, height=260)
    st.markdown("**When each subsection is covered** (heavy and weak ones first)")
    subs = {sub.id: sub.name for sec in syllabus.current_guide().sections
            for sub in sec.subsections}
    st.dataframe(pd.DataFrame([{
        "order": n, "subsection": f"{sid} {subs.get(sid, '')}",
        "covered": "already" if sid in plan.done else
        (plan.covered_on[sid].isoformat() if plan.covered_on.get(sid) else "not before the date")}
        for n, sid in enumerate(plan.order, 1)]), hide_index=True)

    st.subheader("Forecast recall on exam day")
    _forecast_table(plan)
    with st.expander("How the plan is made"):
        from assistant.study import plan as plan_mod

        st.markdown(escape_inline(" ".join((plan_mod.__doc__ or "").split("\n\n")[1:3])
                                  .replace("\n", " ")))
    hist = plans.history(user)
    if len(hist) > 1:
        with st.expander(f"Earlier settings ({len(hist) - 1})"):
            st.dataframe(pd.DataFrame([{
                "set": datetime.fromtimestamp(h.created, UTC).strftime(
                    "%Y-%m-%d %H:%M"), "exam date": h.exam_date.isoformat(),
                "minutes a day": h.minutes} for h in hist[::-1]]), hide_index=True)
