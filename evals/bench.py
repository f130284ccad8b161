"""Performance benchmark: ingest, query and answer cost, against a plain LangChain RAG baseline.

    .venv/bin/python evals/bench.py            # or: assistant bench
    .venv/bin/python evals/bench.py --scale 0  # skip the 50x synthetic corpus

Prints a JSON summary and writes evals/bench.json and evals/bench.md (the performance table).
The benchmark itself is the package ``assistant.evals.bench`` (one module per section); its
options are those of ``assistant bench`` (``assistant.cli.bench.add_arguments``). This file
only runs it from a checkout.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

# Runnable as a plain script from a checkout: make the package importable without install.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.evals.bench import offline_env

    offline_env()  # before the model libraries load
    from assistant.cli.bench import add_arguments
    from assistant.evals.bench import run

    p = argparse.ArgumentParser(prog="bench", description=(__doc__ or "").split("\n\n")[0])
    add_arguments(p)
    args = p.parse_args(argv)
    summary = run(args, command=".venv/bin/python evals/bench.py")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
