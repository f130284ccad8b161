"""Where practice questions and flashcards come from: the curated bank and deck first.

The bank and deck are written by this project for the shipped corpus; the generators build
items and cards from any indexed passage, so they are what covers a user's own documents.
``source="bank"`` (the default) serves curated items only, ``"generated"`` today's generator,
``"all"`` both, curated first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from assistant.study.cards import Flashcard, generate_cards
from assistant.study.curated import bank_items, deck_cards
from assistant.study.quiz import QuizItem, draw_from, quiz_pool

if TYPE_CHECKING:
    from assistant.index import Snapshot

__all__ = ["QuizSource", "QUIZ_SOURCES", "CARD_SOURCES", "practice_pool", "draw_practice",
           "study_cards"]

QuizSource = Literal["bank", "generated", "all"]
QUIZ_SOURCES: tuple[str, ...] = ("bank", "generated", "all")
CARD_SOURCES: tuple[str, ...] = ("deck", "generated", "all")


def practice_pool(snapshot: Snapshot, source: str = "bank",
                  practice_dir: Path | None = None) -> list[QuizItem]:
    if source not in QUIZ_SOURCES:
        raise ValueError(f"unknown quiz source {source!r}; use one of {', '.join(QUIZ_SOURCES)}")
    bank = bank_items(snapshot, practice_dir) if source in ("bank", "all") else []
    generated = quiz_pool(snapshot) if source in ("generated", "all") else []
    return [*bank, *generated]


def draw_practice(snapshot: Snapshot, *, source: str = "bank", domain: int | None = None,
                  section: str | None = None, count: int = 10, seed: int | None = None,
                  weighted: bool = False, practice_dir: Path | None = None) -> list[QuizItem]:
    """``count`` items of the chosen source; see ``quiz.draw_from`` for the draw."""
    return draw_from(practice_pool(snapshot, source, practice_dir), domain=domain,
                     section=section, count=count, seed=seed, weighted=weighted)


def study_cards(snapshot: Snapshot, *, domain: int | None = None, section: str | None = None,
                practice_dir: Path | None = None, source: str = "all") -> list[Flashcard]:
    """The cards a candidate studies: the curated deck first, then generated cards of the
    passages, minus generated cards that repeat a curated one (same quote or same front).
    ``source`` "deck" or "generated" keeps one of the two."""
    if source not in CARD_SOURCES:
        raise ValueError(f"unknown card source {source!r}; use one of {', '.join(CARD_SOURCES)}")
    deck = [c for c in deck_cards(snapshot, practice_dir)
            if (domain is None or c.domain == domain) and (section is None or c.section == section)]
    if source == "deck":
        return deck
    taken_quotes = {c.quote.lower() for c in deck}
    taken_fronts = {c.front.lower() for c in deck}
    generated = [c for c in generate_cards(snapshot, domain=domain, section=section)
                 if c.quote.lower() not in taken_quotes and c.front.lower() not in taken_fronts]
    return generated if source == "generated" else [*deck, *generated]

