"""Performance benchmark: ingest, query and answer cost, against a plain LangChain RAG baseline.

    .venv/bin/python evals/bench.py            # or: assistant bench
    .venv/bin/python evals/bench.py --scale 0  # skip the 50x synthetic corpus

One module per section: common, ingest, backends, query (with quality and the profile),
cold_start, baseline, scale, report; ``run`` here ties them together.

Prints a JSON summary and writes evals/bench.json and evals/bench.md (the performance table).
Everything it builds lives in a temporary directory: the checkout's index/ and corpus/ are
only read. Sections:

- ingest: cold full build of a copy of the corpus in a fresh index directory (no embedding
  cache, so every chunk is really embedded), re-ingest with no change (in process and as the
  ``assistant ingest`` command), and re-ingest after appending a section to one file.
- backends: the same cold build and queries with each embedding backend (torch, ONNX fp32,
  ONNX int8), with hit@5 on the eval set: the ONNX decision.
- query: retrieve latency (dense, BM25, hybrid) and extractive ask latency, p50/p95 over the
  eval set's questions, warm (model and index loaded), uncached (query caches cleared before
  each pass), single-threaded; throughput with 1 and N threads; a profile of the ask path.
- quality: hit@5 / MRR@10 per mode from assistant.evals, next to the speed.
- cold start and memory: a fresh process from import to the first answer, and the peak RSS of
  a process that loads and answers every eval question.
- baseline: what a tutorial user builds with LangChain on the same corpus, eval set, weights
  and machine (RecursiveCharacterTextSplitter 1000/200, HuggingFaceEmbeddings, Chroma,
  similarity_search). Follow-up cases are sent raw (a tutorial has no rewriting); ours use
  the rewritten standalone question, as ``assistant eval`` does.
- scale: the query figures on a synthetic corpus N times larger (see ``synthetic_corpus``).

Timings are wall-clock on whatever else the machine runs: bench.json records the load average
before and after. Not part of the test suite's pass/fail; tests/test_bench_smoke.py runs it on
a tiny corpus to keep it working.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.evals.bench.backends import bench_backends
from assistant.evals.bench.baseline import bench_baseline
from assistant.evals.bench.coach import bench_coach
from assistant.evals.bench.cold_start import bench_cold_start
from assistant.evals.bench.common import bench_settings, build_index, loadavg, log, machine
from assistant.evals.bench.ingest import bench_ingest, copy_sqlite
from assistant.evals.bench.query import bench_queries, profile_ask
from assistant.evals.bench.report import TARGETS, compare, evaluate_targets, markdown
from assistant.evals.bench.scale import bench_scale
from assistant.files import atomic_write

__all__ = ["run", "TARGETS", "offline_env"]


def offline_env() -> None:
    """No downloads, no telemetry, no progress bars: set before the model libraries load."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def run(args: Any, command: str = ".venv/bin/python evals/bench.py") -> dict[str, Any]:
    offline_env()
    from assistant.answer import Assistant
    from assistant.evals import load_eval_set
    from assistant.retrieve import Retriever
    from assistant.settings import Settings

    t_start = time.perf_counter()
    corpus = (args.corpus or Settings().corpus_dir).resolve()
    cases = load_eval_set(args.eval_file)
    if args.limit:
        cases = cases[: args.limit]
    skip = set(args.skip or [])
    own_work = args.workdir is None
    work = Path(tempfile.mkdtemp(prefix="bench-")) if own_work else args.workdir
    work.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"machine": machine(),
                               "eval": {"file": str(args.eval_file), "cases": len(cases)},
                               "corpus": str(corpus)}
    try:
        onnx_dir = args.onnx_cache or work / "onnx"
        fresh = args.onnx_cache is None
        ingest_res, ingest_settings, emb = bench_ingest(corpus, work, onnx_dir, fresh)
        summary["ingest"] = ingest_res

        # The query index: the corpus itself (project-relative sources), from the vectors the
        # cold build computed (same texts, same model): no second embedding pass.
        s = bench_settings(corpus, work / "idx-main", work / "data")
        (work / "idx-main").mkdir(parents=True, exist_ok=True)
        copy_sqlite(ingest_settings.index_dir / "embeddings.sqlite3",
                     work / "idx-main" / "embeddings.sqlite3")
        log("query: index of the corpus (vectors from the cold build's cache)")
        main_build = build_index(s, emb)
        assistant = Assistant(s, retriever=Retriever(s, embedder=emb))
        assistant.warm_up()
        log("query: latency, throughput, quality")
        summary["query"] = bench_queries(assistant, cases, args.threads)
        summary["query"]["index_build"] = main_build
        if "profile" not in skip:
            summary["profile"] = profile_ask(assistant, cases)
        mcq = Path(args.eval_file).with_name("pmle_mcq.jsonl")
        if "coach" not in skip and mcq.is_file():
            log("coach: pasted multiple-choice questions")
            summary["coach"] = bench_coach(assistant, mcq)
        if "cold_start" not in skip:
            log("cold start and memory")
            summary["cold_start"], summary["memory"] = bench_cold_start(s, cases)
        if "baseline" not in skip:
            log("baseline: build")
            summary["baseline"] = bench_baseline(corpus, work, cases)
            summary["comparison"] = compare(summary)
        if "backends" not in skip:
            summary["backends"] = bench_backends(corpus, work, cases,
                                                 ingest_res["cold"], s, emb,
                                                 summary["query"]["quality"], onnx_dir, fresh)
        if args.scale and args.scale > 1 and "scale" not in skip:
            summary["scale"] = bench_scale(corpus, work, args.scale, s, emb, cases, args.threads)
            if "cold_start" not in skip:
                big = bench_settings(work / f"corpus-x{args.scale}", work / f"idx-x{args.scale}",
                                work / "data")
                log("scale: cold start and memory")
                summary["scale"]["cold_start"], summary["scale"]["memory"] = \
                    bench_cold_start(big, cases)
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)
    summary["machine"]["loadavg_end"] = loadavg()
    summary["targets"] = evaluate_targets(summary)
    summary["runtime_s"] = round(time.perf_counter() - t_start, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out, json.dumps(summary, indent=1))
    args.md.write_text(markdown(summary, command), encoding="utf-8")
    return summary
