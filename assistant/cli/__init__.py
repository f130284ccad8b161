"""The ``assistant`` command. Thin: parse arguments, call the library, print.

Every failure a user can cause prints one line on stderr (``error: <cause>; <fix>``) and exits
with status 2; a partial ingest (some files failed) exits with status 1.

The command table is ``COMMANDS``: one ``register(subparsers)`` per command group, in the order
``assistant --help`` lists them. Each group is a module of this package; the modules import the
library (and the benchmark) inside their commands, so building the parser stays fast.

    common.py   exit codes, settings from the arguments, filters, JSON output, the parser class
    ingest.py   ingest, info, corpus
    answer.py   search, ask, answer-sample
    evals.py    eval
    study.py    flashcards, quiz, review, cards, progress, study-sample
    exam.py     exam, plan (mock exams and the exam-date plan)
    app.py      app (the Streamlit app)
    users.py    users (accounts and roles for ASSISTANT_AUTH=required)
    bench.py    bench (assistant.evals.bench, imported only when the command runs)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from assistant.cli import answer, app, bench, evals, exam, ingest, study, users
from assistant.cli.common import EXIT_ERROR, EXIT_OK, Parser
from assistant.errors import AssistantError

__all__ = ["main", "build_parser", "COMMANDS"]

COMMANDS: list[Callable[[Any], None]] = [
    ingest.register,
    answer.register,
    evals.register,
    study.register,
    exam.register,
    app.register,
    users.register,
    bench.register,
]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="assistant",
        description="Offline study assistant for the Google Cloud Professional Machine Learning "
                    "Engineer exam.")
    from assistant import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMANDS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # transformers draws a "Loading weights" progress bar on stderr each time the model loads;
    # in a command whose stderr carries only warnings and one-line errors it is noise.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args.func(args))
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
