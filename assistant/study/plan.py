"""The exam-date plan: from today to the exam, what to learn, practise and review each day, so
that every subsection of the current guide is covered at least once and reviewed before the
date, heavy and weak subsections first. FSRS keeps scheduling the reviews; the plan only
reserves their time and fills the rest of each day's minutes.

How the plan is made (the app and ``assistant plan`` say the same):

- A subsection is *covered* once its core is done: up to ``CORE_CARDS`` of its flashcards
  introduced and ``CORE_PRACTICE`` practice questions answered (a subsection with neither gets
  a reading session of its study notes). It is *reviewed* when a day after that passes before
  the exam, which is when FSRS brings its new cards back. So cover work goes on days up to two
  days before the exam; the last day is for reviews and a mock exam.
- Order: subsections by exam weight (the domain's weight shared by its subsections) times
  weakness, weakness = 1 - (learned cards + correct answers + 1) / (cards + answers + 2). A first
  pass covers every subsection; a second pass learns the remaining cards and practises up to
  ``DEEP_PRACTICE`` questions per subsection, in the same order.
- Each day: first the reviews FSRS has due that day (known due dates, plus two reviews for each
  card the plan introduces, one and four days later), then plan tasks up to the minutes set,
  never more new cards than the review queue introduces per day.
- Minutes are estimates: ``NEW_CARD_MIN`` per new card, ``REVIEW_MIN`` per review,
  ``PRACTICE_MIN`` per question (the exam's pace), ``READ_MIN`` per reading session.

The plan is recomputed from the store each time it is shown, so done work drops out and
changing the date or the minutes re-plans at once; the settings are kept as a history, and no
review or answer is ever changed by planning.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from fsrs import Card, Scheduler, State

from assistant import syllabus
from assistant.store import Store
from assistant.study.srs import StudyError, check_user
from assistant.study.studyset import in_study_set

__all__ = ["PlanSettings", "Task", "Day", "DomainForecast", "Plan", "PlanStore",
           "check_plan_input", "parse_date", "build_plan", "forecast",
           "MIN_MINUTES", "MAX_MINUTES", "MAX_DAYS_AHEAD"]

NEW_CARD_MIN = 1.0
REVIEW_MIN = 0.5
PRACTICE_MIN = 2.0
READ_MIN = 15.0
CORE_CARDS = 6
CORE_PRACTICE = 3
DEEP_PRACTICE = 8
NEW_PER_DAY = 20  # StudyStore's default: the review queue introduces no more a day
MIN_MINUTES, MAX_MINUTES = 5, 480
MAX_DAYS_AHEAD = 730
_REVIEW_AFTER = (1, 4)  # days after introduction when a new card is likely to come back

_SCHEMA = """
CREATE TABLE IF NOT EXISTS study_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    "user" TEXT NOT NULL,
    exam_date TEXT NOT NULL,             -- ISO date
    minutes INTEGER NOT NULL,            -- per day
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS study_plans_by_user ON study_plans("user", id);
"""


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise StudyError(f"the exam date must be a date like 2027-03-15; got {text!r}") from None


def check_plan_input(exam_date: date, minutes: object, today: date) -> int:
    """The one-line messages of bad input; returns the minutes as an int."""
    if exam_date <= today:
        raise StudyError(f"the exam date {exam_date.isoformat()} is not after today "
                         f"({today.isoformat()}); pick a future date")
    if (exam_date - today).days > MAX_DAYS_AHEAD:
        raise StudyError(f"the exam date {exam_date.isoformat()} is more than two years away; "
                         "pick a date within two years")
    if isinstance(minutes, bool) or not isinstance(minutes, int) \
            or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise StudyError(f"minutes per day must be {MIN_MINUTES}-{MAX_MINUTES}; got {minutes!r}")
    return minutes


@dataclass(frozen=True)
class PlanSettings:
    exam_date: date
    minutes: int
    created: float

    def to_json(self) -> dict[str, Any]:
        return {"exam_date": self.exam_date.isoformat(), "minutes": self.minutes,
                "created": self.created}


@dataclass(frozen=True)
class Task:
    kind: str  # "learn" (new flashcards) | "practice" (bank questions) | "read" (study notes)
    section: str
    count: int
    minutes: float
    cover: bool  # part of the subsection's first coverage (else deepening)

    @property
    def text(self) -> str:
        name = _SUB_NAMES.get(self.section, "")
        if self.kind == "learn":
            what = f"Learn {self.count} new flashcard{'s' if self.count != 1 else ''}"
        elif self.kind == "practice":
            what = f"Answer {self.count} practice question{'s' if self.count != 1 else ''}"
        else:
            what = "Read the study notes"
        return f"{what} in {self.section} {name}".rstrip()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "section": self.section, "count": self.count,
                "minutes": round(self.minutes, 1), "cover": self.cover, "text": self.text}


@dataclass
class Day:
    day: date
    reviews: int  # FSRS reviews expected that day
    tasks: list[Task] = field(default_factory=list)

    @property
    def review_minutes(self) -> float:
        return self.reviews * REVIEW_MIN

    @property
    def minutes(self) -> float:
        return self.review_minutes + sum(t.minutes for t in self.tasks)

    def to_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "reviews": self.reviews,
                "review_minutes": round(self.review_minutes, 1),
                "minutes": round(self.minutes, 1), "tasks": [t.to_json() for t in self.tasks]}


@dataclass(frozen=True)
class DomainForecast:
    domain: int
    name: str
    weight: int
    cards_total: int
    cards_seen: int
    recall_seen: float | None  # mean FSRS retrievability on exam day of the cards studied
    recall_all: float  # the same over all the domain's cards (unstudied ones count 0)

    def to_json(self) -> dict[str, Any]:
        return {"domain": self.domain, "name": self.name, "weight": self.weight,
                "cards_total": self.cards_total, "cards_seen": self.cards_seen,
                "recall_seen": None if self.recall_seen is None else round(self.recall_seen, 4),
                "recall_all": round(self.recall_all, 4)}


@dataclass(frozen=True)
class Plan:
    settings: PlanSettings
    today: date
    days: tuple[Day, ...]
    order: tuple[str, ...]  # subsections, first to last
    covered_on: dict[str, date | None]  # the day a subsection's cover work ends (None: before)
    done: frozenset[str]  # covered before today
    uncovered: tuple[str, ...]  # subsections the plan cannot cover and review before the date
    unscheduled_minutes: float  # deepening work that does not fit before the date
    needed_minutes: int  # per day, to fit all planned work
    forecast: tuple[DomainForecast, ...]

    @property
    def on_track(self) -> bool:
        return not self.uncovered

    @property
    def today_plan(self) -> Day | None:
        return self.days[0] if self.days and self.days[0].day == self.today else None

    @property
    def status(self) -> str:
        days = (self.settings.exam_date - self.today).days
        if self.uncovered:
            return (f"Not on track: {len(self.uncovered)} subsection(s) "
                    f"({', '.join(self.uncovered)}) cannot be covered and reviewed in the "
                    f"{days} day(s) left at {self.settings.minutes} minutes a day; about "
                    f"{self.needed_minutes} minutes a day would fit all the planned work.")
        extra = "" if self.unscheduled_minutes <= 0 else (
            f" The deeper pass needs about {self.needed_minutes} minutes a day to finish; at "
            f"{self.settings.minutes} it stops "
            f"{self.unscheduled_minutes / 60:.1f} hours short.")
        return (f"On track: every subsection is covered and reviewed before "
                f"{self.settings.exam_date.isoformat()} ({days} day(s) left)." + extra)

    def to_json(self) -> dict[str, Any]:
        return {"settings": self.settings.to_json(), "today": self.today.isoformat(),
                "on_track": self.on_track, "status": self.status,
                "order": list(self.order), "done": sorted(self.done),
                "covered_on": {k: (v.isoformat() if v else None)
                               for k, v in self.covered_on.items()},
                "uncovered": list(self.uncovered), "needed_minutes": self.needed_minutes,
                "today_plan": self.today_plan.to_json() if self.today_plan else None,
                "days": [d.to_json() for d in self.days],
                "forecast": [f.to_json() for f in self.forecast]}


_SUB_NAMES = {sub.id: sub.name for s in syllabus.current_guide().sections
              for sub in s.subsections}


# --- the state the plan reads ------------------------------------------------------------------

@dataclass
class _Sub:
    id: str
    weight: float  # exam share of the subsection, percent
    cards: int = 0
    seen: int = 0
    learned: int = 0
    answered: int = 0
    correct: int = 0
    bank: int = 0

    @property
    def weakness(self) -> float:
        return 1.0 - (self.learned + self.correct + 1) / (self.cards + self.answered + 2)


def _subsections(store: Store, user: str, bank: Mapping[str, int]) -> dict[str, _Sub]:
    g = syllabus.current_guide()
    subs = {sub.id: _Sub(sub.id, s.weight / max(1, len(s.subsections)), bank=bank.get(sub.id, 0))
            for s in g.sections for sub in s.subsections}
    for r in store.query(
            "SELECT c.section, COUNT(*) AS n, "
            "SUM(CASE WHEN s.card_id IS NOT NULL THEN 1 ELSE 0 END) AS seen, "
            "SUM(CASE WHEN s.state = ? THEN 1 ELSE 0 END) AS learned FROM study_cards c "
            "LEFT JOIN study_state s "
            f"ON s.card_id = c.id AND s.\"user\" = ? WHERE {in_study_set('c')} GROUP BY c.section",
            (int(State.Review), user, user, user)):
        if r["section"] in subs:
            sub = subs[r["section"]]
            sub.cards, sub.seen, sub.learned = int(r["n"]), int(r["seen"] or 0), \
                int(r["learned"] or 0)
    for r in store.query("SELECT section, COUNT(DISTINCT item_id) AS n, SUM(correct) AS ok "
                         "FROM quiz_answers WHERE \"user\" = ? GROUP BY section", (user,)):
        if r["section"] in subs:
            subs[r["section"]].answered = int(r["n"])
            subs[r["section"]].correct = int(r["ok"] or 0)
    return subs


def _known_dues(store: Store, user: str, today: date, end: date) -> dict[date, int]:
    out: dict[date, int] = defaultdict(int)
    for r in store.query(f"SELECT s.due FROM study_state s JOIN study_cards c ON c.id = "
                         f"s.card_id WHERE s.\"user\" = ? AND {in_study_set('c')}",
                         (user, user, user)):
        d = datetime.fromtimestamp(r["due"], UTC).date()
        d = max(d, today)  # overdue cards are today's work
        if d < end:
            out[d] += 1
    return out


# --- the schedule ------------------------------------------------------------------------------

@dataclass
class _Work:
    kind: str
    section: str
    count: int
    per: float
    cover: bool


def _work(subs: dict[str, _Sub], order: list[str]) -> tuple[list[_Work], list[_Work], set[str]]:
    cover: list[_Work] = []
    deep: list[_Work] = []
    done: set[str] = set()
    for sid in order:
        s = subs[sid]
        new = s.cards - s.seen
        core_cards = max(0, min(CORE_CARDS, s.cards) - s.seen)
        core_practice = max(0, min(CORE_PRACTICE, s.bank) - s.answered)
        if s.cards == 0 and s.bank == 0:
            # Nothing to learn or answer yet: read the notes (once; a quiz answer there counts).
            if s.answered == 0:
                cover.append(_Work("read", sid, 1, READ_MIN, True))
            else:
                done.add(sid)
            continue
        if core_cards == 0 and core_practice == 0:
            done.add(sid)
        if core_cards:
            cover.append(_Work("learn", sid, core_cards, NEW_CARD_MIN, True))
        if core_practice:
            cover.append(_Work("practice", sid, core_practice, PRACTICE_MIN, True))
        rest_cards = new - core_cards
        rest_practice = max(0, min(DEEP_PRACTICE, s.bank) - max(s.answered, min(CORE_PRACTICE,
                                                                                 s.bank)))
        if rest_cards > 0:
            deep.append(_Work("learn", sid, rest_cards, NEW_CARD_MIN, False))
        if rest_practice > 0:
            deep.append(_Work("practice", sid, rest_practice, PRACTICE_MIN, False))
    return cover, deep, done


def build_plan(store: Store, user: str, settings: PlanSettings, *, bank: Mapping[str, int],
               today: date, scheduler: Scheduler | None = None,
               new_per_day: int = NEW_PER_DAY) -> Plan:
    """The plan from ``today`` to ``settings.exam_date`` (see the module docstring); ``bank``
    is the number of practice items per subsection."""
    user = check_user(user)
    end = settings.exam_date
    subs = _subsections(store, user, bank)
    order = sorted(subs, key=lambda k: (-subs[k].weight * subs[k].weakness, k))
    cover, deep, done = _work(subs, order)
    dues = _known_dues(store, user, today, end)
    n_days = (end - today).days
    days = [Day(today + timedelta(days=i), dues.get(today + timedelta(days=i), 0))
            for i in range(n_days)]
    last_cover = n_days - 2  # index of the last day whose work is reviewed before the exam
    covered_on: dict[str, date | None] = {sid: None for sid in done}
    pending_cover = {w.section for w in cover}
    new_today = [0] * n_days

    def fill(queue: list[_Work], limit: int) -> None:
        for i in range(min(limit + 1, n_days)):
            day = days[i]
            # In order, but a piece that does not fit (the new-card cap, a long reading
            # session) lets later pieces use the rest of the day.
            for w in queue:
                room = settings.minutes - day.minutes
                n = min(w.count, int(room // w.per + 1e-9))
                if w.kind == "learn":
                    n = min(n, new_per_day - new_today[i])
                if n <= 0:
                    continue
                day.tasks.append(Task(w.kind, w.section, n, n * w.per, w.cover))
                if w.kind == "learn":
                    new_today[i] += n
                    for after in _REVIEW_AFTER:  # the reviews these cards will bring
                        if i + after < n_days:
                            days[i + after].reviews += n
                w.count -= n
            queue[:] = [w for w in queue if w.count > 0]
            for sid in list(pending_cover):
                if not any(w.section == sid and w.cover for w in queue) and any(
                        t.section == sid for t in day.tasks):
                    covered_on[sid] = day.day
                    pending_cover.discard(sid)

    fill(cover, last_cover)
    fill(deep, n_days - 1)
    left = sum(w.count * w.per for w in deep) + sum(w.count * w.per for w in cover)
    total = sum(d.minutes for d in days) + left
    needed = int(-(-total // max(1, n_days))) if n_days else 0
    return Plan(settings=settings, today=today, days=tuple(days), order=tuple(order),
                covered_on=covered_on, done=frozenset(done),
                uncovered=tuple(s for s in order if s in pending_cover),
                unscheduled_minutes=sum(w.count * w.per for w in deep),
                needed_minutes=max(needed, 1), forecast=forecast(
                    store, user, end, scheduler=scheduler))


def forecast(store: Store, user: str, exam_date: date, *,
             scheduler: Scheduler | None = None) -> tuple[DomainForecast, ...]:
    """Recall per domain on the morning of the exam if no further review happened: FSRS
    retrievability from each studied card's stability (the plan's reviews can only raise it)."""
    user = check_user(user)
    sched = scheduler or Scheduler()
    when = datetime.combine(exam_date, dtime(8, 0), UTC)
    totals = {int(r["domain"]): int(r["n"]) for r in store.query(
        f"SELECT c.domain, COUNT(*) AS n FROM study_cards c WHERE {in_study_set('c')} "
        "AND c.domain IS NOT NULL GROUP BY c.domain", (user, user))}
    recall: dict[int, list[float]] = defaultdict(list)
    for r in store.query(f"SELECT c.domain, s.fsrs_json FROM study_state s JOIN study_cards c "
                         f"ON c.id = s.card_id WHERE s.\"user\" = ? AND {in_study_set('c')}",
                         (user, user, user)):
        if r["domain"] is None:
            continue
        card = Card.from_json(r["fsrs_json"])
        recall[int(r["domain"])].append(float(sched.get_card_retrievability(card, when)))
    out = []
    for s in syllabus.current_guide().sections:
        rs = recall.get(s.domain, [])
        total = max(totals.get(s.domain, 0), len(rs))
        out.append(DomainForecast(s.domain, s.name, s.weight, total, len(rs),
                                  sum(rs) / len(rs) if rs else None,
                                  sum(rs) / total if total else 0.0))
    return tuple(out)


# --- the settings in the store ---------------------------------------------------------------

class PlanStore:
    """Exam date and minutes per day, per profile; every change is a new row (the history)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.migrate([_SCHEMA], component="plan")

    def set(self, user: str, exam_date: date, minutes: object, *,
            today: date | None = None) -> PlanSettings:
        user = check_user(user)
        today = today or datetime.now(UTC).date()
        mins = check_plan_input(exam_date, minutes, today)
        now = time.time()
        with self.store.transaction() as db:
            db.execute("INSERT INTO study_plans (\"user\", exam_date, minutes, created) VALUES "
                       "(?, ?, ?, ?)", (user, exam_date.isoformat(), mins, now))
        return PlanSettings(exam_date, mins, now)

    def current(self, user: str) -> PlanSettings | None:
        rows = self.history(user)
        return rows[-1] if rows else None

    def history(self, user: str) -> list[PlanSettings]:
        return [PlanSettings(date.fromisoformat(r["exam_date"]), int(r["minutes"]),
                             float(r["created"]))
                for r in self.store.query("SELECT exam_date, minutes, created FROM study_plans "
                                          "WHERE \"user\" = ? ORDER BY id", (check_user(user),))]
