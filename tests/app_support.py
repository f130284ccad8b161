"""Shared pieces of the app tests (tests/test_app_*.py and tests/e2e/).

The app reads its settings from the environment (``ASSISTANT_*``) like in production; these
fixtures point that environment at the session's corpus index (or a copy of it, for tests that
ingest) and at a fresh data directory, then open a page in ``AppTest``.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.settings import Settings

# AppTest runs the page script in the test process. The first run of a session loads the
# embedding model into Streamlit's resource cache (several seconds on a loaded 2-core box).
FIRST_RUN_TIMEOUT = 180
RUN_TIMEOUT = 60

HOSTILE_DOC = """---
title: "Hostile <img src=x onerror=alert(1)> notes"
domain: 6
section: "6.2"
guide_version: "2026-06"
---

# Quarantine zebra <script>alert('x')</script> heading

The quarantine zebra protocol flags a drifting feature <script>alert('owned')</script> before
it reaches the zebra dashboard. Click [the zebra report](javascript:alert(1)) for details.
![zebra pixel](http://127.0.0.1:9/pixel.png) <img src=x onerror=alert(2)> **not bold** `x`

The quarantine zebra protocol keeps a zebra baseline of every feature & compares new zebra
traffic to it &lt;daily&gt;.
"""


def use_settings(monkeypatch: pytest.MonkeyPatch, index_dir: Path, data_dir: Path,
                 **extra: str) -> Settings:
    """Point the app's environment at these directories; returns the settings it will read."""
    from assistant.settings import get_settings

    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    for key, value in extra.items():
        monkeypatch.setenv(f"ASSISTANT_{key.upper()}", value)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def app_settings(corpus_settings: Settings, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The shipped corpus index (shared, read-only) and a fresh data directory."""
    return use_settings(monkeypatch, corpus_settings.index_dir, tmp_path / "appdata")


@pytest.fixture
def own_index_settings(corpus_settings: Settings, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A private copy of the corpus index, for tests that ingest into it."""
    index = tmp_path / "index"
    shutil.copytree(corpus_settings.index_dir, index)
    return use_settings(monkeypatch, index, tmp_path / "appdata")


def open_page(page: str, *, query: dict[str, str] | None = None,
              timeout: float = FIRST_RUN_TIMEOUT) -> AppTest:
    """Run the real app shell (``assistant.ui.app.main``) with ``page`` as the landing page."""
    at = AppTest.from_string(
        f"from assistant.ui.app import main\nmain(default_page={page!r})\n",
        default_timeout=RUN_TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run(timeout=timeout)
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error] + [str(e.value) for e in at.exception]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_doc(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def hostile_index(tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A tiny index of one hostile document (markup, script, image, javascript: link)."""
    from assistant.ingest import ingest

    corpus = tmp_path / "hostile-corpus"
    write_doc(corpus, "zebra.md", HOSTILE_DOC)
    s = Settings(index_dir=tmp_path / "hindex", data_dir=tmp_path / "hdata", corpus_dir=corpus)
    report = ingest(s, embedder=embedder)
    assert not report.failed and report.chunks_total > 0
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(corpus))
    yield use_settings(monkeypatch, s.index_dir, s.data_dir)
