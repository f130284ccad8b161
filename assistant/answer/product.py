"""Questions that ask for a product: "Which service should they use?", "What should the team
use?". Their answer names one (a Google Cloud service, a framework, an accelerator), so a
sentence that names none cannot lead them: "A loss that becomes NaN usually points to a
learning rate that is too high" for a team that wants to compare training runs, or "Redaction
removes the sensitive value entirely" for "Which service should they use?" (the answer is
Sensitive Data Protection). Such sentences share the scenario's words ("learning rate", "free
text"), which is why they rank high."""

from __future__ import annotations

import re

__all__ = ["asks_for_product", "names_product", "NO_PRODUCT_PENALTY"]

# Set at 0.2 (the size of the other lead penalties); at this value no dev-set answer changed and
# one bank stem's lead moved to the keyed product (README, eighteenth pass).
NO_PRODUCT_PENALTY = 0.2

_ASKS = re.compile(
    r"\b(?:which|what)\s+(?:(?:google cloud |managed |gcp )?(?:service|product|tool|platform|"
    r"offering)s?\s+)?(?:should|would|could|can|do(?:es)?)\s+(?:they|you|we|i|the \w+|it|"
    r"your \w+|their \w+|our \w+)\s+(?:use|choose|pick|adopt|recommend)\b"
    r"|\bwhich\s+(?:google cloud |managed )?(?:service|product|tool)s?\b", re.I)
# Capitalised words that are no product: a sentence's labels, NaN, ordinary sentence openers.
_NOT_NAMES = frozenset("""NaN Trap Exam Scenario Choose Use The A An If When For In On With
Both Each This That These Those It Its Their Your Our Once After Before Because Only Then
Do Don't Never Always Most Many Some Also Either Neither One Two Three""".split())
_NAME = re.compile(r"\b[A-Z][\w/.-]*\b")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")


def asks_for_product(question: str) -> bool:
    """The asking sentence wants a product ("Which service should they use?")."""
    return bool(_ASKS.search(question))


def names_product(text: str) -> bool:
    """Some capitalised name or acronym past the first word, outside quotes: "Vertex AI
    TensorBoard plots ...", "Choose Document AI when ...", "... on GPUs"."""
    body = _QUOTED.sub(" ", text)
    words = _NAME.findall(body)
    first = re.match(r"\s*([A-Z][\w/.-]*)", body)
    if first and words and words[0] == first.group(1) and not \
            (len(first.group(1)) > 1 and any(ch.isupper() for ch in first.group(1)[1:])):
        words = words[1:]  # "Redaction removes ...": a sentence's first word is capitalised anyway
    return any(w not in _NOT_NAMES for w in words)
