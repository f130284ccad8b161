"""The mock exam's form: items drawn from the bank by the exam weights, seeded and without
repeats, subsections taking turns within a domain, items already seen last; a shorter form (at
the same pace) when the bank is too small for a full one."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant import syllabus
from assistant.study.quiz import QuizItem, allocate
from assistant.study.srs import StudyError

__all__ = ["EXAM_MINUTES", "FORM_ITEMS", "MIN_ITEMS", "TOLERANCE", "Form", "draw_form",
           "shortfall"]

EXAM_MINUTES = 120
FORM_ITEMS = 60  # the real exam has 50-60 items in 120 minutes
MIN_ITEMS = 50
TOLERANCE = 2  # each domain within this many items of its share (the rule)


# --- the form --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Form:
    items: tuple[QuizItem, ...]
    seed: int
    planned: int  # the length asked for
    minutes: int
    shares: dict[int, int]  # domain -> items its weight asks for
    drawn: dict[int, int]  # domain -> items drawn
    repeats: int  # items the candidate had seen before (the bank ran out of unseen ones)

    @property
    def short(self) -> bool:
        return len(self.items) < self.planned

    def shortfall(self) -> str:
        """One sentence for the page and the CLI when the bank could not fill the form."""
        return shortfall(self.items, self.planned, self.minutes)

    def to_json(self) -> dict[str, Any]:
        return {"minutes": self.minutes, "seed": self.seed, "planned": self.planned,
                "short": self.short, "items": [it.to_json() for it in self.items]}


def shortfall(items: Sequence[QuizItem], planned: int, minutes: int) -> str:
    """"" when the form is full; else one sentence naming the domains the bank was short in."""
    if len(items) >= planned:
        return ""
    shares = allocate(planned, _weights())
    drawn: dict[int, int] = defaultdict(int)
    for it in items:
        drawn[int(it.domain or 0)] += 1
    gaps = [f"domain {d} has {drawn[d]} of {n}" for d, n in sorted(shares.items())
            if drawn[d] < n]
    return (f"The practice bank is too small for a full form: this one has {len(items)} of "
            f"{planned} items and {minutes} minutes (the same pace); {', '.join(gaps)}.")


def _weights() -> dict[int, float]:
    return {s.domain: float(s.weight) for s in syllabus.current_guide().sections}


def _spread(items: list[QuizItem], rng: random.Random) -> list[QuizItem]:
    """Shuffle, then deal round-robin over subsections, so a domain's share covers its
    subsections before it takes a second item from any of them."""
    by_section: dict[str, list[QuizItem]] = defaultdict(list)
    for it in items:
        by_section[it.section or ""].append(it)
    groups = [by_section[k] for k in sorted(by_section)]
    for g in groups:
        rng.shuffle(g)
    rng.shuffle(groups)
    out: list[QuizItem] = []
    while any(groups):
        for g in groups:
            if g:
                out.append(g.pop())
    return out


def draw_form(pool: Sequence[QuizItem], *, seed: int, size: int = FORM_ITEMS,
              seen: Iterable[str] = (), minutes: int = EXAM_MINUTES) -> Form:
    """A mock-exam form of ``size`` items (50-60) from ``pool`` (see the module docstring)."""
    if not MIN_ITEMS <= size <= FORM_ITEMS:
        raise StudyError(f"a mock exam has {MIN_ITEMS}-{FORM_ITEMS} items; got {size}")
    rng = random.Random(seed)
    seen_ids = set(seen)
    weights = _weights()
    shares = allocate(size, weights)
    unique: dict[str, QuizItem] = {}
    for it in pool:  # an id once: no item repeats within a form
        if it.domain in weights:
            unique.setdefault(it.id, it)
    by_domain: dict[int, list[QuizItem]] = defaultdict(list)
    for it in sorted(unique.values(), key=lambda i: i.id):  # pool order must not matter
        by_domain[int(it.domain or 0)].append(it)
    picked: list[QuizItem] = []
    drawn: dict[int, int] = {}
    repeats = 0
    for d, n in shares.items():
        fresh = [it for it in by_domain[d] if it.id not in seen_ids]
        old = [it for it in by_domain[d] if it.id in seen_ids]
        take = (_spread(fresh, rng) + _spread(old, rng))[:n]
        repeats += sum(1 for it in take if it.id in seen_ids)
        drawn[d] = len(take)
        picked.extend(take)
    rng.shuffle(picked)
    mins = minutes if len(picked) >= size else max(1, math.ceil(minutes * len(picked) / size))
    return Form(items=tuple(picked), seed=seed, planned=size, minutes=mins, shares=shares,
                drawn=drawn, repeats=repeats)
