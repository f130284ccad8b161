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
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
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
from assistant.study.studyset import CURATED_KINDS, in_study_set

if TYPE_CHECKING:
    from assistant.index import Snapshot

__all__ = ["StudyStore"]

_OWN_ORD = 1 << 30  # own cards are introduced after the deck and accepted generated cards
_MAX_CARD_TEXT = 2000


def _edit_text(text: str | None, what: str) -> str | None:
    """A user-written front or answer: trimmed, bounded, None when absent."""
    if text is None:
        return None
    text = " ".join(text.split())
    if not text:
        return None
    if len(text) > _MAX_CARD_TEXT:
        raise StudyError(f"the {what} is {len(text)} characters; keep it under "
                         f"{_MAX_CARD_TEXT}")
    return text


def _edited(row: object) -> Flashcard:
    """A card as the user sees it: their edit of the front and answer, if any."""
    card = Flashcard.from_json(json.loads(row["card_json"]))  # type: ignore[index]
    front, answer = row["e_front"], row["e_answer"]  # type: ignore[index]
    if front or answer:
        card = replace(card, front=front or card.front, answer=answer or card.answer)
    return card

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
    "user" TEXT NOT NULL,
    card_id TEXT NOT NULL,
    fsrs_json TEXT NOT NULL,              -- fsrs.Card.to_json(): the scheduler's own state
    state INTEGER NOT NULL,
    due REAL NOT NULL,
    reps INTEGER NOT NULL,
    lapses INTEGER NOT NULL,
    first_review REAL NOT NULL,
    last_review REAL NOT NULL,
    PRIMARY KEY ("user", card_id)
);
CREATE INDEX IF NOT EXISTS study_state_due ON study_state("user", due);
CREATE TABLE IF NOT EXISTS study_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    "user" TEXT NOT NULL,
    card_id TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    state_before INTEGER,                 -- NULL: the first time this user saw the card
    state_after INTEGER NOT NULL,
    reviewed REAL NOT NULL,
    due_after REAL NOT NULL,
    log_json TEXT NOT NULL                -- fsrs.ReviewLog.to_json()
);
CREATE INDEX IF NOT EXISTS study_reviews_by_user ON study_reviews("user", card_id, id);
CREATE TABLE IF NOT EXISTS quiz_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    "user" TEXT NOT NULL,
    item_id TEXT NOT NULL,
    domain INTEGER,
    section TEXT,
    chosen INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    item_json TEXT NOT NULL,
    answered REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS quiz_answers_by_user ON quiz_answers("user", domain);
-- The candidate's say over cards: generated cards wait in an inbox (no row) until accepted,
-- optionally edited; any card can be suspended. A card the candidate wrote is a study_cards
-- row of kind 'own' that only its author has accepted, so nobody else is ever served it.
CREATE TABLE IF NOT EXISTS card_choices (
    "user" TEXT NOT NULL,
    card_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'suspended')),
    front TEXT,                           -- the candidate's edit of the front, if any
    answer TEXT,                          -- and of the answer
    updated REAL NOT NULL,
    PRIMARY KEY ("user", card_id)
);
-- Multiple-select answers: every chosen option (quiz_answers.chosen holds the first).
CREATE TABLE IF NOT EXISTS quiz_answer_choices (
    answer_id INTEGER PRIMARY KEY REFERENCES quiz_answers(id),
    chosen_json TEXT NOT NULL
);
"""


class StudyStore:
    def __init__(self, store: Store, *, scheduler: Scheduler | None = None,
                 new_per_day: int = 20) -> None:
        self.store = store
        # fsrs defaults (desired retention 0.9, interval fuzzing on), like Anki's FSRS mode.
        self.scheduler = scheduler or Scheduler()
        self.new_per_day = new_per_day
        store.migrate([_SCHEMA], component="study")

    # --- cards ---------------------------------------------------------------------------

    def sync_index_cards(self, snap: Snapshot, practice_dir: Path | None = None
                         ) -> list[Flashcard]:
        """Register the full card set of an index generation, the curated deck first (new cards
        are introduced in this order), then the generated cards (which wait in each user's
        inbox); cards the index no longer yields stop being served (their review history
        stays). The one card sync of the project: ``assistant review``, ``assistant cards`` and
        the app all call it. Returns the cards."""
        # Imported here: practice -> curated -> quiz/cards is the generator stack, which a
        # store opened only to record reviews does not need.
        from assistant.study.practice import study_cards

        cards = study_cards(snap, practice_dir=practice_dir)
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
                db.execute("UPDATE study_cards SET active = 0 WHERE updated < ? AND kind != 'own'",
                           (now,))
        return len(rows)

    def card(self, card_id: str) -> Flashcard | None:
        rows = self.store.query("SELECT card_json FROM study_cards WHERE id = ?", (card_id,))
        return Flashcard.from_json(json.loads(rows[0]["card_json"])) if rows else None

    def due_cards(self, user: str, *, domain: int | None = None, limit: int = 20,
                  now: datetime | None = None) -> list[Flashcard]:
        """Cards of the user's study set to review now: due cards first (most overdue first),
        then new cards in order (the curated deck was synced first), at most ``new_per_day``
        new ones per calendar day (UTC). Generated cards come only once accepted from the
        inbox; the user's edits replace a card's front and answer."""
        user = check_user(user)
        now_ts = utc(now).timestamp()
        dom_sql, dom_args = ("AND c.domain = ?", (domain,)) if domain is not None else ("", ())
        pick = ("SELECT c.card_json, e.front AS e_front, e.answer AS e_answer FROM study_cards c "
                "LEFT JOIN card_choices e ON e.\"user\" = ? AND e.card_id = c.id ")
        rows = self.store.query(
            pick + "JOIN study_state s ON s.card_id = c.id AND s.\"user\" = ? "
            f"WHERE {in_study_set('c')} AND s.due <= ? {dom_sql} ORDER BY s.due, c.id LIMIT ?",
            (user, user, user, user, now_ts, *dom_args, limit))
        out = [_edited(r) for r in rows]
        room = min(limit - len(out), self._new_left_today(user, utc(now)))
        if room > 0:
            rows = self.store.query(
                pick + f"WHERE {in_study_set('c')} {dom_sql} AND NOT EXISTS (SELECT 1 FROM "
                "study_state s WHERE s.\"user\" = ? AND s.card_id = c.id) ORDER BY c.ord, c.id "
                "LIMIT ?", (user, user, user, *dom_args, user, room))
            out.extend(_edited(r) for r in rows)
        return out

    # --- the inbox and the candidate's own cards ----------------------------------------

    def inbox(self, user: str, *, domain: int | None = None, section: str | None = None,
              limit: int = 50) -> list[Flashcard]:
        """Generated cards the user has neither accepted nor suspended, in corpus order."""
        user = check_user(user)
        kinds = ", ".join("?" for _ in (*CURATED_KINDS, "own"))
        where, args = "", list[object]()
        if domain is not None:
            where, args = where + " AND c.domain = ?", [*args, domain]
        if section is not None:
            where, args = where + " AND c.section = ?", [*args, section]
        rows = self.store.query(
            f"SELECT c.card_json FROM study_cards c WHERE c.active = 1 AND c.kind NOT IN "
            f"({kinds}) {where} AND NOT EXISTS (SELECT 1 FROM card_choices x WHERE x.\"user\" = ? "
            "AND x.card_id = c.id) ORDER BY c.ord, c.id LIMIT ?",
            (*CURATED_KINDS, "own", *args, user, limit))
        return [Flashcard.from_json(json.loads(r["card_json"])) for r in rows]

    def accept_card(self, user: str, card_id: str, *, front: str | None = None,
                    answer: str | None = None) -> None:
        """Take a card into the study set, optionally with an edited front and answer."""
        user = check_user(user)
        front, answer = _edit_text(front, "front"), _edit_text(answer, "answer")
        self._choose(user, card_id, "accepted", front, answer)

    def suspend_card(self, user: str, card_id: str) -> None:
        """Stop studying a card (its review history is kept; accept it again to resume)."""
        self._choose(check_user(user), card_id, "suspended", None, None)

    def _choose(self, user: str, card_id: str, status: str, front: str | None,
                answer: str | None) -> None:
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM study_cards WHERE id = ?", (card_id,)).fetchone() is None:
                raise StudyError(f"no flashcard with id {card_id!r}; list cards with "
                                 "'assistant flashcards --format json'")
            db.execute("INSERT INTO card_choices (\"user\", card_id, status, front, answer, updated) "
                       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(\"user\", card_id) DO UPDATE SET "
                       "status=excluded.status, front=COALESCE(excluded.front, card_choices.front), "
                       "answer=COALESCE(excluded.answer, card_choices.answer), "
                       "updated=excluded.updated",
                       (user, card_id, status, front, answer, time.time()))

    def add_own_card(self, user: str, front: str, answer: str, *, domain: int | None = None,
                     section: str | None = None) -> Flashcard:
        """A card the candidate wrote: stored at once, in their study set only."""
        user = check_user(user)
        text, back = _edit_text(front, "front"), _edit_text(answer, "answer")
        if text is None or back is None:
            raise StudyError("a card needs a front and an answer; write both")
        front, answer = text, back
        card = Flashcard(id=uuid.uuid4().hex[:16], kind="own", front=front,
                         answer=answer, quote="", chunk_id="", source="", title="",
                         heading="", section=section, domain=domain, generator="own")
        now = time.time()
        with self.store.transaction() as db:
            db.execute("INSERT INTO study_cards (id, domain, section, kind, chunk_id, card_json, "
                       "ord, active, updated) VALUES (?, ?, ?, 'own', '', ?, ?, 1, ?)",
                       (card.id, domain, section, json.dumps(card.to_json(), ensure_ascii=False),
                        _OWN_ORD, now))
            db.execute("INSERT INTO card_choices (\"user\", card_id, status, updated) VALUES "
                       "(?, ?, 'accepted', ?)", (user, card.id, now))
        return card

    def own_cards(self, user: str) -> list[Flashcard]:
        rows = self.store.query(
            "SELECT c.card_json FROM study_cards c JOIN card_choices x ON x.card_id = c.id "
            "AND x.\"user\" = ? WHERE c.kind = 'own' ORDER BY c.updated, c.id", (check_user(user),))
        return [Flashcard.from_json(json.loads(r["card_json"])) for r in rows]

    def _new_left_today(self, user: str, now: datetime) -> int:
        day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        rows = self.store.query("SELECT COUNT(*) AS n FROM study_state WHERE \"user\" = ? AND "
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
                             "study_state WHERE \"user\" = ? AND card_id = ?",
                             (user, card_id)).fetchone()
            before = Card.from_json(row["fsrs_json"]) if row else new_fsrs_card(card_id, when)
            after, log = review(self.scheduler, before, rating, when)
            reps = (row["reps"] if row else 0) + 1
            lapses = (row["lapses"] if row else 0) + int(
                row is not None and row["state"] == State.Review and rating == 1)
            first = row["first_review"] if row else when.timestamp()
            db.execute(
                "INSERT INTO study_state (\"user\", card_id, fsrs_json, state, due, reps, lapses, "
                "first_review, last_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(\"user\", card_id) DO UPDATE SET fsrs_json=excluded.fsrs_json, "
                "state=excluded.state, due=excluded.due, reps=excluded.reps, "
                "lapses=excluded.lapses, last_review=excluded.last_review",
                (user, card_id, after.to_json(), int(after.state), after.due.timestamp(), reps,
                 lapses, first, when.timestamp()))
            db.execute(
                "INSERT INTO study_reviews (\"user\", card_id, rating, state_before, state_after, "
                "reviewed, due_after, log_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (user, card_id, rating, row["state"] if row else None, int(after.state),
                 when.timestamp(), after.due.timestamp(), log.to_json()))
        return ReviewResult(card_id=card_id, user=user, rating=rating,
                            rating_name=RATING_NAMES[rating], reviewed_at=when, due=after.due,
                            state=state_name(after.state), stability=after.stability,
                            difficulty=after.difficulty, reps=reps, lapses=lapses)

    def fsrs_card(self, user: str, card_id: str) -> Card | None:
        """The scheduler state of one card for one user, as the fsrs package sees it."""
        rows = self.store.query("SELECT fsrs_json FROM study_state WHERE \"user\" = ? AND "
                                "card_id = ?", (check_user(user), card_id))
        return Card.from_json(rows[0]["fsrs_json"]) if rows else None

    def reviews(self, user: str, card_id: str | None = None) -> list[dict[str, object]]:
        sql = "SELECT card_id, rating, state_before, state_after, reviewed, due_after FROM " \
              "study_reviews WHERE \"user\" = ?"
        args: tuple[object, ...] = (check_user(user),)
        if card_id is not None:
            sql += " AND card_id = ?"
            args += (card_id,)
        return [dict(r) for r in self.store.query(sql + " ORDER BY id", args)]

    # --- quizzes -------------------------------------------------------------------------

    def record_quiz_answer(self, user: str, item: QuizItem,
                           chosen: int | Sequence[int]) -> bool:
        """Log one answered question; returns whether the choice was correct. A single-answer
        item takes one option index; a multiple-select item takes the chosen indexes and is
        correct only when they are exactly its keys."""
        user = check_user(user)
        picks = [chosen] if isinstance(chosen, int) else list(chosen)
        n = len(item.options)
        if not picks or any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n
                            for i in picks) or len(set(picks)) != len(picks):
            raise StudyError(f"answer must be one of options 1-{n} (index 0-{n - 1}); "
                             f"got {chosen!r}")
        if not item.multiple and len(picks) != 1:
            raise StudyError(f"question {item.id} has one answer; choose one option")
        correct = sorted(picks) == list(item.keys)
        with self.store.transaction() as db:
            cur = db.execute(
                "INSERT INTO quiz_answers (\"user\", item_id, domain, section, chosen, correct, "
                "item_json, answered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (user, item.id, item.domain, item.section, picks[0], int(correct),
                 json.dumps(item.to_json(), ensure_ascii=False), time.time()))
            if item.multiple:
                db.execute("INSERT INTO quiz_answer_choices (answer_id, chosen_json) VALUES "
                           "(?, ?)", (cur.lastrowid, json.dumps(sorted(picks))))
        return correct

    # --- progress ------------------------------------------------------------------------

    def progress(self, user: str, *, now: datetime | None = None) -> list[DomainProgress]:
        return compute_progress(self.store, check_user(user), utc(now))

    def study_next(self, user: str, *, now: datetime | None = None) -> Suggestion:
        user = check_user(user)
        return suggest(self.store, user, compute_progress(self.store, user, utc(now)))
