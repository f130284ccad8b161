"""The answer-composer interface. Composers turn (question, numbered passages) into text with
``[n]`` markers, where n is the passage's rank; retrieval, follow-up rewriting and abstention on
weak retrieval happen before them, in ``service.Assistant``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from assistant.records import Citation, Passage

__all__ = ["Draft", "Composer", "TermStats", "MARKER", "renumber_check"]

# A citation marker is "[n]" not glued to a word: "workerPoolSpecs[0]" in a passage is code.
MARKER = re.compile(r"(?<![\w`])\[(\d{1,3})\]")


@dataclass
class Draft:
    text: str
    citations: list[Citation]
    abstained: bool = False
    grounded: bool = True  # False: an LLM answer with no valid citation
    notes: list[str] = field(default_factory=list)
    # The answer's shape (extractive composer; the LLM path splits its text the same way):
    # the direct answer, then supporting points (the last may be a caveat). Each keeps its
    # citation markers; ``text`` is their concatenation.
    lead: str = ""
    points: list[str] = field(default_factory=list)


class TermStats(Protocol):
    """Document frequencies of stemmed terms over the indexed chunks (for idf weights)."""

    def idf(self, term: str) -> float: ...


@runtime_checkable
class Composer(Protocol):
    name: str

    def warm_up(self) -> None: ...

    def compose(self, question: str, passages: Sequence[Passage],
                stats: TermStats | None = None) -> Draft: ...

    def stream(self, question: str, passages: Sequence[Passage],
               stats: TermStats | None = None) -> Iterator[str | Draft]:
        """Yield text deltas as they are produced, then exactly one ``Draft`` last."""
        ...


def renumber_check(text: str, passages: Sequence[Passage]) -> tuple[str, list[int], list[str]]:
    """Keep markers that point to a passage; drop the others. Returns the cleaned text, the
    passage numbers cited (in order of first use) and notes on what was removed."""
    valid = {p.rank for p in passages}
    cited: list[int] = []
    removed: list[str] = []

    def fix(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n in valid:
            if n not in cited:
                cited.append(n)
            return m.group(0)
        removed.append(m.group(0))
        return ""

    cleaned = MARKER.sub(fix, text)
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", cleaned)
    cleaned = re.sub(r"[ \t]{2,}", " ", cleaned).strip()
    notes = [f"removed citation {m} (no such passage)" for m in dict.fromkeys(removed)]
    return cleaned, cited, notes
