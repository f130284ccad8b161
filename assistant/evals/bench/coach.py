"""Bench section "coach": latency of the practice-question coach (issue 16)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from assistant.evals.bench.common import stats

__all__ = ["bench_coach"]


def bench_coach(assistant: Any, path: Path) -> dict[str, Any]:
    """Every item of the multiple-choice set, pasted (stem, blank line, ``A. ...`` lines),
    through ``Assistant.ask`` with cold query caches. Timing only; accuracy is
    ``assistant eval evals/pmle_mcq.jsonl``."""
    from assistant.evals.mcq import load_mcq_set

    cases, _ = load_mcq_set(path)
    assistant.retriever.clear_caches()
    times = []
    for c in cases:
        t = time.perf_counter()
        assistant.ask(c.pasted())
        times.append(time.perf_counter() - t)
    return {**stats(times), "file": str(path)}
