"""Shared fixtures.

- Every test gets its own data and index directories (``settings``); nothing touches the
  checkout's index/ or data/.
- The real embedding model is loaded once per session (``embedder``) and the shipped corpus is
  indexed once per session (``corpus_settings``): tests that depend on retrieval quality use
  the real model and real Chroma, never a double.
- Network: connections to anything but loopback are refused, so a test that would download a
  model or phone home fails loudly instead of hanging.
"""

from __future__ import annotations

import io
import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.settings import PROJECT_ROOT, Settings  # noqa: E402

ARTIFACTS = PROJECT_ROOT / "test-artifacts"

# tests/e2e/e2e_support.py (the app-server and page helpers) is shared with tests/reliability.
if str(Path(__file__).parent / "e2e") not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent / "e2e"))
# tests/pgserver.py (the PostgreSQL server fixture's engine), importable as ``pgserver``.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", default=False,
                     help="run fault loops at full length (see tests/reliability)")


@pytest.fixture(autouse=True)
def _no_external_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1", "0.0.0.0") \
                and not host.startswith("/"):
            raise OSError(f"test tried to reach {host}: network is blocked in tests")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _isolated_settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's assistant.toml or writes the checkout's data dir."""
    monkeypatch.setenv("ASSISTANT_SETTINGS_FILE", str(tmp_path / "no-settings.toml"))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.delenv("ASSISTANT_DATABASE_URL", raising=False)
    from assistant.settings import get_settings

    get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """One real PostgreSQL server for the session (tests/pgserver.py). Missing binaries fail
    the test: ``scripts/setup.sh test`` installs Debian's postgresql."""
    from pgserver import PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); run "
                    "scripts/setup.sh test, which installs Debian's postgresql")
    server = PostgresServer(bindir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def pg_url(postgres: Any) -> str:
    """The URL of a fresh, empty database on the session's PostgreSQL server."""
    if not postgres.running():  # a test that stopped it failed before starting it again
        postgres.start()
    return str(postgres.create_database())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """What ``Store(...)`` opens, once per engine: a SQLite file, then a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "data" / "assistant.sqlite3"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data",
                    corpus_dir=tmp_path / "corpus")


@pytest.fixture(scope="session")
def embedder():
    from assistant.embed import SentenceTransformerEmbedder

    e = SentenceTransformerEmbedder()
    e.warm_up()
    return e


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    """The shipped corpus, indexed once for the whole session with the real model."""
    from assistant.ingest import ingest

    base = tmp_path_factory.mktemp("corpus-index")
    s = Settings(index_dir=base / "index", data_dir=base / "data")
    report = ingest(s, embedder=embedder)
    assert not report.failed, [f.error for f in report.failed]
    assert report.chunks_total > 0
    return s


@pytest.fixture(scope="session")
def corpus_assistant(corpus_settings: Settings, embedder):
    from assistant.answer import Assistant
    from assistant.retrieve import Retriever

    a = Assistant(corpus_settings, retriever=Retriever(corpus_settings, embedder=embedder))
    a.warm_up()
    return a


@pytest.fixture(scope="session")
def artifacts_dir() -> Iterator[Path]:
    ARTIFACTS.mkdir(exist_ok=True)
    yield ARTIFACTS


# --- the real browser, shared by tests/e2e and tests/reliability --------------------------
# One session-wide Playwright: a second sync_playwright() in the same thread fails with
# "using Playwright Sync API inside the asyncio loop".

@pytest.fixture(scope="session")
def e2e_artifacts(artifacts_dir: Path) -> Path:
    out = artifacts_dir / "e2e"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from e2e_support import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium chromium-driver)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Any) -> Iterator[Any]:
    """Pages in fresh browser contexts (separate cookies and storage = separate sessions)."""
    from e2e_support import VIEWPORT

    contexts = []

    def make() -> Any:
        ctx = chromium.new_context(viewport=VIEWPORT)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def run(corpus_settings: Settings, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[int, str, str]]:
    """``run(*argv, stdin="")``: the ``assistant`` command in process on the shipped corpus's
    index, with ``stdin`` as its input; returns (exit code, stdout, stderr)."""
    from assistant.cli import main

    index = str(corpus_settings.index_dir)

    def go(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main([*argv, "--index-dir", index])
        out, err = capsys.readouterr()
        return code, out, err
    return go
