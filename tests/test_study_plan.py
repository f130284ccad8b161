"""The exam-date plan on the real deck and bank: it covers every current subsection before the
date, respects the minutes and the new-card cap, orders by weight and weakness, keeps FSRS
reviews and history; bad input is one line; `assistant plan`."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from assistant import syllabus
from assistant.store import Store
from assistant.study.curated import bank_items, deck_cards
from assistant.study.plan import PlanStore, build_plan, check_plan_input, parse_date
from assistant.study.srs import StudyError
from assistant.study.storage import StudyStore

TODAY = date(2026, 12, 3)


@pytest.fixture(scope="module")
def material(corpus_settings):  # noqa: ANN001, ANN201
    from assistant.index import Index

    snap = Index(corpus_settings).snapshot()
    deck = deck_cards(snap, corpus_settings.practice_dir)
    bank = Counter(it.section for it in bank_items(snap, corpus_settings.practice_dir)
                   if it.section)
    return deck, bank


@pytest.fixture
def study(store_target: Path | str, material) -> StudyStore:  # noqa: ANN001
    s = StudyStore(Store(store_target))
    s.sync_cards(material[0])
    return s


def _plan(study: StudyStore, bank: Counter[str], days: int, minutes: int, user: str = "pat"):  # noqa: ANN202
    cfg = PlanStore(study.store).set(user, TODAY + timedelta(days=days), minutes, today=TODAY)
    return build_plan(study.store, user, cfg, bank=bank, today=TODAY,
                      scheduler=study.scheduler, new_per_day=study.new_per_day)


def test_plan_covers_every_subsection_before_the_exam(study, material) -> None:  # noqa: ANN001
    plan = _plan(study, material[1], days=30, minutes=45)
    exam = TODAY + timedelta(days=30)
    assert plan.on_track, plan.status
    for sid in syllabus.current_guide().subsection_ids():
        when = plan.covered_on.get(sid)
        assert sid in plan.done or when is not None, sid
        # Covered at least two days before: a day for FSRS to bring the cards back.
        assert when is None or when <= exam - timedelta(days=2), (sid, when)
        assert any(t.section == sid and t.cover for d in plan.days for t in d.tasks), sid
    for d in plan.days:
        assert d.minutes <= 45 + 1e-9, d
        assert sum(t.count for t in d.tasks if t.kind == "learn") <= study.new_per_day
        assert TODAY <= d.day < exam
    today = plan.today_plan
    assert today is not None and today.tasks and today.minutes > 0
    # Heavy subsections first when nothing is known: domain 3 (21%) before domain 6 (13%).
    assert plan.order.index("3.1") < plan.order.index("6.1")


def test_weakness_moves_a_subsection_up(study, material) -> None:  # noqa: ANN001
    from assistant.study.quiz import QuizItem, QuizOption

    before = _plan(study, material[1], days=30, minutes=45).order
    opts = tuple(QuizOption(f"o{j}", j == 0, "r", "c", "s", "6.2", "h") for j in range(4))
    for i in range(12):  # twelve wrong answers in 6.2
        item = QuizItem(f"w{i}", 6, "6.2", "bank", "stem", opts, 0, "c", "s", kind="bank")
        study.record_quiz_answer("pat", item, 1)
    after = _plan(study, material[1], days=30, minutes=45).order
    assert after.index("6.2") < before.index("6.2")


def test_reviews_are_kept_and_replanning_keeps_history(study, material) -> None:  # noqa: ANN001
    deck, bank = material
    now = datetime.combine(TODAY, datetime.min.time(), UTC)
    mine = [c for c in deck if c.domain == 3][:10]
    for c in mine:
        study.rate("pat", c.id, 3, now=now - timedelta(days=2))
    first = _plan(study, bank, days=20, minutes=30)
    assert first.days[0].reviews >= 1  # the cards FSRS has due today take their time first
    reviews = study.reviews("pat")
    second = _plan(study, bank, days=40, minutes=60)
    assert study.reviews("pat") == reviews  # re-planning changes no review
    hist = PlanStore(study.store).history("pat")
    assert [(h.exam_date - TODAY).days for h in hist] == [20, 40]
    assert [h.minutes for h in hist] == [30, 60]
    assert second.settings.exam_date == TODAY + timedelta(days=40)
    # The forecast recall of the studied cards, from their FSRS stability, falls with time.
    near = {f.domain: f for f in first.forecast}
    far = {f.domain: f for f in second.forecast}
    d = 3
    assert near[d].cards_seen >= 1 and 0 < far[d].recall_seen < near[d].recall_seen <= 1


def test_too_little_time_is_not_on_track(study, material) -> None:  # noqa: ANN001
    plan = _plan(study, material[1], days=3, minutes=10)
    assert not plan.on_track and "Not on track" in plan.status
    assert plan.needed_minutes > 10


@pytest.mark.parametrize("exam, minutes, message", [
    (TODAY - timedelta(days=1), 30, "is not after today"),
    (TODAY, 30, "is not after today"),
    (TODAY + timedelta(days=731), 30, "more than two years away"),
    (TODAY + timedelta(days=30), 0, "minutes per day must be 5-480"),
    (TODAY + timedelta(days=30), 1000, "minutes per day must be 5-480"),
])
def test_bad_input_is_one_line(exam: date, minutes: int, message: str) -> None:
    with pytest.raises(StudyError, match=message) as err:
        check_plan_input(exam, minutes, TODAY)
    assert "\n" not in str(err.value)
    with pytest.raises(StudyError, match="a date like"):
        parse_date("2027-13-45")




def test_cli_plan(run) -> None:  # noqa: ANN001
    code, _, err = run("plan")
    assert code == 2 and "no exam date set" in err
    code, _, err = run("plan", "--date", "2020-01-01", "--minutes", "30")
    assert code == 2 and err.count("\n") == 1 and "not after today" in err
    code, _, err = run("plan", "--date", "2027-01-01")
    assert code == 2 and "needs both" in err
    exam = (datetime.now(UTC).date() + timedelta(days=45)).isoformat()
    code, out, _ = run("plan", "--date", exam, "--minutes", "40")
    assert code == 0 and "Today:" in out and "On track" in out
    code, out, _ = run("plan", "--minutes", "1000")
    assert code == 2
    code, out, _ = run("plan", "--json")
    data = json.loads(out)
    assert data["settings"]["exam_date"] == exam and data["on_track"]
    assert set(data["covered_on"]) | set(data["done"]) >= set(
        syllabus.current_guide().subsection_ids())
