"""Sentences that frame what follows instead of saying it.

"Google's MLOps architecture guide lists the events that can trigger a retraining pipeline."
restates the question almost word for word, so it scores as the best answer to "What events
can trigger retraining?", and it answers nothing: the events are in the next sentence ("The
five triggers are: on demand ...; on a schedule ..."). Such a sentence takes a penalty
(``FRAMING``), and when the sentence it announces follows it in the same passage, that
sentence takes its place (``follow_announcements``).
"""

from __future__ import annotations

import re

from assistant.answer.candidates import Candidate

__all__ = ["FRAMING", "FRAMING_PENALTY", "announces", "follow_announcements"]

FRAMING_PENALTY = 0.15
FRAMING = re.compile(r"\b(lists?|describes?|documents?|offers?|has|have|comes? in|falls? into|"
                     r"asks?)\b[^.:;]{0,60}\b(two|three|four|five|several|many|firm|main|"
                     r"these|a few)\b[^.:;]{0,30}\b(routes|levels|ways|kinds|types|options|limits|groups|"
                     r"events|parts|stages|steps|modes|families|questions|choices|methods|"
                     r"approaches|metrics|components|strategies|tools|services|forms|classes|"
                     r"categories|tiers|phases|layers)\b|"
                     r"\b(lists|describes) the (events|steps|stages|levels|options|ways)\b|"
                     r"\bcontrols how\b|:$", re.I)
# After the announced noun, an announcement says little more: no list (two commas), no
# figure, no colon. "... follows two metrics, CPU utilisation and accelerator duty cycle,
# each with a default target of 60%: ..." names its metrics and is an answer. A parenthesis
# ("(this may change; checked 2026-11)") is an aside, not content.
_CONTENT_AFTER = re.compile(r"[:\d]|,[^,]*,")
_ASIDE = re.compile(r"\([^)]*\)")


def announces(text: str) -> bool:
    """The sentence announces items that it does not name. A sentence that ends in a colon is
    left out: what follows it is usually a bullet list, and one bullet is not the answer."""
    m = FRAMING.search(text)
    if m is None or text.rstrip().endswith(":"):
        return False
    return not _CONTENT_AFTER.search(_ASIDE.sub(" ", text[m.end():]))


def follow_announcements(cands: list[Candidate]) -> list[Candidate]:
    """An announcing sentence hands its score to the next sentence of its passage, which says
    what it announced, and is dropped: once that sentence is shown, it adds nothing."""
    at = {(c.rank, c.scored.sentence.index): c for c in cands}
    drop: set[int] = set()
    for c in cands:
        if not announces(c.text):
            continue
        nxt = at.get((c.rank, c.scored.sentence.index + 1))
        if nxt is None or announces(nxt.text) or nxt.role == "meta":
            continue
        nxt.total = max(nxt.total, c.total)
        drop.add(id(c))
    return [c for c in cands if id(c) not in drop]
