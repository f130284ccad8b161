"""Metrics, computed the same way every time: relevance and keyword matching, per-case results
(hit, rank, citation precision and support) and their aggregation over a set of cases.

Relevance follows the eval-set contract (design page): a passage is relevant when its
lower-cased text contains every ``evidence`` term, where a term may list alternatives with
``|``. ``answer_keywords`` use the same syntax against the answer text.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.answer.base import MARKER
from assistant.answer.text import content_terms, normalize_ws
from assistant.records import Answer, EvalCase, Passage

__all__ = ["term_matches", "all_terms", "is_relevant", "cited_sentences", "CaseResult",
           "percentile", "aggregate"]


def _norm(text: str) -> str:
    return normalize_ws(text.lower().replace("\u2011", "-").replace("\u2013", "-"))


def term_matches(text_lower: str, term: str) -> bool:
    return any(alt.strip() and alt.strip() in text_lower for alt in term.split("|"))


def all_terms(text: str, terms: Sequence[str]) -> bool:
    t = _norm(text)
    return all(term_matches(t, term) for term in terms)


def is_relevant(passage_text: str, case: EvalCase) -> bool:
    return bool(case.evidence) and all_terms(passage_text, case.evidence)


def cited_sentences(answer_text: str) -> list[tuple[str, list[int]]]:
    """Split an answer into (sentence, [markers]) pairs: the text before each run of markers."""
    out: list[tuple[str, list[int]]] = []
    pos = 0
    for m in re.finditer(r"((?:\s*(?<![\w`])\[\d{1,3}\])+)", answer_text):
        sentence = answer_text[pos:m.start()].strip()
        nums = [int(x) for x in MARKER.findall(m.group(1))]
        if sentence:
            out.append((sentence, nums))
        pos = m.end()
    return out


def _supported(sentence: str, passage_text: str, verbatim: bool) -> bool:
    s = _norm(MARKER.sub("", sentence))
    s = re.sub(r"\s*\((october 2024 guide|june 2026 revision)\)\s*", " ", s).strip()
    s = re.sub(r"^(naming:)\s*", "", s).strip()
    p = _norm(passage_text)
    if verbatim:
        return s in p
    terms = set(content_terms(s))
    if not terms:
        return False
    return len(terms & set(content_terms(p))) / len(terms) >= 0.6


@dataclass
class CaseResult:
    case: EvalCase
    passages: list[Passage]  # top-k used for the answer
    ranks_relevant: list[int]  # 1-based ranks (within top 10) of relevant passages
    n_relevant_in_index: int
    answer: Answer | None
    retrieve_s: float
    answer_s: float
    error: str | None = None

    @property
    def first_relevant(self) -> int | None:
        return self.ranks_relevant[0] if self.ranks_relevant else None

    def hit_at(self, k: int) -> bool:
        return self.first_relevant is not None and self.first_relevant <= k

    def mrr(self) -> float:
        r = self.first_relevant
        return 1.0 / r if r is not None and r <= 10 else 0.0

    def ndcg(self) -> float:
        dcg = sum(1.0 / math.log2(r + 1) for r in self.ranks_relevant if r <= 10)
        ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(10, self.n_relevant_in_index) + 1))
        return dcg / ideal if ideal else 0.0

    def keyword_recall(self) -> float | None:
        if not self.case.answerable or not self.case.answer_keywords or self.answer is None:
            return None
        t = _norm(self.answer.answer) if not self.answer.abstained else ""
        return sum(term_matches(t, kw) for kw in self.case.answer_keywords) / len(self.case.answer_keywords)

    def citation_stats(self, verbatim: bool) -> tuple[int, int, int, int]:
        """(cited passages, relevant cited passages, cited sentences, supported sentences)."""
        a = self.answer
        if a is None or a.abstained:
            return 0, 0, 0, 0
        by_n = {c.n: c.chunk.text for c in a.citations}
        cited = list(by_n)
        relevant = sum(1 for n in cited if is_relevant(by_n[n], self.case))
        sentences = cited_sentences(a.answer)
        supported = sum(1 for s, nums in sentences
                        if any(n in by_n and _supported(s, by_n[n], verbatim) for n in nums))
        return len(cited), relevant, len(sentences), supported

    def failure(self, k: int) -> str | None:
        if self.error:
            return f"error: {self.error}"
        a = self.answer
        if not self.case.answerable:
            return None if a is not None and a.abstained else "answered an unanswerable question"
        reasons = []
        if not self.hit_at(k):
            reasons.append(f"no relevant passage in top {k}")
        if a is not None and a.abstained:
            reasons.append("abstained")
        elif (self.keyword_recall() or 0.0) < 1.0 and self.case.answer_keywords:
            reasons.append("answer misses keywords")
        return "; ".join(reasons) or None

    def to_json(self, k: int) -> dict[str, Any]:
        a = self.answer
        return {
            **self.case.to_json(),
            "standalone_question": a.standalone_question if a else None,
            "answer": a.answer if a else None,
            "abstained": a.abstained if a else None,
            "citations": [c.to_json() for c in a.citations] if a else [],
            "passages": [p.to_json() for p in self.passages],
            "relevant_ranks": self.ranks_relevant,
            "hit@1": self.hit_at(1), f"hit@{k}": self.hit_at(k),
            "mrr@10": round(self.mrr(), 4), "ndcg@10": round(self.ndcg(), 4),
            "keyword_recall": self.keyword_recall(),
            "lead": a.lead if a else None,
            "points": list(a.points) if a else [],
            "retrieve_ms": round(self.retrieve_s * 1000, 2),
            "answer_ms": round(self.answer_s * 1000, 2),
            "failure": self.failure(k),
            "error": self.error,
        }


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): simple and reproducible."""
    if not values:
        return 0.0
    ordered = sorted(values)
    idx = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[idx]


def aggregate(results: Sequence[CaseResult], k: int, verbatim: bool,
              vec: Callable[[str], Any] | None = None) -> dict[str, Any]:
    ans = [r for r in results if r.case.answerable and not r.error]
    unans = [r for r in results if not r.case.answerable and not r.error]

    def mean(xs: Iterable[float]) -> float | None:
        xs = list(xs)
        return round(statistics.fmean(xs), 4) if xs else None

    recalls = [x for x in (r.keyword_recall() for r in ans) if x is not None]
    cit = [r.citation_stats(verbatim) for r in ans]
    cited = sum(c[0] for c in cit)
    sents = sum(c[2] for c in cit)
    retrieve_ms = [r.retrieve_s * 1000 for r in results if not r.error]
    answer_ms = [r.answer_s * 1000 for r in results if not r.error]
    return {
        "cases": len(results),
        "answerable": len(ans),
        "unanswerable": len(unans),
        "errors": sum(1 for r in results if r.error),
        "hit@1": mean(float(r.hit_at(1)) for r in ans),
        f"hit@{k}": mean(float(r.hit_at(k)) for r in ans),
        "mrr@10": mean(r.mrr() for r in ans),
        "ndcg@10": mean(r.ndcg() for r in ans),
        "keyword_recall": mean(recalls),
        "keyword_hit_rate": mean(float(x >= 1.0) for x in recalls),
        "abstention_accuracy": mean(float(bool(r.answer and r.answer.abstained)) for r in unans),
        "false_abstention_rate": mean(float(bool(r.answer and r.answer.abstained)) for r in ans),
        "citation_precision": round(sum(c[1] for c in cit) / cited, 4) if cited else None,
        "citation_support": round(sum(c[3] for c in cit) / sents, 4) if sents else None,
        "retrieve_ms_p50": round(percentile(retrieve_ms, 50), 2),
        "retrieve_ms_p95": round(percentile(retrieve_ms, 95), 2),
        "answer_ms_p50": round(percentile(answer_ms, 50), 2),
        "answer_ms_p95": round(percentile(answer_ms, 95), 2),
        **_quality(ans, vec),
    }


def _quality(ans: Sequence[CaseResult], vec: Callable[[str], Any] | None) -> dict[str, Any]:
    """Issue 14's answer-shape metrics (answer/quality.py) over the answerable cases."""
    from assistant.answer.quality import aggregate_quality, assess

    items = []
    for r in ans:
        a = r.answer
        q = None if a is None or a.abstained else assess(
            r.case.question, a.answer, r.case.answer_keywords, a.lead or None, vec)
        items.append((q, bool(r.case.answer_keywords)))
    return aggregate_quality(items)
