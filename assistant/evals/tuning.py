"""Comparisons across settings, and the abstention-threshold sweep used to tune
``answer.abstain.AbstainPolicy``."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from assistant.answer.abstain import AbstainPolicy
from assistant.evals.harness import EvalReport, run_eval
from assistant.records import EvalCase, Turn
from assistant.settings import Settings

__all__ = ["compare_settings", "sweep_abstain"]


def compare_settings(cases: Sequence[EvalCase], settings: Settings, *, k: int = 5,
                     chunk_sizes: Sequence[int] = (120,),
                     progress: Callable[[int, int], None] | None = None,
                     embedder: Any = None) -> list[EvalReport]:
    """dense, bm25 and hybrid on the current index, then hybrid on indexes built with other
    chunk sizes (built on demand; each chunk size is its own collection)."""
    from assistant.answer import Assistant
    from assistant.embed import SentenceTransformerEmbedder
    from assistant.ingest import ingest
    from assistant.retrieve import Retriever

    embedder = embedder or SentenceTransformerEmbedder(settings.embedding_model,
                                                       settings.embedding_backend)
    reports: list[EvalReport] = []
    base = Assistant(settings, retriever=Retriever(settings, embedder=embedder))
    for mode in ("dense", "bm25", "hybrid"):
        # Each mode pays for its own query embeddings: without this, hybrid would reuse the
        # dense run's cached vectors and its latency column would leave out the model.
        base.retriever.clear_caches()
        reports.append(run_eval(cases, base, k=k, mode=mode,
                                name=f"{mode} ({settings.chunk_tokens} tok)", progress=progress))
    for size in chunk_sizes:
        if size == settings.chunk_tokens:
            continue
        alt = settings.model_copy(update={"chunk_tokens": size})
        ingest(alt, embedder=embedder)
        a = Assistant(alt, retriever=Retriever(alt, embedder=embedder))
        a.retriever.clear_caches()  # the embedder (and its query cache) is shared
        reports.append(run_eval(cases, a, k=k, mode="hybrid", name=f"hybrid ({size} tok)",
                                progress=progress))
    return reports


def sweep_abstain(cases: Sequence[EvalCase], assistant: Any, *, k: int = 5,
                  mode: str | None = None) -> str:
    """Compute the abstention signals once per case, then score a grid of thresholds.

    Prints the grid sorted by (unanswerable abstained - answerable abstained), so the tuning
    trade-off is visible rather than hidden in a single number.
    """
    rows: list[tuple[bool, Any]] = []
    for case in cases:
        q, standalone = assistant.prepare(case.question, [Turn("user", h) for h in case.history])
        passages = assistant.retrieve(standalone or q, k=k, mode=mode)
        query = assistant.retriever.normalize(standalone or q)
        rows.append((case.answerable, assistant.judge(query, passages, assistant.context(query))))
    n_ans = sum(1 for a, _ in rows if a) or 1
    n_un = sum(1 for a, _ in rows if not a) or 1
    results = []
    for dense, cov, unseen, best in itertools.product(
            (0.2, 0.25, 0.3, 0.35, 0.4), (0.25, 0.3, 0.35, 0.4, 0.5), (0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 1.01),
            (0.0, 0.15, 0.2, 0.25, 0.3, 0.35)):
        pol = AbstainPolicy(dense, cov, unseen, best)
        un = sum(1 for a, s in rows if not a and pol.abstain(s)) / n_un
        fa = sum(1 for a, s in rows if a and pol.abstain(s)) / n_ans
        results.append((un - fa, un, fa, pol))
    results.sort(key=lambda r: (-r[0], r[2]))
    lines = ["| min_dense | min_coverage | max_unseen | min_best_sentence | abstain on unanswerable "
             "| abstain on answerable |", "|---:|---:|---:|---:|---:|---:|"]
    for _, un, fa, p in results[:25]:
        lines.append(f"| {p.min_dense} | {p.min_coverage} | {p.max_unseen} | "
                     f"{p.min_best_sentence} | {un:.3f} | {fa:.3f} |")
    cur = AbstainPolicy()
    un = sum(1 for a, s in rows if not a and cur.abstain(s)) / n_un
    fa = sum(1 for a, s in rows if a and cur.abstain(s)) / n_ans
    lines.append(f"\ncurrent policy {cur}: abstains on {un:.3f} of unanswerable, {fa:.3f} of answerable")
    return "\n".join(lines)
