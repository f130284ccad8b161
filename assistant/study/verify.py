"""The verification step every card passes before it is kept, whoever wrote it.

A card is kept only when its quote is a verbatim slice of the chunk it names and its answer is
a verbatim slice of that quote. LLM drafts are first *located*: a quote or answer that differs
from the passage only in whitespace or letter case is replaced by the passage's own text, so
what is stored is always the passage's wording, never the model's.
"""

from __future__ import annotations

import re

from assistant.records import Chunk

__all__ = ["locate", "card_problem"]

_WORDISH = re.compile(r"[A-Za-z0-9]")


def locate(needle: str, haystack: str) -> str | None:
    """The verbatim slice of ``haystack`` that equals ``needle`` up to whitespace and case,
    or None. Used to anchor model output in the passage."""
    needle = needle.strip().strip('"').strip()
    if not needle:
        return None
    if needle in haystack:
        return needle
    parts = [re.escape(p) for p in needle.split()]
    if not parts:
        return None
    m = re.search(r"\s+".join(parts), haystack, re.I)
    return m.group(0) if m else None


def card_problem(front: str, answer: str, quote: str, chunk: Chunk) -> str | None:
    """Why a card must be dropped, or None when it is verified."""
    if not quote or quote not in chunk.text:
        return "quote is not in the chunk"
    if not answer or answer not in quote:
        return "answer is not in the quote"
    if not _WORDISH.search(answer):
        return "answer has no words"
    if len(front.strip()) < 10:
        return "front too short"
    if answer.strip().lower() in front.lower():
        return "front gives the answer away"
    return None
