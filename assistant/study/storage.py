"""``StudyStore``: cards, FSRS state, the review log and quiz answers, per study profile, in
the project's SQLite store (store.py).

Every action is one ``store.transaction()`` (BEGIN IMMEDIATE), and a rating reads the card's
current state *inside* that transaction: two processes rating cards of the same user queue on
the write lock, and each review is applied to the state the other one left, so both persist.
The review log is append-only; the state table is the log's running result, kept so that
"what is due" is one indexed query.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from fsrs import Card, Scheduler, State

from assistant.store import Store
from assistant.study.cards import Flashcard
from assistant.study.progress import DomainProgress, Suggestion, compute_progress, suggest
from assistant.study.quiz import QuizItem
from assistant.study.srs import (
    RATING_NAMES,
    ReviewResult,
    StudyError,
    check_rating,
    check_user,
    new_fsrs_card,
    review,
    state_name,
    utc,
)

if TYPE_CHECKING:
    from assistant.index import Snapshot

__all__ = ["StudyStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS study_cards (
    id TEXT PRIMARY KEY,
    domain INTEGER,
    section TEXT,
    kind TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    card_json TEXT NOT NULL,
    ord INTEGER NOT NULL DEFAULT 0,       -- corpus order: new cards are introduced in it
    active INTEGER NOT NULL DEFAULT 1,    -- 0 once the index no longer yields the card
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS study_cards_by_domain ON study_cards(active, domain, ord);
CREATE TABLE IF NOT EXISTS study_state (
    user TEXT NOT NULL,
    card_id TEXT NOT NULL,
    fsrs_json TEXT NOT NULL,              -- fsrs.Card.to_json(): the scheduler's own state
    state INTEGER NOT NULL,
    due REAL NOT NULL,
    reps INTEGER NOT NULL,
    lapses INTEGER NOT NULL,
    first_review REAL NOT NULL,
    last_review REAL NOT NULL,
    PRIMARY KEY (user, card_id)
);
CREATE INDEX IF NOT EXISTS study_state_due ON study_state(user, due);
CREATE TABLE IF NOT EXISTS study_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user TEXT NOT NULL,
    card_id TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    state_before INTEGER,                 -- NULL: the first time this user saw the card
    state_after INTEGER NOT NULL,
    reviewed REAL NOT NULL,
    due_after REAL NOT NULL,
    log_json TEXT NOT NULL                -- fsrs.ReviewLog.to_json()
);
CREATE INDEX IF NOT EXISTS study_reviews_by_user ON study_reviews(user, card_id, id);
CREATE TABLE IF NOT EXISTS quiz_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user TEXT NOT NULL,
    item_id TEXT NOT NULL,
    domain INTEGER,
    section TEXT,
    chosen INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    item_json TEXT NOT NULL,
    answered REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS quiz_answers_by_user ON quiz_answers(user, domain);
"""


class StudyStore:
    def __init__(self, store: Store, *, scheduler: Scheduler | None = None,
                 new_per_day: int = 20) -> None:
        self.store = store
        # fsrs defaults (desired retention 0.9, interval fuzzing on), like Anki's FSRS mode.
        self.scheduler = scheduler or Scheduler()
        self.new_per_day = new_per_day
        store.migrate(_SCHEMA)

    # --- cards ---------------------------------------------------------------------------

    def sync_index_cards(self, snap: Snapshot) -> list[Flashcard]:
        """Generate the full card set of an index generation and register it: cards the index
        no longer yields stop being served (their review history stays). The one card sync of
        the project: ``assistant review`` and the app both call it. Returns the cards."""
        from assistant.study.cards import generate_cards

        cards = generate_cards(snap)
        self.sync_cards(cards, retire_others=True)
        return cards

    def sync_cards(self, cards: Iterable[Flashcard], *, retire_others: bool = False) -> int:
        """Insert or refresh cards (by id). With ``retire_others`` (pass the full card set of
        the current index), cards the index no longer yields stop being served; their review
        history is kept. Returns the number of cards given."""
        now = time.time()
        rows = [(c.id, c.domain, c.section, c.kind, c.chunk_id,
                 json.dumps(c.to_json(), ensure_ascii=False), i, now)
                for i, c in enumerate(cards)]
        with self.store.transaction() as db:
            db.executemany(
                "INSERT INTO study_cards (id, domain, section, kind, chunk_id, card_json, ord, "
                "active, updated) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT(id) DO UPDATE "
                "SET domain=excluded.domain, section=excluded.section, kind=excluded.kind, "
                "chunk_id=excluded.chunk_id, card_json=excluded.card_json, ord=excluded.ord, "
                "active=1, updated=excluded.updated", rows)
            if retire_others:
                db.execute("UPDATE study_cards SET active = 0 WHERE updated < ?", (now,))
        return len(rows)

    def card(self, card_id: str) -> Flashcard | None:
        rows = self.store.query("SELECT card_json FROM study_cards WHERE id = ?", (card_id,))
        return Flashcard.from_json(json.loads(rows[0]["card_json"])) if rows else None

    def due_cards(self, user: str, *, domain: int | None = None, limit: int = 20,
                  now: datetime | None = None) -> list[Flashcard]:
        """Cards to review now: due cards first (most overdue first), then new cards in corpus
        order, at most ``new_per_day`` new ones per calendar day (UTC)."""
        user = check_user(user)
        now_ts = utc(now).timestamp()
        dom_sql, dom_args = ("AND c.domain = ?", (domain,)) if domain is not None else ("", ())
        rows = self.store.query(
            "SELECT c.card_json FROM study_state s JOIN study_cards c ON c.id = s.card_id "
            f"WHERE s.user = ? AND c.active = 1 AND s.due <= ? {dom_sql} "
            "ORDER BY s.due, c.id LIMIT ?", (user, now_ts, *dom_args, limit))
        out = [Flashcard.from_json(json.loads(r["card_json"])) for r in rows]
        room = min(limit - len(out), self._new_left_today(user, utc(now)))
        if room > 0:
            rows = self.store.query(
                "SELECT c.card_json FROM study_cards c WHERE c.active = 1 "
                f"{dom_sql} AND NOT EXISTS (SELECT 1 FROM study_state s WHERE s.user = ? AND "
                "s.card_id = c.id) ORDER BY c.ord, c.id LIMIT ?", (*dom_args, user, room))
            out.extend(Flashcard.from_json(json.loads(r["card_json"])) for r in rows)
        return out

    def _new_left_today(self, user: str, now: datetime) -> int:
        day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        rows = self.store.query("SELECT COUNT(*) AS n FROM study_state WHERE user = ? AND "
                                "first_review >= ? AND first_review < ?",
                                (user, day.timestamp(), (day + timedelta(days=1)).timestamp()))
        return max(0, self.new_per_day - int(rows[0]["n"]))

    # --- reviews -------------------------------------------------------------------------

    def rate(self, user: str, card_id: str, rating: int, *,
             now: datetime | None = None) -> ReviewResult:
        """Apply one rating (1 Again, 2 Hard, 3 Good, 4 Easy) with FSRS and log it."""
        user = check_user(user)
        rating = check_rating(rating)
        when = utc(now)
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM study_cards WHERE id = ?", (card_id,)).fetchone() is None:
                raise StudyError(f"no flashcard with id {card_id!r}; list cards with "
                                 "'assistant flashcards --format json'")
            row = db.execute("SELECT fsrs_json, state, reps, lapses, first_review FROM "
                             "study_state WHERE user = ? AND card_id = ?",
                             (user, card_id)).fetchone()
            before = Card.from_json(row["fsrs_json"]) if row else new_fsrs_card(card_id, when)
            after, log = review(self.scheduler, before, rating, when)
            reps = (row["reps"] if row else 0) + 1
            lapses = (row["lapses"] if row else 0) + int(
                row is not None and row["state"] == State.Review and rating == 1)
            first = row["first_review"] if row else when.timestamp()
            db.execute(
                "INSERT INTO study_state (user, card_id, fsrs_json, state, due, reps, lapses, "
                "first_review, last_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(user, card_id) DO UPDATE SET fsrs_json=excluded.fsrs_json, "
                "state=excluded.state, due=excluded.due, reps=excluded.reps, "
                "lapses=excluded.lapses, last_review=excluded.last_review",
                (user, card_id, after.to_json(), int(after.state), after.due.timestamp(), reps,
                 lapses, first, when.timestamp()))
            db.execute(
                "INSERT INTO study_reviews (user, card_id, rating, state_before, state_after, "
                "reviewed, due_after, log_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (user, card_id, rating, row["state"] if row else None, int(after.state),
                 when.timestamp(), after.due.timestamp(), log.to_json()))
        return ReviewResult(card_id=card_id, user=user, rating=rating,
                            rating_name=RATING_NAMES[rating], reviewed_at=when, due=after.due,
                            state=state_name(after.state), stability=after.stability,
                            difficulty=after.difficulty, reps=reps, lapses=lapses)

    def fsrs_card(self, user: str, card_id: str) -> Card | None:
        """The scheduler state of one card for one user, as the fsrs package sees it."""
        rows = self.store.query("SELECT fsrs_json FROM study_state WHERE user = ? AND "
                                "card_id = ?", (check_user(user), card_id))
        return Card.from_json(rows[0]["fsrs_json"]) if rows else None

    def reviews(self, user: str, card_id: str | None = None) -> list[dict[str, object]]:
        sql = "SELECT card_id, rating, state_before, state_after, reviewed, due_after FROM " \
              "study_reviews WHERE user = ?"
        args: tuple[object, ...] = (check_user(user),)
        if card_id is not None:
            sql += " AND card_id = ?"
            args += (card_id,)
        return [dict(r) for r in self.store.query(sql + " ORDER BY id", args)]

    # --- quizzes -------------------------------------------------------------------------

    def record_quiz_answer(self, user: str, item: QuizItem, chosen_index: int) -> bool:
        """Log one answered question; returns whether the choice was correct."""
        user = check_user(user)
        if isinstance(chosen_index, bool) or not isinstance(chosen_index, int) \
                or not 0 <= chosen_index < len(item.options):
            raise StudyError(f"answer must be one of options 1-{len(item.options)} "
                             f"(index 0-{len(item.options) - 1}); got {chosen_index!r}")
        correct = chosen_index == item.answer_index
        with self.store.transaction() as db:
            db.execute("INSERT INTO quiz_answers (user, item_id, domain, section, chosen, "
                       "correct, item_json, answered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (user, item.id, item.domain, item.section, chosen_index, int(correct),
                        json.dumps(item.to_json(), ensure_ascii=False), time.time()))
        return correct

    # --- progress ------------------------------------------------------------------------

    def progress(self, user: str, *, now: datetime | None = None) -> list[DomainProgress]:
        return compute_progress(self.store, check_user(user), utc(now))

    def study_next(self, user: str, *, now: datetime | None = None) -> Suggestion:
        user = check_user(user)
        return suggest(self.store, user, compute_progress(self.store, user, utc(now)))
