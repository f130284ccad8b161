"""Queries: retrieve latency per mode, extractive ask latency, throughput, quality, and a
profile of the ask path. Retrieval stages are timed by ``StageTimer``, a wrapper around one
retriever (the way ``TimedEmbedder`` times an embedder), not by state on the retriever."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from assistant.evals.bench.common import MODES, stats
from assistant.settings import PROJECT_ROOT

__all__ = ["bench_queries", "quality", "profile_ask", "StageTimer"]


class _Timed:
    """An embedder whose ``embed_query`` is timed; everything else is the wrapped one's."""

    def __init__(self, inner: Any, embed_query: Callable[..., Any]) -> None:
        self._inner = inner
        self.embed_query = embed_query

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class StageTimer:
    """Times the stages of one retriever's searches from outside, as ``TimedEmbedder`` times an
    embedder: the query embedding, the dense leg, the BM25 leg and the whole search, wrapped
    on this one instance while the ``with`` block runs and unwrapped after it. The retriever
    keeps no timing state (it is shared by threads; only the benchmark wants these figures,
    and it measures one query at a time)."""

    # The retriever's two legs; private methods, wrapped by name on the instance only.
    _LEGS = {"dense": "_dense", "bm25": "_bm25"}

    def __init__(self, retriever: Any) -> None:
        self.retriever = retriever
        self.times: dict[str, list[float]] = {}

    def _wrap(self, fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.times.setdefault(stage, []).append(time.perf_counter() - t)
        return timed

    def __enter__(self) -> StageTimer:
        r = self.retriever
        self._embedder = r.embedder
        r.embedder = _Timed(r.embedder, self._wrap(r.embedder.embed_query, "embed"))
        for stage, attr in self._LEGS.items():
            setattr(r, attr, self._wrap(getattr(r, attr), stage))
        r.search = self._wrap(r.search, "retrieve")
        return self

    def __exit__(self, *exc: object) -> None:
        r = self.retriever
        r.embedder = self._embedder
        for attr in (*self._LEGS.values(), "search"):
            vars(r).pop(attr, None)  # the class's method again


def _questions(cases: Sequence[Any], assistant: Any) -> list[tuple[Any, str, list[Any]]]:
    """(case, retrieval text, history turns): follow-ups use the rewritten standalone question,
    exactly as ``assistant eval`` does."""
    from assistant.records import Turn

    out = []
    for c in cases:
        history = [Turn("user", h) for h in c.history]
        q, standalone = assistant.prepare(c.question, history)
        out.append((c, standalone or q, history))
    return out


def bench_queries(assistant: Any, cases: Sequence[Any], threads: int,
                  with_quality: bool = True) -> dict[str, Any]:
    r = assistant.retriever
    qs = _questions(cases, assistant)
    out: dict[str, Any] = {"questions": len(qs), "k": r.settings.k,
                           "settings": {"retrieval_mode": r.settings.retrieval_mode,
                                        "fusion": r.settings.fusion,
                                        "candidates": r.settings.candidates,
                                        "backend": getattr(r.embedder, "model_id", "?")}}
    retrieve: dict[str, Any] = {}
    stages: dict[str, list[float]] = {}
    for mode in MODES:
        r.clear_caches()
        times = []
        for _c, text, _h in qs:
            t = time.perf_counter()
            r.search(text, mode=mode)
            times.append(time.perf_counter() - t)
        retrieve[mode] = stats(times)
    # The hybrid stages, in a separate uncached pass: the wrapper's own cost stays out of the
    # latencies above.
    r.clear_caches()
    with StageTimer(r) as timer:
        for _c, text, _h in qs:
            r.search(text, mode="hybrid")
    stages = timer.times
    out["retrieve"] = retrieve
    out["hybrid_stages"] = {k: stats(v) for k, v in stages.items()}

    r.clear_caches()
    ask_times, compose_times = [], []
    t_all = time.perf_counter()
    for c, _text, history in qs:
        t = time.perf_counter()
        ans = assistant.ask(c.question, history=history)
        ask_times.append(time.perf_counter() - t)
        compose_times.append(ans.timings.get("answer", 0.0))
    serial_s = time.perf_counter() - t_all
    out["ask"] = {**stats(ask_times), "compose": stats(compose_times)}

    r.clear_caches()
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda item: assistant.ask(item[0].question, history=item[2]), qs))
    parallel_s = time.perf_counter() - t
    out["throughput"] = {"threads_1_qps": round(len(qs) / serial_s, 1),
                         f"threads_{threads}_qps": round(len(qs) / parallel_s, 1),
                         "threads": threads}
    if with_quality:
        out["quality"] = quality(assistant, cases)
    return out


def quality(assistant: Any, cases: Sequence[Any]) -> dict[str, Any]:
    from assistant.evals import run_eval

    res = {}
    for mode in MODES:
        m = run_eval(cases, assistant, k=5, mode=mode, name=mode, answer=False).metrics
        res[mode] = {k: m[k] for k in ("hit@1", "hit@5", "mrr@10", "ndcg@10", "answerable")}
    return res


def profile_ask(assistant: Any, cases: Sequence[Any], n: int = 30, top: int = 15) -> dict[str, Any]:
    """cProfile over ``n`` uncached asks: where one ask spends its time."""
    import cProfile
    import pstats

    qs = _questions(cases[:n], assistant)
    assistant.retriever.clear_caches()
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    for c, _text, history in qs:
        assistant.ask(c.question, history=history)
    prof.disable()
    wall = time.perf_counter() - t
    st = pstats.Stats(prof)
    rows = []
    for (fname, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        rows.append((tt, ct, nc, f"{_short(fname)}:{line}({func})"))
    n_q = max(1, len(qs))
    by_self = sorted(rows, reverse=True)[:top]
    cumulative = sorted(((ct, tt, nc, name) for tt, ct, nc, name in rows
                         if name.startswith("assistant/")),
                        reverse=True)[:top]
    return {
        "asks": len(qs),
        "wall_ms_per_ask": round(wall / n_q * 1000, 2),
        "top_self_time": [{"function": name, "ms_per_ask": round(tt / n_q * 1000, 3),
                           "calls_per_ask": round(nc / n_q, 1)} for tt, _ct, nc, name in by_self],
        "assistant_cumulative": [{"function": name, "ms_per_ask": round(ct / n_q * 1000, 3)}
                                 for ct, _tt, _nc, name in cumulative],
    }


def _short(fname: str) -> str:
    root = str(PROJECT_ROOT) + os.sep
    if fname.startswith(root):
        return fname[len(root):]
    return fname.split("site-packages/", 1)[-1]
