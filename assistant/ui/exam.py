"""Mock exam: a timed form by the exam weights, one question at a time with a navigation grid
and marks for review, no feedback until submit; then the score per domain, every item with its
rationales and passages, a drill of the missed items, the attempt history and the readiness
estimate against the candidate's own target.

Nothing of an attempt lives only in the session: the attempt, its deadline, each answer and
each mark are written to the store as they are given, and every run reads them back. So a
reload, a second tab or an app restart shows the same answers and the same time left, and a
second tab's answer is never overwritten by a stale widget.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from assistant import syllabus
from assistant.ui import resources, state
from assistant.ui.safe import escape_inline, escape_markdown, passage_markdown

__all__ = ["render"]

_LETTERS = "ABCDEFGH"
_CONFIRM = "exam_confirm_submit"
_FLASH = "exam_flash"
_DRILL = "exam_drill"  # {"attempt": id, "pos": [...], "at": i, "checked": bool}


@st.cache_resource(show_spinner=False)
def _exams(path: str) -> Any:
    from assistant.study.exam import ExamStore

    return ExamStore(resources.store(resources.settings()), resources.study_store(
        resources.settings()))


def exams(s: Any) -> Any:
    return _exams(s.store_location)


def _pool(s: Any) -> list[Any]:
    from assistant.study.curated import bank_items

    return bank_items(resources.snapshot(s), s.practice_dir)


def _clock(seconds: float) -> str:
    sec = int(seconds)
    return f"{sec // 3600}:{sec % 3600 // 60:02d}:{sec % 60:02d}"


def _utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S UTC")


# --- answering ---------------------------------------------------------------------------------

def _save(ex: Any, aid: str, pos: int, keys: list[str], multiple: bool) -> None:
    """Widget callback: write the item's choice to the store at once."""
    from assistant.study.srs import StudyError

    if multiple:
        picks = [j for j, k in enumerate(keys) if st.session_state.get(k)]
    else:
        v = st.session_state.get(keys[0])
        picks = [] if v is None else [int(v)]
    try:
        ex.answer(aid, pos, picks)
    except StudyError as err:
        st.session_state[_FLASH] = str(err)


def _save_mark(ex: Any, aid: str, pos: int, key: str) -> None:
    from assistant.study.srs import StudyError

    try:
        ex.mark(aid, pos, bool(st.session_state.get(key)))
    except StudyError as err:
        st.session_state[_FLASH] = str(err)


def _goto(pos: int) -> None:
    st.query_params["q"] = str(pos + 1)
    st.session_state.pop(_CONFIRM, None)


def _timer(remaining: float) -> None:
    # Counts down in the browser from the time left the server computed on this run (no
    # dependence on the browser's clock being right); the numbers are the only input.
    ms = int(remaining * 1000)
    st.iframe(f"""<div id="t" style="font:600 20px sans-serif;color:#1f2937"></div><script>
const end = Date.now() + {ms};
function tick() {{
  const s = Math.max(0, Math.round((end - Date.now()) / 1000));
  const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), x = s % 60;
  document.getElementById('t').textContent = 'Time left ' + h + ':' +
    String(m).padStart(2, '0') + ':' + String(x).padStart(2, '0');
}}
tick(); setInterval(tick, 1000);
</script>""", height=36)


@st.fragment(run_every=15)
def _watch_deadline(aid: str) -> None:
    """Every 15 s: once time is up, the store submits the attempt and the page shows the
    report (reading the attempt past its deadline submits it)."""
    a = exams(resources.settings()).get(aid)
    if a is not None and a.done:
        st.rerun(scope="app")


def _exam_view(s: Any, a: Any) -> None:
    ex = exams(s)
    n = len(a.items)
    try:
        pos = max(0, min(n - 1, int(st.query_params.get("q", "1")) - 1))
    except ValueError:
        pos = 0
    c1, c2 = st.columns([1, 2])
    with c1:
        _timer(a.remaining())
    answered = sum(1 for x in a.answers if x)
    c2.markdown(f"Ends at **{_utc(a.deadline)}** · {answered} of {n} answered · "
                f"{sum(a.marked)} marked for review")
    _watch_deadline(a.id)
    if a.shortfall:
        st.warning(escape_inline(a.shortfall), icon=":material/info:")

    it = a.items[pos]
    with st.container(border=True):
        st.markdown(f"**Question {pos + 1} of {n}**")
        st.markdown(escape_markdown(it.stem))
        base = f"ex_{a.id}_{pos}"
        if it.multiple:
            st.caption("Choose all that apply.")
            keys = [f"{base}_{j}" for j in range(len(it.options))]
            for j, (k, opt) in enumerate(zip(keys, it.options)):
                # The store's value wins over the widget's: another tab may have answered.
                st.session_state[k] = j in a.answers[pos]
                st.checkbox(f"{_LETTERS[j]}. {escape_inline(opt.text)}", key=k,
                            on_change=_save, args=(ex, a.id, pos, keys, True))
        else:
            k = base
            st.session_state[k] = a.answers[pos][0] if a.answers[pos] else None
            st.radio("Your answer", list(range(len(it.options))), index=None, key=k,
                     format_func=lambda j, o=it.options: f"{_LETTERS[j]}. "
                     f"{escape_inline(o[j].text)}",
                     on_change=_save, args=(ex, a.id, pos, [k], False),
                     label_visibility="collapsed")
        mk = f"exmark_{a.id}_{pos}"
        st.session_state[mk] = a.marked[pos]
        st.checkbox("Mark for review", key=mk, on_change=_save_mark, args=(ex, a.id, pos, mk))
    b1, b2, _ = st.columns([1, 1, 4])
    b1.button("Previous", key="exam_prev", disabled=pos == 0, on_click=_goto, args=(pos - 1,),
              icon=":material/chevron_left:")
    b2.button("Next", key="exam_next", disabled=pos >= n - 1, on_click=_goto, args=(pos + 1,),
              icon=":material/chevron_right:")

    st.markdown("**Questions**")
    st.caption("Check mark: answered · flag: marked for review · plain: blank. The current "
               "question is highlighted.")
    icons = {"answered": ":material/check:", "marked": ":material/flag:", "blank": None}
    per_row = 12
    for start in range(0, n, per_row):
        cols = st.columns(per_row)
        for i in range(start, min(n, start + per_row)):
            status = a.status(i)
            cols[i - start].button(str(i + 1), key=f"exnav_{i}", icon=icons[status],
                                   type="primary" if i == pos else "secondary",
                                   help=f"question {i + 1}: {status}", on_click=_goto,
                                   args=(i,), width="stretch")

    blanks, marks = n - answered, sum(a.marked)
    if not st.session_state.get(_CONFIRM):
        if st.button("Submit exam", key="exam_submit", type="primary", icon=":material/send:"):
            st.session_state[_CONFIRM] = a.id
            st.rerun()
    else:
        st.warning(f"Submit now? {blanks} question(s) blank and {marks} marked for review; "
                   "blank questions count as wrong. There is no going back.")
        y, no, _ = st.columns([1, 1, 4])
        if y.button("Yes, submit", key="exam_submit_yes", type="primary"):
            ex.submit(a.id)
            st.session_state.pop(_CONFIRM, None)
            st.session_state["exam_show"] = a.id
            st.session_state["exam_pick"] = a.id
            st.query_params.pop("q", None)
            st.rerun()
        if no.button("Keep answering", key="exam_submit_no"):
            st.session_state.pop(_CONFIRM, None)
            st.rerun()


# --- after submit ------------------------------------------------------------------------------

def _passage(s: Any, chunk_id: str) -> str | None:
    snap = resources.snapshot(s)
    i = snap.by_id.get(chunk_id)
    return None if i is None else snap.chunks[i].text


def _item_review(s: Any, n: int, it: Any, chosen: tuple[int, ...], ok: bool) -> None:
    verdict = "right" if ok else ("blank" if not chosen else "missed")
    label = f"Question {n}: {verdict} · section {it.section or '-'}"
    with st.expander(escape_inline(label), expanded=False):
        st.markdown(escape_markdown(it.stem))
        mine = ", ".join(_LETTERS[j] for j in chosen) or "no answer"
        keys = ", ".join(_LETTERS[j] for j in it.keys)
        st.markdown(f"Your answer: **{mine}** · key: **{keys}**")
        for j, opt in enumerate(it.options):
            icon = ":green[✓]" if opt.correct else (":red[✗]" if j in chosen else "·")
            tag = "key" if opt.correct else "not the answer"
            yours = " (your choice)" if j in chosen else ""
            st.markdown(f"{icon} **{_LETTERS[j]}. {escape_inline(opt.text)}** — {tag}{yours}")
            st.markdown("Why: " + escape_inline(opt.rationale))
            where = " · ".join(x for x in (opt.heading, f"section {opt.section}"
                                           if opt.section else "", opt.source) if x)
            st.caption("Passage: " + escape_inline(where))
            text = _passage(s, opt.chunk_id)
            if text:
                with st.container(border=True):
                    st.markdown(passage_markdown(text[:1500]))


def _flashcard_links(a: Any, missed: list[int]) -> None:
    from assistant.ui.app import page

    by_section: dict[str, int] = {}
    for p in missed:
        sec = a.items[p].section or "-"
        by_section[sec] = by_section.get(sec, 0) + 1
    if not by_section:
        return
    st.markdown("**Study the subsections you missed**")
    names = {k: (sub.name if (sub := syllabus.subsection(k)) else "") for k in by_section}
    st.caption(" · ".join(f"{k} {escape_inline(names[k])} ({v})"
                          for k, v in sorted(by_section.items())))
    domains = sorted({syllabus.section_of(k) for k in by_section if k != "-"})
    cols = st.columns(max(1, len(domains)))
    for col, d in zip(cols, domains):
        if col.button(f"Flashcards: domain {d}", key=f"exam_fc_{d}",
                      icon=":material/style:"):
            st.session_state["fc_domain"] = d
            st.switch_page(page("flashcards"), query_params={"user": state.profile()})


def _drill(s: Any, a: Any, missed: list[int]) -> None:
    """Retake what I missed: the missed items again, untimed, one at a time, with feedback;
    each answer goes to the quiz log."""
    d = st.session_state.get(_DRILL)
    if not d or d.get("attempt") != a.id:
        if st.button(f"Retake what I missed ({len(missed)})", key="exam_drill_start",
                     icon=":material/replay:", disabled=not missed):
            st.session_state[_DRILL] = {"attempt": a.id, "pos": missed, "at": 0, "right": 0,
                                        "checked": None}
            st.rerun()
        return
    if d["at"] >= len(d["pos"]):
        st.success(f"Drill done: {d['right']} of {len(d['pos'])} right this time.")
        if st.button("Close the drill", key="exam_drill_close"):
            st.session_state.pop(_DRILL, None)
            st.rerun()
        return
    it = a.items[d["pos"][d["at"]]]
    st.markdown(f"**Drill {d['at'] + 1} of {len(d['pos'])}** · section {it.section or '-'}")
    st.markdown(escape_markdown(it.stem))
    key = f"exdrill_{a.id}_{d['at']}"
    if it.multiple:
        picks = [j for j, o in enumerate(it.options)
                 if st.checkbox(f"{_LETTERS[j]}. {escape_inline(o.text)}", key=f"{key}_{j}",
                                disabled=d["checked"] is not None)]
    else:
        v = st.radio("Drill answer", list(range(len(it.options))), index=None, key=key,
                     format_func=lambda j, o=it.options: f"{_LETTERS[j]}. "
                     f"{escape_inline(o[j].text)}", label_visibility="collapsed",
                     disabled=d["checked"] is not None)
        picks = [] if v is None else [v]
    if d["checked"] is None:
        if st.button("Check", key="exam_drill_check", disabled=not picks):
            ok = resources.study_store(s).record_quiz_answer(
                state.profile(), it, picks if it.multiple else picks[0])
            d["checked"] = ok
            d["right"] += int(ok)
            st.rerun()
    else:
        (st.success if d["checked"] else st.error)(
            "Right." if d["checked"] else
            "Not quite: the key is " + ", ".join(_LETTERS[j] for j in it.keys) + ".")
        for j, opt in enumerate(it.options):
            st.caption(f"{_LETTERS[j]} ({'key' if opt.correct else 'no'}): "
                       + escape_inline(opt.rationale))
        if st.button("Next", key="exam_drill_next"):
            d["at"] += 1
            d["checked"] = None
            st.rerun()


def _report_view(s: Any, a: Any) -> None:
    r = a.report()
    how = " (submitted automatically when time ran out)" if a.auto else ""
    st.subheader(f"Score: {r.correct} of {r.items} ({r.score:.0%}){how}")
    st.caption(f"By the exam weights of the domains on this form: {r.weighted:.0%}. "
               f"{r.items - r.answered} left blank (counted wrong). Submitted "
               f"{datetime.fromtimestamp(a.submitted, UTC):%Y-%m-%d %H:%M} UTC.")
    if a.shortfall:
        st.caption(escape_inline(a.shortfall))
    rows = [d for d in r.domains]
    st.markdown("**Per domain, against the exam weights**")
    st.dataframe(pd.DataFrame([{
        "domain": f"{d.domain}. {d.name}", "exam weight %": d.weight,
        "items": d.items, "right": d.correct,
        "score %": None if d.score is None else round(100 * d.score, 1)} for d in rows]),
        hide_index=True)
    chart = pd.DataFrame({"domain": [f"{d.domain}. {d.name}" for d in rows if d.items],
                          "score (%)": [round(100 * (d.score or 0), 1) for d in rows if d.items],
                          "exam weight (%)": [d.weight for d in rows if d.items]}
                         ).set_index("domain")
    st.bar_chart(chart, stack=False, horizontal=True, height=300, x_label="percent",
                 y_label="")
    missed = r.missed()
    _flashcard_links(a, missed)
    st.markdown("**Retake what I missed**")
    _drill(s, a, missed)


def _items_view(s: Any, a: Any) -> None:
    r = a.report()
    missed = r.missed()
    st.subheader("Review the items")
    show = st.radio("Show", ["Missed", "All"], horizontal=True, key="exam_review_filter",
                    format_func=lambda x: f"Missed ({len(missed)})" if x == "Missed" else
                    f"All ({r.items})")
    for p in (missed if show == "Missed" else range(r.items)):
        _item_review(s, p + 1, a.items[p], a.answers[p], r.results[p])


def _history(s: Any, user: str) -> None:
    from assistant.study.exam import READINESS_METHOD

    ex = exams(s)
    hist = ex.history(user)
    st.subheader("Attempts and readiness")
    if not hist:
        st.caption("No submitted mock exam yet.")
    else:
        df = pd.DataFrame([{
            "attempt": n, "submitted": datetime.fromtimestamp(a.submitted, UTC)
            .strftime("%Y-%m-%d %H:%M"), "score %": round(100 * a.report().score, 1),
            "weighted %": round(100 * a.report().weighted, 1), "items": len(a.items),
            "answered": a.report().answered, "id": a.id} for n, a in enumerate(hist, 1)])
        if len(hist) > 1:
            st.line_chart(df.set_index("attempt")[["score %", "weighted %"]], height=220)
        st.dataframe(df, hide_index=True)
    t = ex.target(user)
    c1, c2 = st.columns([1, 3])
    new = c1.number_input("Your target score (%)", min_value=1, max_value=100,
                          value=int(round(100 * t)) if t else 70, key="exam_target")
    if c1.button("Save target", key="exam_target_save"):
        ex.set_target(user, new / 100.0)
        st.rerun()
    est = ex.readiness(user, _pool(s))
    if est is None:
        c2.info("Take and submit a mock exam to get a readiness estimate.")
    else:
        c2.metric("Expected score on a full form", f"{est.expected:.0%}",
                  help="90% interval below")
        c2.markdown(f"90% interval **{est.low:.0%}–{est.high:.0%}**, from {est.answered} "
                    f"answered item(s) in {est.attempts} attempt(s). "
                    + escape_inline(est.verdict))
    st.caption(escape_inline(READINESS_METHOD))


def render() -> None:
    s = resources.settings()
    user = state.profile()
    ex = exams(s)
    st.title("Mock exam")
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.warning(escape_inline(flash))
    current = ex.current(user)
    if current is not None:
        _exam_view(s, current)
        return
    shown = st.session_state.get("exam_show")
    st.caption("A timed form like the real exam: 50-60 questions drawn from the practice bank "
               "by the June 2026 domain weights, 120 minutes, no feedback until you submit. "
               "Items you have seen before come last. Answers, marks and the time left are "
               "saved as you go, so a reload or a restart continues where you were.")
    if st.button("Start a mock exam", key="exam_start", type="primary",
                 icon=":material/timer:"):
        ex.start(user, _pool(s))
        st.query_params["q"] = "1"
        st.session_state.pop(_DRILL, None)
        st.rerun()
    hist = ex.history(user)
    if hist:
        ids = [a.id for a in hist][::-1]
        if st.session_state.get("exam_pick") not in ids:
            st.session_state["exam_pick"] = shown if shown in ids else ids[0]
        labels = {a.id: f"{datetime.fromtimestamp(a.submitted, UTC):%Y-%m-%d %H:%M}"
                        f" · {a.report().correct}/{len(a.items)}" for a in hist}
        chosen = st.selectbox("Report of attempt", ids, key="exam_pick",
                              format_func=lambda i: labels[i])
        a = next(x for x in hist if x.id == chosen)
        _report_view(s, a)
        _history(s, user)
        _items_view(s, a)
    else:
        _history(s, user)
