"""The readiness estimate of mock exams: a Rasch model over the answered items of recent
attempts, with the items' difficulty as their location; an expected score with an interval,
shown against a target the candidate sets (Google publishes no pass mark)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.study.quiz import QuizItem

__all__ = ["DIFFICULTY_LOGITS", "READINESS_METHOD", "RECENT_ATTEMPTS", "Readiness", "readiness",
           "difficulty_of"]

# --- readiness -------------------------------------------------------------------------------

# Bank difficulty levels on the logit scale of the model below: an easy item is one a candidate
# of average ability gets right about 73% of the time, medium 50%, hard 27%.
DIFFICULTY_LOGITS = {"easy": -1.0, "medium": 0.0, "hard": 1.0}
_PRIOR_SD = 1.5  # a weak prior: before any answer, ability is centred on "medium items 50%"
_Z90 = 1.645
RECENT_ATTEMPTS = 5  # attempts the estimate reads: the candidate's current level, not last month's

READINESS_METHOD = (
    "Method: each answered item of your last 5 submitted mock exams counts (blank ones do "
    "not). An item's chance "
    "of being right is modelled as 1 / (1 + e^-(ability - difficulty)), with difficulty -1, 0, "
    "+1 for easy, medium and hard bank items (a one-parameter logistic, or Rasch, model). Your "
    "ability is the most likely value given your answers (with a weak prior centred on 0); its "
    "90% interval is ability +/- 1.645 standard errors from the model's information. The "
    "expected score is the model's average chance over the bank's mix of difficulties, and "
    "the interval is the same calculation at the interval's ends. Google publishes no pass "
    "mark: compare the estimate with a target you choose.")


@dataclass(frozen=True)
class Readiness:
    expected: float  # expected share right on a full form
    low: float
    high: float
    ability: float
    answered: int  # items the estimate rests on
    attempts: int
    target: float | None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "Set a target score to compare the estimate with."
        t = f"{self.target:.0%}"
        if self.low >= self.target:
            return f"The whole interval is at or above your target of {t}."
        if self.high < self.target:
            return f"The whole interval is below your target of {t}."
        return f"Your target of {t} is inside the interval: not yet clearly above it."

    def to_json(self) -> dict[str, Any]:
        return {"expected": round(self.expected, 4), "low": round(self.low, 4),
                "high": round(self.high, 4), "ability": round(self.ability, 4),
                "answered": self.answered, "attempts": self.attempts, "target": self.target,
                "verdict": self.verdict, "method": READINESS_METHOD}


def _p(theta: float, b: float) -> float:
    return 1.0 / (1.0 + math.exp(-(theta - b)))


def difficulty_of(item: QuizItem) -> float:
    return DIFFICULTY_LOGITS.get(item.difficulty or "medium", 0.0)


def readiness(observations: Sequence[tuple[QuizItem, bool]], *, attempts: int,
              mix: Sequence[float] | None = None, target: float | None = None
              ) -> Readiness | None:
    """The estimate from (item, right) pairs; ``mix`` is the difficulty (logits) of the items
    a full form draws from (default: one of each level). None without any observation."""
    if not observations:
        return None
    bs = [(difficulty_of(it), ok) for it, ok in observations]
    theta = 0.0
    for _ in range(50):  # Newton's method on the log posterior (concave: converges fast)
        grad = sum(int(ok) - _p(theta, b) for b, ok in bs) - theta / _PRIOR_SD ** 2
        info = sum(_p(theta, b) * (1 - _p(theta, b)) for b, _ in bs) + 1 / _PRIOR_SD ** 2
        step = grad / info
        theta += max(-2.0, min(2.0, step))
        if abs(step) < 1e-8:
            break
    info = sum(_p(theta, b) * (1 - _p(theta, b)) for b, _ in bs) + 1 / _PRIOR_SD ** 2
    se = 1 / math.sqrt(info)
    levels = list(mix) if mix else list(DIFFICULTY_LOGITS.values())

    def expected(t: float) -> float:
        return sum(_p(t, b) for b in levels) / len(levels)

    return Readiness(expected=expected(theta), low=expected(theta - _Z90 * se),
                     high=expected(theta + _Z90 * se), ability=theta, answered=len(bs),
                     attempts=attempts, target=target)
