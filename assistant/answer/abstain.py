"""When to say "the material does not cover this" instead of answering.

Three signals, all cheap and all computed from what retrieval already returned:

- ``dense``: the best cosine similarity between the question and a retrieved passage. Below
  ~0.3 the passages are about something else entirely (all-MiniLM-L6-v2 puts unrelated
  sentences at 0.0-0.25 and paraphrases at 0.5+).
- ``coverage``: the idf-weighted share of the question's content terms found anywhere in the
  top passages. A question whose rare terms ("A100", "hourly", "parking") appear in no passage
  asks about something the passages do not state.
- ``unseen``: the idf-weighted share of question terms that occur nowhere in the whole index
  (e.g. "SageMaker", "Snowflake"): a strong sign of an out-of-scope product.

The thresholds were tuned on evals/pmle.jsonl (see ``assistant eval --sweep-abstain``) to keep
false abstentions on answerable questions low while abstaining on most unanswerable ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from assistant import syllabus
from assistant.answer.base import TermStats
from assistant.answer.text import content_terms
from assistant.records import Passage

__all__ = ["Signals", "AbstainPolicy", "signals", "abstention_text"]


@dataclass(frozen=True)
class Signals:
    dense: float
    coverage: float
    unseen: float
    best_sentence: float = 1.0

    def to_json(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class AbstainPolicy:
    min_dense: float = 0.30
    min_coverage: float = 0.50
    max_unseen: float = 0.34
    min_best_sentence: float = 0.20

    def abstain(self, s: Signals) -> bool:
        return (s.dense < self.min_dense or s.coverage < self.min_coverage
                or s.unseen > self.max_unseen or s.best_sentence < self.min_best_sentence)


def signals(question: str, passages: Sequence[Passage], stats: TermStats | None,
            df: "callable | None" = None, top: int = 3) -> Signals:
    terms = list(dict.fromkeys(content_terms(question)))
    if not passages or not terms:
        return Signals(0.0, 0.0, 1.0 if terms else 0.0)
    weights = {t: (stats.idf(t) if stats is not None else 1.0) for t in terms}
    total = sum(weights.values()) or 1.0
    seen_terms: set[str] = set()
    for p in passages[:top]:
        seen_terms.update(content_terms(p.chunk.embed_text()))
    coverage = sum(w for t, w in weights.items() if t in seen_terms) / total
    unseen = 0.0
    if df is not None:
        unseen = sum(w for t, w in weights.items() if df(t) == 0) / total
    dense = max((p.dense_score for p in passages if p.dense_score is not None), default=0.0)
    return Signals(float(dense), float(coverage), float(unseen))


def abstention_text(passages: Sequence[Passage]) -> str:
    """Say so plainly, and point to the nearest exam sections the material does cover."""
    seen: list[str] = []
    for p in passages:
        sec = p.chunk.section
        if sec and sec not in seen:
            seen.append(sec)
    named = []
    for sec in seen[:3]:
        sub = syllabus.subsection(sec, p.chunk.guide_version if False else None) or \
            syllabus.subsection(sec, "2024-10")
        named.append(f"{sec} ({sub.name})" if sub else sec)
    text = ("The study material does not cover this question, so I will not guess an answer.")
    if named:
        text += " The nearest topics it does cover are in section" + \
            ("s " if len(named) > 1 else " ") + ", ".join(named) + "."
    return text
