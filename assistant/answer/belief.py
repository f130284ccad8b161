"""Confirmation questions: "We dropped the gender column, so the model is fair now, right?".
The asker states a belief and wants it checked. When the material names that belief as a trap
('Trap: "remove the sensitive column and the model is fair"; proxy features ...'), the trap
sentence is the answer: it says the belief is wrong and why."""

from __future__ import annotations

import re
from collections.abc import Callable

import assistant.answer.shape as shape

__all__ = ["belief_match"]

_QUOTED = re.compile(r"[\"\u201c]([^\"\u201d]{6,160})[\"\u201d]")


def belief_match(text: str, role: str, question: str, qterms: set[str],
                 weights: dict[str, float], idf_of: Callable[[str], float] | None) -> float:
    """For a confirmation question, how far a trap sentence quotes the belief the question
    states (idf-weighted share of the quoted belief's terms, 0..1); 0 for anything else."""
    if role != "trap" or not shape.asks_for_confirmation(question):
        return 0.0
    quotes = [m.group(1) for m in _QUOTED.finditer(text)]
    if not quotes:
        return 0.0
    return max(shape.quote_match(q, qterms, weights, idf_of) for q in quotes)
