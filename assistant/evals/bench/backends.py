"""Embedding backends: the same cold build and queries with torch, ONNX fp32 and ONNX int8,
with hit@5 on the eval set (the ONNX decision)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evals.bench.common import bench_settings, build_index, log, make_embedder, stats
from assistant.evals.bench.ingest import time_export
from assistant.evals.bench.query import quality

__all__ = ["bench_backends"]


def bench_backends(corpus: Path, work: Path, cases: Sequence[Any], default_build: dict[str, Any],
                   default_settings: Any, default_embedder: Any, default_quality: dict[str, Any],
                   onnx_dir: Path, fresh_export: bool, sample_size: int = 64) -> dict[str, Any]:
    """Cold build, query embedding latency and hit@5 per backend; the ONNX decision rule:
    default only if at least 1.5x faster on embedding with hit@5 within 1 point. "Within" is
    read as "at most 1 point lower": the rule guards against losing quality, and a backend that
    retrieves better (int8 did, by 1.2 points hybrid, on an AVX2-only machine) is no reason
    to keep the slower one.

    The default backend's figures come from the ingest and query sections (same corpus, same
    measurement); the other two are built here in fresh index directories."""
    from assistant.answer import Assistant
    from assistant.retrieve import Retriever

    variants = [("torch", "torch", "fp32"), ("onnx-fp32", "onnx", "fp32"),
                ("onnx-int8", "onnx", "int8")]
    default_name = "torch" if default_embedder.backend == "torch" else \
        f"onnx-{default_embedder.precision}"
    out: dict[str, Any] = {}
    query_texts = [c.question for c in cases]
    embedders: dict[str, Any] = {}
    for name, backend, precision in variants:
        row: dict[str, Any] = {}
        if name == default_name:
            emb, build, qual = default_embedder, default_build, default_quality
        else:
            s = bench_settings(corpus, work / f"idx-{name}", work / "data",
                          embedding_backend=backend)
            emb = make_embedder(s, onnx_dir, backend, precision)
            if backend == "onnx" and fresh_export:
                row["export_s"] = time_export(emb)  # ~0 when the other precision made it
            log(f"backends: cold build with {name}")
            build = build_index(s, emb)
            qual = quality(Assistant(s, retriever=Retriever(s, embedder=emb)), cases)
        embedders[name] = emb
        row.update({"cold_build_s": build["seconds"], "model_load_s": build["model_load_s"],
                    "build_embed_chunks_per_s": build["embed_chunks_per_s"],
                    "chunks": build["chunks"]})
        emb.clear_query_cache()
        times = []
        for q in query_texts:
            t = time.perf_counter()
            emb.embed_query(q)
            times.append(time.perf_counter() - t)
        row["query_embed"] = stats(times)
        row["hit@5"] = {m: qual[m]["hit@5"] for m in ("dense", "hybrid")}
        row["mrr@10"] = {m: qual[m]["mrr@10"] for m in ("dense", "hybrid")}
        out[name] = row
    # Document embedding speed for the rule: one cold build per backend is a single noisy run
    # on a shared machine, so also time the same sample of chunks with each backend, taking
    # turns, best of three.
    sample = _sample_texts(default_settings, sample_size)
    best = {name: float("inf") for name in embedders}
    for _ in range(3):
        for name, emb in embedders.items():
            t = time.perf_counter()
            emb.embed_documents(sample)
            best[name] = min(best[name], time.perf_counter() - t)
    for name in embedders:
        out[name]["embed_chunks_per_s"] = round(len(sample) / best[name], 1)
    out["embedding_sample"] = {"chunks": len(sample), "repeats": 3, "statistic": "best"}
    base = out["torch"]
    for name in ("onnx-fp32", "onnx-int8"):
        row = out[name]
        doc_x = (row["embed_chunks_per_s"] or 0) / (base["embed_chunks_per_s"] or 1)
        q_x = base["query_embed"]["p50_ms"] / max(row["query_embed"]["p50_ms"], 1e-6)
        dh = {m: round(100 * ((row["hit@5"][m] or 0) - (base["hit@5"][m] or 0)), 1)
              for m in ("dense", "hybrid")}
        row["vs_torch"] = {"document_embedding_speedup": round(doc_x, 2),
                           "query_embedding_speedup": round(q_x, 2),
                           "hit@5_points": dh,
                           "meets_rule": doc_x >= 1.5 and q_x >= 1.5 and all(v >= -1.0
                                                                         for v in dh.values())}
    out["rule"] = ("ONNX becomes the default only if at least 1.5x faster than torch on both "
                   "document and query embedding, with hit@5 (dense and hybrid) at most 1 point "
                   "lower")
    out["default_backend"] = default_name
    return out


def _sample_texts(settings: Any, n: int) -> list[str]:
    """Every k-th chunk of the index, so the sample spans short and long chunks."""
    from assistant.index import Index

    chunks = Index(settings).snapshot().chunks
    step = max(1, len(chunks) // max(1, n))
    return [c.embed_text() for c in chunks[::step][:n]]
