"""Mock exams: a timed form drawn from the curated bank by the exam weights, answered and marked
item by item into the store, scored per domain, and a readiness estimate over the attempts.

The form. ``draw_form`` splits the form's length over the domains by the current guide's
weights (largest remainder, so every domain is within one item of its share, inside the
issue's +/-2) and draws each domain's share from the bank: items the candidate has not seen
first (in earlier mock exams or quizzes), spread round-robin over the domain's subsections,
seeded so that the same seed, bank and history give the same form. A domain with fewer items
than its share gives what it has and the form is shorter (``Form.short``), never re-weighted
with another domain's items; the time shrinks with it, keeping the exam's pace.

The attempt. Its items, seed and deadline live in the store (``exam_attempts``); each answer
and each mark is one transaction (``exam_responses``) written when it is given, so a reload, a
second tab, a browser or app restart, or a kill -9 sees exactly what was acknowledged. Any read
of an attempt past its deadline submits it (``auto``), so time runs out even while no page is
open. On submit the answered items also go to the quiz log, where progress and the plan read
weakness from.

Readiness. See ``readiness``: a one-parameter logistic (Rasch) model over the answered items
of the last attempts, with a fixed difficulty per bank level; the estimate and its interval are
the expected score on a full form, shown against the candidate's own target. Google publishes no
pass mark, and nothing here invents one.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant import syllabus
from assistant.store import Store
from assistant.study.exam_form import (
    EXAM_MINUTES,
    FORM_ITEMS,
    MIN_ITEMS,
    Form,
    draw_form,
    shortfall,
)
from assistant.study.quiz import QuizItem
from assistant.study.readiness import (
    DIFFICULTY_LOGITS,
    READINESS_METHOD,
    RECENT_ATTEMPTS,
    Readiness,
    difficulty_of,
    readiness,
)
from assistant.study.srs import StudyError, check_user
from assistant.study.storage import StudyStore

__all__ = ["EXAM_MINUTES", "FORM_ITEMS", "MIN_ITEMS", "Form", "Attempt", "DomainScore",
           "Report", "Readiness", "ExamStore", "draw_form", "score", "readiness",
           "DIFFICULTY_LOGITS", "READINESS_METHOD"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS exam_attempts (
    id TEXT PRIMARY KEY,
    "user" TEXT NOT NULL,
    seed INTEGER NOT NULL,
    guide TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    planned INTEGER NOT NULL,           -- the form length asked for (a short bank gives fewer)
    items_json TEXT NOT NULL,           -- the drawn QuizItems, in form order
    started REAL NOT NULL,
    deadline REAL NOT NULL,
    submitted REAL,                     -- NULL while in progress
    auto INTEGER NOT NULL DEFAULT 0     -- 1: submitted because time ran out
);
CREATE INDEX IF NOT EXISTS exam_attempts_by_user ON exam_attempts("user", started);
CREATE TABLE IF NOT EXISTS exam_responses (
    attempt_id TEXT NOT NULL REFERENCES exam_attempts(id),
    pos INTEGER NOT NULL,               -- 0-based position in the form
    chosen_json TEXT,                   -- sorted option indexes; NULL or [] = blank
    marked INTEGER NOT NULL DEFAULT 0,  -- marked for review
    updated REAL NOT NULL,
    PRIMARY KEY (attempt_id, pos)
);
CREATE TABLE IF NOT EXISTS exam_targets (
    "user" TEXT PRIMARY KEY,
    target REAL NOT NULL,               -- the candidate's own goal, a share 0-1
    updated REAL NOT NULL
);
"""


# --- scoring ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DomainScore:
    domain: int
    name: str
    weight: int
    items: int
    correct: int
    answered: int

    @property
    def score(self) -> float | None:
        return self.correct / self.items if self.items else None

    def to_json(self) -> dict[str, Any]:
        return {"domain": self.domain, "name": self.name, "weight": self.weight,
                "items": self.items, "correct": self.correct, "answered": self.answered,
                "score": None if self.score is None else round(self.score, 4)}


@dataclass(frozen=True)
class Report:
    correct: int
    items: int
    answered: int
    weighted: float  # per-domain scores combined by the exam weights of the domains present
    domains: tuple[DomainScore, ...]
    results: tuple[bool, ...]  # per position: right (exactly the keys) or not

    @property
    def score(self) -> float:
        return self.correct / self.items if self.items else 0.0

    def missed(self) -> list[int]:
        return [i for i, ok in enumerate(self.results) if not ok]

    def to_json(self) -> dict[str, Any]:
        return {"correct": self.correct, "items": self.items, "answered": self.answered,
                "score": round(self.score, 4), "weighted": round(self.weighted, 4),
                "domains": [d.to_json() for d in self.domains]}


def is_right(item: QuizItem, chosen: Sequence[int] | None) -> bool:
    """All or nothing, as on the exam: a multiple-select item needs exactly its keys."""
    return bool(chosen) and sorted(chosen or ()) == list(item.keys)


def score(items: Sequence[QuizItem], answers: Sequence[Sequence[int] | None]) -> Report:
    g = syllabus.current_guide()
    results = tuple(is_right(it, a) for it, a in zip(items, answers))
    per: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for it, a, ok in zip(items, answers, results):
        row = per[int(it.domain or 0)]
        row[0] += 1
        row[1] += int(ok)
        row[2] += int(bool(a))
    domains = []
    for sec in g.sections:
        n, right, ans = per.get(sec.domain, [0, 0, 0])
        domains.append(DomainScore(sec.domain, sec.name, sec.weight, n, right, ans))
    present = [d for d in domains if d.items]
    wsum = sum(d.weight for d in present)
    weighted = sum(d.weight * (d.score or 0.0) for d in present) / wsum if wsum else 0.0
    return Report(correct=sum(results), items=len(items),
                  answered=sum(1 for a in answers if a), weighted=weighted,
                  domains=tuple(domains), results=results)


# --- attempts in the store -------------------------------------------------------------------

@dataclass(frozen=True)
class Attempt:
    id: str
    user: str
    seed: int
    minutes: int
    planned: int
    items: tuple[QuizItem, ...]
    started: float
    deadline: float
    submitted: float | None
    auto: bool
    answers: tuple[tuple[int, ...], ...]  # per position; () = blank
    marked: tuple[bool, ...]
    shortfall: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.submitted is not None

    def remaining(self, now: float | None = None) -> float:
        """Seconds left (0 once submitted or past the deadline)."""
        if self.done:
            return 0.0
        return max(0.0, self.deadline - (time.time() if now is None else now))

    def status(self, pos: int) -> str:
        """For the navigation grid: "marked" wins over "answered", then "blank"."""
        if self.marked[pos]:
            return "marked"
        return "answered" if self.answers[pos] else "blank"

    def report(self) -> Report:
        return score(self.items, [a or None for a in self.answers])

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "user": self.user, "seed": self.seed, "minutes": self.minutes,
                "planned": self.planned, "started": self.started, "deadline": self.deadline,
                "submitted": self.submitted, "auto": self.auto,
                "answers": [list(a) for a in self.answers], "marked": list(self.marked),
                "items": [it.to_json() for it in self.items]}


class ExamStore:
    """Mock-exam attempts of every profile, in the project's SQLite store."""

    def __init__(self, store: Store, study: StudyStore | None = None) -> None:
        self.store = store
        self.study = study or StudyStore(store)  # its quiz tables receive submitted answers
        store.migrate([_SCHEMA], component="exam")

    # --- history the form avoids ---------------------------------------------------------

    def seen_items(self, user: str) -> set[str]:
        """Items this profile has met: in any earlier mock exam, or answered in a quiz."""
        user = check_user(user)
        seen = {r["item_id"] for r in self.store.query(
            "SELECT DISTINCT item_id FROM quiz_answers WHERE \"user\" = ?", (user,))}
        for r in self.store.query("SELECT items_json FROM exam_attempts WHERE \"user\" = ?", (user,)):
            seen.update(d["id"] for d in json.loads(r["items_json"]))
        return seen

    # --- the attempt's life --------------------------------------------------------------

    def start(self, user: str, pool: Sequence[QuizItem], *, seed: int | None = None,
              size: int = FORM_ITEMS, now: float | None = None) -> Attempt:
        """Draw a form and open an attempt; an attempt already in progress is returned
        instead (one at a time per profile, so two tabs never start two)."""
        user = check_user(user)
        current = self.current(user, now=now)
        if current is not None:
            return current
        seed = random.SystemRandom().randrange(1 << 31) if seed is None else seed
        form = draw_form(pool, seed=seed, size=size, seen=self.seen_items(user))
        if not form.items:
            raise StudyError("the practice bank has no items for a mock exam; check "
                             "corpus/practice/questions and build the index with "
                             "'assistant ingest'")
        t0 = time.time() if now is None else now
        aid = uuid.uuid4().hex[:16]
        with self.store.transaction() as db:
            # Checked again under the write lock: two tabs pressing Start at once get one attempt.
            row = db.execute("SELECT id FROM exam_attempts WHERE \"user\" = ? AND submitted IS NULL "
                             "AND deadline > ? ORDER BY started DESC LIMIT 1",
                             (user, t0)).fetchone()
            if row is not None:
                aid = row["id"]
            else:
                db.execute(
                    "INSERT INTO exam_attempts (id, \"user\", seed, guide, minutes, planned, "
                    "items_json, started, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (aid, user, seed, syllabus.CURRENT_VERSION, form.minutes, form.planned,
                     json.dumps([it.to_json() for it in form.items], ensure_ascii=False), t0,
                     t0 + form.minutes * 60))
        got = self.get(aid, now=now)
        assert got is not None
        return got

    def _row(self, attempt_id: str) -> Any:
        rows = self.store.query("SELECT * FROM exam_attempts WHERE id = ?", (attempt_id,))
        return rows[0] if rows else None

    def get(self, attempt_id: str, *, now: float | None = None) -> Attempt | None:
        """The attempt as stored; past its deadline and still open, it is submitted first."""
        row = self._row(attempt_id)
        if row is None:
            return None
        t = time.time() if now is None else now
        if row["submitted"] is None and t >= row["deadline"]:
            self._submit(attempt_id, auto=True, when=row["deadline"])
            row = self._row(attempt_id)
        items = tuple(QuizItem.from_json(d) for d in json.loads(row["items_json"]))
        answers: list[tuple[int, ...]] = [() for _ in items]
        marked = [False for _ in items]
        for r in self.store.query("SELECT pos, chosen_json, marked FROM exam_responses WHERE "
                                  "attempt_id = ?", (attempt_id,)):
            if 0 <= r["pos"] < len(items):
                answers[r["pos"]] = tuple(json.loads(r["chosen_json"] or "[]"))
                marked[r["pos"]] = bool(r["marked"])
        planned = int(row["planned"])
        short = shortfall(items, planned, int(row["minutes"]))
        return Attempt(id=row["id"], user=row["user"], seed=int(row["seed"]),
                       minutes=int(row["minutes"]), planned=planned, items=items,
                       started=float(row["started"]), deadline=float(row["deadline"]),
                       submitted=row["submitted"], auto=bool(row["auto"]),
                       answers=tuple(answers), marked=tuple(marked), shortfall=short)

    def current(self, user: str, *, now: float | None = None) -> Attempt | None:
        """The profile's attempt in progress, if any (expired ones are submitted on the way)."""
        user = check_user(user)
        for r in self.store.query("SELECT id FROM exam_attempts WHERE \"user\" = ? AND submitted IS "
                                  "NULL ORDER BY started DESC", (user,)):
            a = self.get(r["id"], now=now)
            if a is not None and not a.done:
                return a
        return None

    def _open(self, db: Any, attempt_id: str, pos: int, now: float) -> Any:
        row = db.execute("SELECT items_json, deadline, submitted FROM exam_attempts WHERE "
                         "id = ?", (attempt_id,)).fetchone()
        if row is None:
            raise StudyError(f"no mock exam attempt {attempt_id!r}; start one with "
                             "'assistant exam' or on the Exam page")
        if row["submitted"] is not None:
            raise StudyError("this mock exam is already submitted; start a new one to answer "
                             "again")
        if now >= row["deadline"]:
            raise _Expired()
        n = len(json.loads(row["items_json"]))
        if not 0 <= pos < n:
            raise StudyError(f"question {pos + 1} is not in this exam (it has {n} items)")
        return json.loads(row["items_json"])[pos]

    def answer(self, attempt_id: str, pos: int, chosen: Sequence[int], *,
               now: float | None = None) -> None:
        """Store the choice for one item (empty = clear it). Written at once; past the
        deadline the attempt is submitted instead and StudyError says so."""
        t = time.time() if now is None else now
        picks = sorted(set(chosen))
        try:
            with self.store.transaction() as db:
                item = QuizItem.from_json(self._open(db, attempt_id, pos, t))
                n = len(item.options)
                if any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n
                       for i in picks):
                    raise StudyError(f"answer must be among options 1-{n}; got {list(chosen)!r}")
                if not item.multiple and len(picks) > 1:
                    raise StudyError(f"question {pos + 1} has one answer; choose one option")
                db.execute("INSERT INTO exam_responses (attempt_id, pos, chosen_json, marked, "
                           "updated) VALUES (?, ?, ?, 0, ?) ON CONFLICT(attempt_id, pos) DO "
                           "UPDATE SET chosen_json = excluded.chosen_json, "
                           "updated = excluded.updated", (attempt_id, pos, json.dumps(picks), t))
        except _Expired:
            self.get(attempt_id, now=t)
            raise StudyError("time is up: the exam was submitted automatically at its "
                             "deadline; see the report") from None

    def mark(self, attempt_id: str, pos: int, marked: bool = True, *,
             now: float | None = None) -> None:
        """Mark (or unmark) one item for review. Written at once, like answers."""
        t = time.time() if now is None else now
        try:
            with self.store.transaction() as db:
                self._open(db, attempt_id, pos, t)
                db.execute("INSERT INTO exam_responses (attempt_id, pos, chosen_json, marked, "
                           "updated) VALUES (?, ?, NULL, ?, ?) ON CONFLICT(attempt_id, pos) DO "
                           "UPDATE SET marked = excluded.marked, updated = excluded.updated",
                           (attempt_id, pos, int(marked), t))
        except _Expired:
            self.get(attempt_id, now=t)
            raise StudyError("time is up: the exam was submitted automatically at its "
                             "deadline; see the report") from None

    def submit(self, attempt_id: str, *, now: float | None = None) -> Attempt:
        """Hand the attempt in (idempotent: a second tab submitting changes nothing)."""
        t = time.time() if now is None else now
        row = self._row(attempt_id)
        if row is None:
            raise StudyError(f"no mock exam attempt {attempt_id!r}")
        if row["submitted"] is None:
            late = t >= row["deadline"]
            self._submit(attempt_id, auto=late, when=min(t, row["deadline"]))
        got = self.get(attempt_id, now=t)
        assert got is not None
        return got

    def _submit(self, attempt_id: str, *, auto: bool, when: float) -> None:
        with self.store.transaction() as db:
            row = db.execute("SELECT \"user\", items_json, submitted FROM exam_attempts WHERE "
                             "id = ?", (attempt_id,)).fetchone()
            if row is None or row["submitted"] is not None:
                return  # another tab or process got there first
            db.execute("UPDATE exam_attempts SET submitted = ?, auto = ? WHERE id = ?",
                       (when, int(auto), attempt_id))
            items = json.loads(row["items_json"])
            chosen = {r["pos"]: json.loads(r["chosen_json"] or "[]") for r in db.execute(
                "SELECT pos, chosen_json FROM exam_responses WHERE attempt_id = ?",
                (attempt_id,))}
            # Answered items join the quiz log (the same rows a quiz writes): progress, "study
            # next" and the plan read weakness from there.
            for pos, d in enumerate(items):
                picks = chosen.get(pos) or []
                if not picks:
                    continue
                item = QuizItem.from_json(d)
                cur = db.execute(
                    "INSERT INTO quiz_answers (\"user\", item_id, domain, section, chosen, correct, "
                    "item_json, answered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (row["user"], item.id, item.domain, item.section, picks[0],
                     int(is_right(item, picks)), json.dumps(d, ensure_ascii=False), when))
                if item.multiple:
                    db.execute("INSERT INTO quiz_answer_choices (answer_id, chosen_json) VALUES "
                               "(?, ?)", (cur.lastrowid, json.dumps(sorted(picks))))

    # --- history and readiness -----------------------------------------------------------

    def history(self, user: str, *, now: float | None = None) -> list[Attempt]:
        """Submitted attempts, oldest first (an expired open one is submitted on the way)."""
        user = check_user(user)
        self.current(user, now=now)
        out = []
        for r in self.store.query("SELECT id FROM exam_attempts WHERE \"user\" = ? AND submitted IS "
                                  "NOT NULL ORDER BY submitted, started", (user,)):
            a = self.get(r["id"], now=now)
            if a is not None:
                out.append(a)
        return out

    def set_target(self, user: str, target: float) -> None:
        if isinstance(target, bool) or not isinstance(target, (int, float)) \
                or not 0.0 < target <= 1.0:
            raise StudyError(f"the target score must be between 1% and 100%; got {target!r}")
        with self.store.transaction() as db:
            db.execute("INSERT INTO exam_targets (\"user\", target, updated) VALUES (?, ?, ?) "
                       "ON CONFLICT(\"user\") DO UPDATE SET target = excluded.target, "
                       "updated = excluded.updated", (check_user(user), float(target),
                                                      time.time()))

    def target(self, user: str) -> float | None:
        rows = self.store.query("SELECT target FROM exam_targets WHERE \"user\" = ?",
                                (check_user(user),))
        return float(rows[0]["target"]) if rows else None

    def readiness(self, user: str, pool: Sequence[QuizItem] = (), *,
                  now: float | None = None) -> Readiness | None:
        """The estimate over the last attempts (see ``READINESS_METHOD``); ``pool`` (the bank)
        gives the difficulty mix of a full form."""
        done = self.history(user, now=now)[-RECENT_ATTEMPTS:]
        # Blank items are left out: time ran out or the attempt was abandoned, which says
        # little about what the candidate knows (the report still counts them wrong).
        obs = [(it, ok) for a in done
               for it, ok, ans in zip(a.items, a.report().results, a.answers) if ans]
        mix = [difficulty_of(it) for it in pool] or None
        return readiness(obs, attempts=len(done), mix=mix, target=self.target(user))


class _Expired(Exception):
    """Raised inside a transaction when an answer arrives after the deadline."""
