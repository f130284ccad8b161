"""Fixtures of the reliability suite.

Loop lengths: every fault loop runs a CI count by default and a longer count with ``--full``
(the option is defined in tests/conftest.py)::

    .venv/bin/pytest tests/reliability                # CI counts (>= 20 ingest kills, ...)
    .venv/bin/pytest tests/reliability --full         # full counts (100 ingest kills, ...)

Each test records what it tried (inputs, kills, sessions, writes verified) in
``test-artifacts/reliability/figures.json``; the terminal summary prints the totals, which are
the README's figures.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.settings import PROJECT_ROOT

_FIGURES: dict[str, Any] = {}
_FIGURES_LOCK = threading.Lock()
FIGURES_PATH = PROJECT_ROOT / "test-artifacts" / "reliability" / "figures.json"


class Scale:
    def __init__(self, full: bool) -> None:
        self.full = full

    def __call__(self, ci: int, full: int) -> int:
        return full if self.full else ci


@pytest.fixture(scope="session")
def scale(request: pytest.FixtureRequest) -> Scale:
    """``scale(ci, full)``: the loop count for this run."""
    return Scale(bool(request.config.getoption("--full")))


@pytest.fixture(scope="session")
def figures(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Figures for the README, keyed by item; written when the session ends."""
    yield _FIGURES


def record(key: str, value: Any) -> None:
    with _FIGURES_LOCK:
        _FIGURES[key] = value


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _FIGURES:
        return
    FIGURES_PATH.parent.mkdir(parents=True, exist_ok=True)
    mode = "full" if session.config.getoption("--full") else "ci"
    old: dict[str, Any] = {}
    if FIGURES_PATH.is_file():
        try:
            old = json.loads(FIGURES_PATH.read_text())
        except ValueError:
            old = {}
    old.setdefault(mode, {}).update(_FIGURES)
    FIGURES_PATH.write_text(json.dumps(old, indent=1, sort_keys=True))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FIGURES:
        return
    terminalreporter.section("reliability figures")
    for key in sorted(_FIGURES):
        terminalreporter.write_line(f"{key}: {json.dumps(_FIGURES[key], sort_keys=True)}")
