"""Spaced repetition and progress: FSRS state equals the fsrs package's own scheduler, reviews
survive a restart and concurrent processes, due cards come first, bad input is one clear
error, and "study next" weighs exam weight against measured weakness."""

from __future__ import annotations

import faulthandler
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Card, Rating, Scheduler
from test_study_support import make_card

from assistant.store import Store
from assistant.study import StudyError, StudyStore
from assistant.study.quiz import QuizItem, QuizOption

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _store(target: Path | str, **kw) -> StudyStore:  # noqa: ANN003
    """On each engine (the ``store_target`` fixture: a SQLite file, a PostgreSQL database)."""
    return StudyStore(Store(target), **kw)


def test_state_matches_the_fsrs_scheduler(store_target: Path | str) -> None:
    card = make_card(1)
    seq = [(3, T0), (3, T0 + timedelta(minutes=10)), (1, T0 + timedelta(days=2)),
           (2, T0 + timedelta(days=2, minutes=10)), (4, T0 + timedelta(days=5)),
           (3, T0 + timedelta(days=20))]
    # Fuzzing off on both sides: intervals are then a pure function of the ratings.
    study = _store(store_target, scheduler=Scheduler(enable_fuzzing=False))
    study.sync_cards([card])
    ref_sched = Scheduler(enable_fuzzing=False)
    ref = Card(card_id=int(card.id[:12], 16), due=T0)
    for rating, when in seq:
        result = study.rate("ana", card.id, rating, now=when)
        ref, _ = ref_sched.review_card(ref, Rating(rating), review_datetime=when)
        assert result.due == ref.due and result.state == ref.state.name
        assert result.stability == pytest.approx(ref.stability)
        assert result.difficulty == pytest.approx(ref.difficulty)
    stored = study.fsrs_card("ana", card.id)
    assert stored is not None and stored.to_dict() == ref.to_dict()
    assert result.reps == len(seq) and result.lapses == 1  # Again after graduating


def test_default_scheduler_fuzzes_only_the_interval(store_target: Path | str) -> None:
    card = make_card(2)
    study = _store(store_target)
    study.sync_cards([card])
    ref, ref_sched = Card(card_id=int(card.id[:12], 16), due=T0), Scheduler()
    for rating, when in [(3, T0), (3, T0 + timedelta(minutes=10)), (3, T0 + timedelta(days=3))]:
        got = study.rate("ana", card.id, rating, now=when)
        ref, _ = ref_sched.review_card(ref, Rating(rating), review_datetime=when)
        assert (got.stability, got.difficulty, got.state) == \
            (pytest.approx(ref.stability), pytest.approx(ref.difficulty), ref.state.name)


def test_reviews_persist_across_a_restart(store_target: Path | str) -> None:
    cards = [make_card(i) for i in range(3)]
    study = _store(store_target)
    study.sync_cards(cards)
    study.rate("ana", cards[0].id, 3, now=T0)
    study.rate("ana", cards[0].id, 3, now=T0 + timedelta(minutes=11))
    before = study.fsrs_card("ana", cards[0].id)
    study.store.close()

    reopened = _store(store_target)  # a new process would see exactly this
    assert reopened.fsrs_card("ana", cards[0].id).to_dict() == before.to_dict()
    assert [r["rating"] for r in reopened.reviews("ana")] == [3, 3]
    assert reopened.fsrs_card("bob", cards[0].id) is None  # profiles are separate


def _rate_many(path: str, user: str, card_ids: list[str], rating: int, dump: str) -> None:
    # If this child is still running after a minute, its stack goes to ``dump`` so that a
    # failure says where it waits (a CI run once saw both children still running at 120 s).
    with open(dump, "w") as out:
        faulthandler.dump_traceback_later(60, file=out)
        study = StudyStore(Store(path if path.startswith("postgresql") else Path(path)))
        for cid in card_ids:
            study.rate(user, cid, rating)
        faulthandler.cancel_dump_traceback_later()


def test_two_processes_rating_the_same_user_both_persist(store_target: Path | str,
                                                         tmp_path: Path) -> None:
    cards = [make_card(i) for i in range(12)]
    study = _store(store_target)
    study.sync_cards(cards)
    ids = [c.id for c in cards]
    ctx = multiprocessing.get_context("spawn")
    # Both processes rate every card: the writes interleave on the same rows.
    dumps = [tmp_path / f"child-{r}.txt" for r in (3, 4)]
    procs = [ctx.Process(target=_rate_many, args=(str(store_target), "ana", ids, r, str(d)))
             for r, d in zip((3, 4), dumps, strict=True)]
    for p in procs:
        p.start()
    for p in procs:
        # Generous: this checks that both writers' reviews persist, not how fast they start
        # (a spawned child imports the package afresh, which is slow on a loaded host).
        p.join(300)
    stuck = [p for p in procs if p.exitcode is None]
    for p in stuck:
        p.kill()
    assert [p.exitcode for p in procs] == [0, 0], "\n".join(
        d.read_text() for d in dumps if d.exists())
    reviews = study.reviews("ana")
    assert len(reviews) == 2 * len(ids)
    for cid in ids:
        per_card = [r for r in reviews if r["card_id"] == cid]
        assert sorted(r["rating"] for r in per_card) == [3, 4]
        rows = study.store.query("SELECT reps FROM study_state WHERE \"user\" = 'ana' AND "
                                 "card_id = ?", (cid,))
        assert rows[0]["reps"] == 2  # the second review saw the first one's state
        # The second review in the log started from the state the first one left.
        assert per_card[1]["state_before"] == per_card[0]["state_after"]


def test_due_cards_first_then_new_within_the_daily_limit(store_target: Path | str) -> None:
    cards = [make_card(i, domain=3 if i < 6 else 6) for i in range(10)]
    study = _store(store_target, new_per_day=4)
    study.sync_cards(cards)
    first = study.due_cards("ana", limit=3, now=T0)
    assert [c.id for c in first] == [c.id for c in cards[:3]]  # new cards in corpus order
    for c in first:
        study.rate("ana", c.id, 1, now=T0)  # Again: due again in a minute
    later = T0 + timedelta(minutes=5)
    due = study.due_cards("ana", limit=10, now=later)
    assert {c.id for c in due[:3]} == {c.id for c in first}  # due ones before new ones
    assert len(due) == 3 + 1  # only one new card left today (4 per day, 3 introduced)
    assert [c.domain for c in study.due_cards("ana", domain=6, limit=10, now=later)] == [6]
    next_day = T0 + timedelta(days=1)
    assert len([c for c in study.due_cards("ana", limit=20, now=next_day)
                if c.id not in {x.id for x in first}]) == 4


def test_retired_cards_are_not_served(store_target: Path | str) -> None:
    cards = [make_card(i) for i in range(4)]
    study = _store(store_target)
    study.sync_cards(cards)
    study.sync_cards(cards[:2], retire_others=True)
    assert {c.id for c in study.due_cards("ana", limit=10, now=T0)} == {c.id for c in cards[:2]}


def test_bad_input_is_one_clear_error(store_target: Path | str) -> None:
    study = _store(store_target)
    card = make_card(1)
    study.sync_cards([card])
    for bad in (0, 5, "3", True, 2.0):
        with pytest.raises(StudyError, match="rating must be 1"):
            study.rate("ana", card.id, bad)  # type: ignore[arg-type]
    with pytest.raises(StudyError, match="no flashcard with id"):
        study.rate("ana", "nope", 3)
    with pytest.raises(StudyError, match="profile name"):
        study.rate("  ", card.id, 3)
    assert study.reviews("ana") == []


def _item(domain: int, section: str, answer: int = 0) -> QuizItem:
    opts = tuple(QuizOption(f"option {i}", i == answer, f"rationale {i}", f"c{i}", "s.md",
                            section, "h") for i in range(4))
    return QuizItem(id=f"q{domain}{section}", domain=domain, section=section, family="x",
                    stem="Which one?", options=opts, answer_index=answer, chunk_id="c0",
                    source="s.md")


def test_quiz_answers_and_progress_drive_study_next(store_target: Path | str) -> None:
    cards = [*(make_card(i, domain=3, section="3.2") for i in range(4)),
             *(make_card(10 + i, domain=6, section="6.1") for i in range(4))]
    study = _store(store_target, scheduler=Scheduler(enable_fuzzing=False))
    study.sync_cards(cards)
    # Untouched: the heavier domain (3 weighs 21%, 6 weighs 13%) comes first.
    first = study.study_next("ana")
    assert (first.domain, first.section, first.action) == (3, "3.2", "learn")

    item = _item(3, "3.2", answer=1)
    with pytest.raises(StudyError, match="answer must be one of options"):
        study.record_quiz_answer("ana", item, 4)
    assert study.record_quiz_answer("ana", item, 1) is True
    assert study.record_quiz_answer("ana", item, 0) is False
    # Learn every domain-3 card and answer its quiz well: domain 6 is now the weaker one.
    for c in cards[:4]:
        study.rate("ana", c.id, 4, now=T0)  # Easy graduates a new card at once
    for _ in range(8):
        study.record_quiz_answer("ana", item, 1)
    rows = {p.domain: p for p in study.progress("ana", now=T0)}
    p3 = rows[3]
    assert (p3.cards_total, p3.cards_learned, p3.quiz_answered, p3.quiz_correct) == (4, 4, 10, 9)
    assert p3.quiz_accuracy == pytest.approx(0.9) and p3.retention is None
    assert rows[6].cards_learned == 0 and rows[0].weight == 0
    nxt = study.study_next("ana", now=T0)
    assert nxt.domain == 6 and nxt.section == "6.1" and "13%" in nxt.reason
    # Retention counts reviews of graduated cards only.
    later = T0 + timedelta(days=30)
    study.rate("ana", cards[0].id, 3, now=later)
    study.rate("ana", cards[1].id, 1, now=later)
    p3 = {p.domain: p for p in study.progress("ana", now=later)}[3]
    assert p3.retention == pytest.approx(0.5) and p3.reviews == 6
    assert set(p3.to_json()) >= {"domain", "cards_learned", "retention", "quiz_accuracy"}


def test_generated_cards_wait_in_the_inbox_until_accepted(store_target: Path | str) -> None:
    curated = make_card(1)
    generated = [make_card(i, kind="definition") for i in (2, 3, 4)]
    study = _store(store_target)
    study.sync_cards([curated, *generated])
    assert [c.id for c in study.due_cards("ana", now=T0)] == [curated.id]
    assert [c.id for c in study.inbox("ana")] == [c.id for c in generated]
    study.accept_card("ana", generated[0].id, front="Edited front about domain 3?")
    study.suspend_card("ana", generated[1].id)
    study.suspend_card("ana", curated.id)
    due = study.due_cards("ana", now=T0)
    assert [c.id for c in due] == [generated[0].id]
    assert due[0].front == "Edited front about domain 3?" and due[0].answer == "answer 2"
    assert [c.id for c in study.inbox("ana")] == [generated[2].id]
    # Another profile has its own inbox and its own study set.
    assert [c.id for c in study.due_cards("ben", now=T0)] == [curated.id]
    assert len(study.inbox("ben")) == 3
    # Choices are stored: a new store on the same file sees them.
    again = _store(store_target)
    assert [c.id for c in again.due_cards("ana", now=T0)] == [generated[0].id]
    # Progress counts the study set, not every card in the index.
    assert {p.domain: p.cards_total for p in again.progress("ana", now=T0)}[3] == 1
    with pytest.raises(StudyError):
        study.accept_card("ana", "no-such-card")


def test_own_cards_belong_to_their_author(store_target: Path | str) -> None:
    study = _store(store_target)
    study.sync_cards([make_card(1)])
    own = study.add_own_card("ana", "  Which Vertex AI feature splits traffic between models? ",
                             "traffic split on the endpoint", domain=4, section="4.1")
    assert own.front == "Which Vertex AI feature splits traffic between models?"
    assert own.id in {c.id for c in study.due_cards("ana", now=T0)}
    assert own.id not in {c.id for c in study.due_cards("ben", now=T0)}
    assert [c.id for c in study.own_cards("ana")] == [own.id] and study.own_cards("ben") == []
    study.rate("ana", own.id, 3, now=T0)
    # A re-sync of the index's cards never retires a card the candidate wrote.
    study.sync_cards([make_card(1)], retire_others=True)
    assert [c.id for c in _store(store_target).own_cards("ana")] == [own.id]
    for front, answer in [("", "x"), ("front?", "   "), ("x" * 3000, "y")]:
        with pytest.raises(StudyError):
            study.add_own_card("ana", front, answer)
