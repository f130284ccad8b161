"""``assistant bench``: the performance benchmark (evals/bench.py) as a subcommand.

The benchmark lives in evals/ next to the eval set it measures; this module only wires it in.
It is loaded from the checkout by path (evals/ is not a package), and only its argument table
is read at registration, so ``assistant --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from assistant.errors import ConfigError
from assistant.settings import PROJECT_ROOT

__all__ = ["register", "load_bench"]

BENCH_FILE = PROJECT_ROOT / "evals" / "bench.py"


def load_bench(path: Path = BENCH_FILE) -> ModuleType:
    if not path.is_file():
        raise ConfigError(f"the benchmark script {path} is missing; run it from a checkout of "
                          "the project (it is not part of an installed package)")
    spec = importlib.util.spec_from_file_location("assistant_bench_script", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cmd_bench(args: argparse.Namespace) -> int:
    bench = load_bench()
    for name in ("langchain_huggingface", "langchain_chroma", "psutil"):
        if "baseline" in (args.skip or []) and name.startswith("langchain"):
            continue
        if importlib.util.find_spec(name) is None:
            raise ConfigError(f"the benchmark needs its extras ({name} is missing); run: "
                              "pip install -e '.[bench]'")
    summary = bench.run(args, command="assistant bench")
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
    try:
        load_bench().add_arguments(p)
    except ConfigError:
        pass  # the command itself reports the missing script in one line
    p.set_defaults(func=cmd_bench)
