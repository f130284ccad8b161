"""The command table: every command is registered explicitly, and building the parser runs no
command code (in particular not the benchmark, which sets environment variables for the model
libraries)."""

from __future__ import annotations

import os
import sys

import pytest

from assistant.cli import COMMANDS, build_parser, main


def test_build_parser_does_not_load_the_benchmark(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m.startswith("assistant.evals.bench")]:
        monkeypatch.delitem(sys.modules, name)
    path_before, env_before = list(sys.path), dict(os.environ)
    parser = build_parser()
    assert not [m for m in sys.modules if m.startswith("assistant.evals.bench")]
    assert sys.path == path_before
    assert dict(os.environ) == env_before
    args = parser.parse_args(["bench", "--scale", "0", "--skip", "baseline", "profile"])
    assert args.scale == 0 and args.skip == ["baseline", "profile"]


def test_every_command_is_in_the_table() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == {  # type: ignore[union-attr]
        "ingest", "info", "corpus", "search", "ask", "eval", "flashcards", "quiz", "review",
        "progress", "study-sample", "cards", "app", "bench", "exam", "plan", "answer-sample",
        "users"}
    assert len(COMMANDS) == 8


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out
