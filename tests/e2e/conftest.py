"""Browser tests: the real app (``assistant app``) in a real headless Chromium.

- The server is started the way users start it (``python -m assistant app --port N``), on a
  free port, against a copy of the session's corpus index (so uploads here do not change what
  other tests see) and a fresh data directory.
- Chromium is Debian's (/usr/bin/chromium), driven by Playwright through executable_path; no
  browser is downloaded. Tests are skipped with a one-line reason when it is not installed.
- The browser fixtures (``chromium``, ``new_page``, ``e2e_artifacts``) live in tests/conftest.py:
  Playwright's sync API allows one instance per thread, and tests/reliability drives the same
  browser.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import AppServer, start_app, stop_app

from assistant.settings import Settings


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
