"""A question that asks two things gets both answers first.

"Which kind of training container should they use, and where does the image need to be
stored?" has two asks. The lead answers the first; the sentence that answers the second
("... push the image to Artifact Registry ...") used to land among the supporting points, or
not at all, because it shares few words with the whole scenario. A tutor answers both asks
before explaining either, so the composer finds the best sentence for the second ask and puts
it right after the lead, as the second half of the lead.

Only a real second ask counts: "..., and why?" or a closing "What should you do?" repeats
the first ask (the why is what the supporting points give).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from assistant.answer.candidates import Candidate, is_near_duplicate
from assistant.answer.text import content_terms, question_sentences, states_figure

__all__ = ["asks", "second_answer"]

# A wh-word, or a verb that opens a yes/no question ("and do I have to deploy ...?"; not
# "to clean and do feature engineering").
_WH = (r"(?:how|where|what|which|when|who|whether|(?:is|are|does|do|can|should|must)\s+"
       r"(?:i|we|you|they|it|the|this|that|there)\b)\b")
# "..., and where does the image need to be stored?": the second ask inside one sentence.
_JOINED = re.compile(rf"(?:,\s*|\s+)and\s+(?={_WH})", re.I)
# A second question that adds nothing to ask: "What should you do?", "Why?".
_GENERIC = re.compile(r"^\s*(?:and\s+)?(?:why|what should (?:you|they|we|i|the \w+) do|"
                      r"what do you recommend|which option|what is the (?:best|right) "
                      r"(?:answer|option|choice))\b[^?]*\?\s*$", re.I)
# Words of any ask: they say nothing about what the second ask wants.
_ASK_WORDS = frozenset(content_terms(
    "how where what which when who whether need needs should use used set configured "
    "configure do does can could would will team they we you i many much big long early "
    "first go goes take"))
# Chosen on the three dev sets (15 two-part questions): the sentences that answer a second
# ask sat at cosine 0.43-0.62 with it, the leads that already answer it at 0.41-0.70.
_MIN_COS = 0.4
_MIN_GAIN = 0.15  # closer to the second ask than the lead is, by this much
_MIN_TOTAL = 0.3  # of the lead's score: a sentence far down the ranking is not the answer
_SHARE_WEIGHT = 0.25
_TOTAL_WEIGHT = 0.25
_LOOK = 15  # candidates considered, best first
_NUMERIC_ASK = re.compile(r"^\s*how (?:many|much|big|large|long|early|often|old)\b", re.I)


def asks(question: str) -> tuple[str, str] | None:
    """The two asks of a question that asks two things, or None: the parts of its last
    sentence around ", and <wh-word>", or its last two question sentences."""
    sentences = [s.strip() for s in question_sentences(question) if s.strip()]
    if not sentences:
        return None
    last = sentences[-1]
    parts = _JOINED.split(last, maxsplit=1)
    if len(parts) == 2:
        first, second = parts
    elif len(sentences) >= 2 and sentences[-2].endswith("?") and last.endswith("?"):
        first, second = sentences[-2], last
    else:
        return None
    if _GENERIC.match(second):
        return None
    if not _own_terms(first, second) or not set(content_terms(first)) - _ASK_WORDS:
        return None
    return first, second


def _own_terms(first: str, second: str) -> set[str]:
    """What the second ask is about: its words that are not ask words or the first ask's."""
    return set(content_terms(second)) - set(content_terms(first)) - _ASK_WORDS


def second_answer(question: str, lead: Candidate, cands: Sequence[Candidate],
                  vector: np.ndarray | None) -> Candidate | None:
    """The sentence that answers the question's second ask when the lead does not, or None.

    ``vector`` is the second ask's own vector (the service embeds it with the question's
    sentences). Meaning decides, because the second ask is short and its words are common
    ("where does the image need to be stored?"): the candidate must sit close to it and
    clearly closer than the lead; its share of the ask's own words and its score for the
    whole question break near ties. A "how many ...?" ask wants a figure."""
    pair = asks(question)
    if pair is None or vector is None:
        return None
    own = _own_terms(*pair)
    numeric = bool(_NUMERIC_ASK.match(pair[1]))

    def cos(c: Candidate) -> float:
        return float(c.vec @ vector) if c.vec is not None else 0.0

    bar = max(_MIN_COS, cos(lead) + _MIN_GAIN)
    best: tuple[float, Candidate] | None = None
    for c in cands[:_LOOK]:
        if c is lead or c.contradicts or c.role == "trap" or is_near_duplicate(c, lead):
            continue
        if cos(c) < bar or c.total < lead.total * _MIN_TOTAL:
            continue
        if numeric and not states_figure(c.text):
            continue
        share = len(own & c.scored.terms) / len(own) if own else 0.0
        score = cos(c) + _SHARE_WEIGHT * share + _TOTAL_WEIGHT * min(1.0, c.total / lead.total)
        if best is None or score > best[0]:
            best = (score, c)
    return best[1] if best else None
