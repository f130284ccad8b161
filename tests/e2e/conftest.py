"""Browser tests: the real app (``assistant app``) in a real headless Chromium.

- The server is started the way users start it (``python -m assistant app --port N``), on a
  free port, against a copy of the session's corpus index (so uploads here do not change what
  other tests see) and a fresh data directory.
- Chromium is Debian's (/usr/bin/chromium), driven by Playwright through executable_path; no
  browser is downloaded. Tests are skipped with a one-line reason when it is not installed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from assistant.settings import Settings
from e2e_support import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, AppServer, start_app, stop_app


@pytest.fixture(scope="session")
def e2e_artifacts(artifacts_dir: Path) -> Path:
    out = artifacts_dir / "e2e"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def app_server(corpus_settings: Settings, tmp_path_factory: pytest.TempPathFactory,
               e2e_artifacts: Path) -> Iterator[AppServer]:
    base = tmp_path_factory.mktemp("e2e-app")
    index = base / "index"
    shutil.copytree(corpus_settings.index_dir, index)
    server = start_app(index, base / "data", e2e_artifacts / "server.log")
    yield server
    stop_app(server)
    if server.timings:
        path = e2e_artifacts / "timings.json"
        old = json.loads(path.read_text()) if path.is_file() else {}
        path.write_text(json.dumps({**old, **server.timings}, indent=1))


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
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
