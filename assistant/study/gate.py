"""The quality gate a generated flashcard passes before a candidate sees it.

Verification (verify.py) proves a card is *true*: its answer is in its quote and its quote in
the passage. This gate asks whether it is *worth studying*, on the failures a blind review of
generated cards found: fronts that point at text the card does not show ("What is every step?",
"... avoids this"), clozes whose blank the rest of the sentence gives away, two blanks in one
sentence, and "When do you choose X?" about something that is not a product or setting.
"""

from __future__ import annotations

import re
from typing import Protocol

from assistant.answer.text import STOPWORDS
from assistant.study.families import find_members

__all__ = ["BLANK", "GatedCard", "quality_problem"]

BLANK = "____"  # the gap of a cloze card's front


class GatedCard(Protocol):
    """What the gate reads of a card (``cards.Flashcard`` has it; cards.py imports this)."""

    @property
    def kind(self) -> str: ...
    @property
    def front(self) -> str: ...
    @property
    def answer(self) -> str: ...
    @property
    def generator(self) -> str: ...

# Words that lean on an antecedent outside the card when they open it (or its quoted sentence).
_DANGLING_OPEN = re.compile(
    r"^(?:trap: |scenario cue: |exam cue: )?(?:(?:this|that|these|those|it|its|they|them|then|"
    r"either|such|both|the other|the same|the latter|the former)\b|\w+ (?:this|these|those)\b)",
    re.I)
# A front that ends by pointing back ("... avoids this?", "... is one of them.").
_DANGLING_CLOSE = re.compile(r"\b(?:this|that|these|those|it|them)\W*$", re.I)
# Subjects of "What is X?" that are not terms: quantifiers and generic nouns.
_GENERIC_SUBJECT = re.compile(
    r"^(?:what (?:is|are) )(?:every|each|all|both|some|many|most|other|another|examples?|"
    r"options?|steps?|cases?|ones?|things?|parts?)\b", re.I)


def _significant(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9][a-z0-9-]+", text.lower())
            if w not in STOPWORDS and len(w) > 3}


def quality_problem(card: GatedCard) -> str | None:
    """Why a generated card is not worth a candidate's time, or None."""
    front = card.front.strip()
    if card.generator == "curated":
        return None  # written by hand and checked by tests/test_bank.py
    if _DANGLING_OPEN.match(front) or _DANGLING_CLOSE.search(front.rstrip("?.!\u201d\"")):
        return "the front points at text the card does not show"
    if _GENERIC_SUBJECT.match(front):
        return "the front asks about a quantifier or a generic noun, not a term"
    if card.kind in ("cloze", "limit"):
        if front.count(BLANK) != 1:
            return "a cloze has exactly one blank"
        rest = front.replace(BLANK, " ")
        if _significant(card.answer) & _significant(rest):
            return "the rest of the sentence gives the blank away"
    elif _significant(card.answer) and _significant(card.answer) <= _significant(front):
        return "the front already names the answer"
    if card.kind == "choose":
        subject = re.sub(r"^When do you choose |\?$", "", front).split(" over ")[0]
        if " over " not in front and not find_members(subject):
            return "'When do you choose X?' about something that is not a product or setting"
    return None
