"""The eval harness: run an eval set through the assistant and collect an ``EvalReport``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.evals.metrics import CaseResult, aggregate, is_relevant
from assistant.records import EvalCase, Turn

__all__ = ["EvalReport", "run_eval"]


@dataclass
class EvalReport:
    name: str
    settings: dict[str, Any]
    k: int
    results: list[CaseResult]
    metrics: dict[str, Any] = field(default_factory=dict)
    per_domain: dict[str, dict[str, Any]] = field(default_factory=dict)

    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if r.failure(self.k)]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "settings": self.settings, "k": self.k,
                "metrics": self.metrics, "per_domain": self.per_domain,
                "cases": [r.to_json(self.k) for r in self.results]}


def run_eval(cases: Sequence[EvalCase], assistant: Any, *, k: int = 5, mode: str | None = None,
             name: str = "eval", progress: Callable[[int, int], None] | None = None,
             answer: bool = True) -> EvalReport:
    """Run every case through retrieval (top 10, for MRR and nDCG) and the answer composer
    (top k). ``assistant`` is an ``answer.Assistant``."""
    snap = assistant.retriever.index.snapshot()
    texts = [c.text for c in snap.chunks]
    results: list[CaseResult] = []
    depth = max(10, k)
    for i, case in enumerate(cases):
        history = [Turn("user", h) for h in case.history]
        try:
            t0 = time.perf_counter()
            q, standalone = assistant.prepare(case.question, history)
            ranked = assistant.retrieve(standalone or q, k=depth, mode=mode)
            t1 = time.perf_counter()
            top = ranked[:k]
            ans = assistant.answer_from(q, standalone, top) if answer else None
            t2 = time.perf_counter()
            ranks = [p.rank for p in ranked if is_relevant(p.chunk.text, case)]
            n_rel = sum(1 for t in texts if is_relevant(t, case)) if case.answerable else 0
            results.append(CaseResult(case, top, ranks, n_rel, ans, t1 - t0, t2 - t1))
        except Exception as err:  # noqa: BLE001 - one broken case must not sink the run
            results.append(CaseResult(case, [], [], 0, None, 0.0, 0.0,
                                      error=f"{type(err).__name__}: {err}"))
        if progress:
            progress(i + 1, len(cases))
    verbatim = getattr(assistant.composer, "name", "extractive") == "extractive"
    report = EvalReport(name=name, k=k, results=results, settings={
        "mode": mode or assistant.settings.retrieval_mode,
        "backend": getattr(assistant.composer, "name", "?"),
        "chunk_tokens": assistant.settings.chunk_tokens,
        "fusion": assistant.settings.fusion,
        "collection": snap.collection_name,
        "chunks": len(snap.chunks),
    })
    make_vec = getattr(assistant, "vectorizer", None)
    vec = make_vec() if callable(make_vec) else None  # sentence vectors for quality metrics
    report.metrics = aggregate(results, k, verbatim, vec)
    domains = sorted({r.case.domain for r in results if r.case.domain is not None})
    report.per_domain = {str(d): aggregate([r for r in results if r.case.domain == d], k,
                                           verbatim, vec) for d in domains}
    return report
