"""Spaced repetition: the fsrs package does the scheduling; this module only maps our card ids,
ratings and timestamps onto it, so the state we store is exactly the package's own."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fsrs import Card, Rating, ReviewLog, Scheduler, State

from assistant.errors import AssistantError

__all__ = ["StudyError", "ReviewResult", "RATING_NAMES", "new_fsrs_card", "review",
           "check_rating", "check_user", "state_name", "utc"]

RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


class StudyError(AssistantError):
    """Bad input to the study tools (unknown card, rating out of range, empty profile name)."""


@dataclass(frozen=True)
class ReviewResult:
    card_id: str
    user: str
    rating: int
    rating_name: str
    reviewed_at: datetime
    due: datetime
    state: str  # Learning | Review | Relearning (fsrs.State names)
    stability: float | None
    difficulty: float | None
    reps: int  # reviews of this card by this user, this one included
    lapses: int  # times the card was forgotten (Again) after it had graduated

    @property
    def interval_days(self) -> float:
        return (self.due - self.reviewed_at).total_seconds() / 86400.0

    def to_json(self) -> dict[str, Any]:
        return {"card_id": self.card_id, "user": self.user, "rating": self.rating,
                "rating_name": self.rating_name, "reviewed_at": self.reviewed_at.isoformat(),
                "due": self.due.isoformat(), "interval_days": round(self.interval_days, 4),
                "state": self.state, "stability": self.stability,
                "difficulty": self.difficulty, "reps": self.reps, "lapses": self.lapses}


def utc(now: datetime | None = None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    # fsrs refuses naive datetimes; treat a naive one as UTC rather than fail a review.
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def check_rating(rating: object) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATING_NAMES:
        raise StudyError("rating must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy); "
                         f"got {rating!r}")
    return rating


def check_user(user: object) -> str:
    if not isinstance(user, str) or not user.strip() or len(user) > 100:
        raise StudyError("the study profile name must be 1-100 characters; pass --user NAME "
                         "(or pick a profile in the app)")
    return user.strip()


def new_fsrs_card(card_id: str, now: datetime) -> Card:
    # fsrs wants an integer id; derive it from ours so the same card always maps to the same one.
    # Generated ids are hex hashes (kept as they were); curated ids ("c4.1-07") are hashed.
    head = card_id[:12]
    if not all(ch in "0123456789abcdef" for ch in head):
        head = hashlib.sha1(card_id.encode()).hexdigest()[:12]
    return Card(card_id=int(head, 16), due=now)


def review(scheduler: Scheduler, card: Card, rating: int,
           now: datetime) -> tuple[Card, ReviewLog]:
    return scheduler.review_card(card, Rating(rating), review_datetime=now)


def state_name(state: State | int) -> str:
    return State(int(state)).name
