"""``assistant bench``: the performance benchmark (``assistant.evals.bench``) as a subcommand.

Its argument table lives here (``python evals/bench.py`` uses it too), so building the parser
imports no benchmark code: the benchmark, which sets environment variables for the model
libraries, is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError
from assistant.settings import PROJECT_ROOT

__all__ = ["register", "add_arguments", "SECTIONS"]

# The sections --skip can leave out.
SECTIONS = ("backends", "baseline", "scale", "cold_start", "profile")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The benchmark's options: shared by ``assistant bench`` and ``python evals/bench.py``."""
    evals = PROJECT_ROOT / "evals"
    p.add_argument("--corpus", type=Path, default=None,
                   help="corpus folder (default: the shipped corpus/)")
    p.add_argument("--eval", dest="eval_file", type=Path, default=evals / "pmle.jsonl",
                   help="eval set (default: evals/pmle.jsonl)")
    p.add_argument("--out", type=Path, default=evals / "bench.json",
                   help="JSON output (default: evals/bench.json)")
    p.add_argument("--md", type=Path, default=evals / "bench.md",
                   help="Markdown table output (default: evals/bench.md)")
    p.add_argument("--scale", type=int, default=50,
                   help="synthetic corpus size as a multiple of the real one (0 = skip)")
    p.add_argument("--threads", type=int, default=4, help="threads for the throughput run")
    p.add_argument("--limit", type=int, default=None, help="only the first N eval cases")
    p.add_argument("--skip", nargs="*", default=[], choices=list(SECTIONS),
                   help="sections to leave out")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where to build (default: a temporary directory, removed afterwards)")
    p.add_argument("--onnx-cache", type=Path, default=None,
                   help="reuse the ONNX export in this folder or the shared one beside the "
                        "weights (default: export afresh into the work dir, and time it)")


def cmd_bench(args: argparse.Namespace) -> int:
    for name in ("langchain_huggingface", "langchain_chroma", "psutil"):
        if "baseline" in (args.skip or []) and name.startswith("langchain"):
            continue
        if importlib.util.find_spec(name) is None:
            raise ConfigError(f"the benchmark needs its extras ({name} is missing); run: "
                              "pip install -e '.[bench]'")
    from assistant.evals.bench import offline_env

    offline_env()  # before the model libraries load
    from assistant.evals.bench import run

    summary = run(args, command="assistant bench")
    print(json.dumps(summary, indent=1))
    print(f"\nwrote {args.out} and {args.md}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("bench", help="performance benchmark (ingest, query, answer) vs a "
                                     "LangChain baseline",
                       description="Measure ingest, retrieval and answer cost, cold start and "
                                   "memory, on the corpus and on a synthetic 50x corpus, next to "
                                   "a plain LangChain RAG baseline. Writes evals/bench.json and "
                                   "evals/bench.md.")
    add_arguments(p)
    p.set_defaults(func=cmd_bench)
