"""First start on a fresh machine: no index. The page shows a progress bar while the shipped
corpus is indexed, then answers. Measures page load -> first answer (no embedding cache)."""

from __future__ import annotations

import json
import re
import time

import pytest
from e2e_support import start_app, stop_app
from test_browser import SKEW, ask, shot, wait_answer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_cold_start_builds_index_with_progress_then_answers(tmp_path, new_page, e2e_artifacts):
    from assistant.index import Index

    server = start_app(tmp_path / "index", tmp_path / "data", e2e_artifacts / "server-cold.log")
    try:
        assert not Index(server.settings).exists()
        page = new_page()
        t0 = time.monotonic()
        page.goto(f"{server.url}/?user=cold")
        bar = page.get_by_test_id("stProgress")
        bar.wait_for(state="visible", timeout=120_000)
        page.get_by_text("First start: building the search index").wait_for()
        page.get_by_text(re.compile(r"embedded \d+ of \d+ new chunks")).wait_for(timeout=120_000)
        shot(page, e2e_artifacts, "first-start-progress")
        # The chat input appears once the index is built. How long that takes depends on the
        # host (about 20 s on one 2-core machine, over 3 minutes on a slower one with the same
        # packages): the build time is measured by `assistant bench`, not asserted here.
        page.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=600_000)
        ask(page, SKEW)
        t_ready = time.monotonic() - t0
        wait_answer(page, 2, timeout=120)
        elapsed = time.monotonic() - t0
        shot(page, e2e_artifacts, "first-start-answer")
        assert Index(server.settings).exists()
        path = e2e_artifacts / "timings.json"
        old = json.loads(path.read_text()) if path.is_file() else {}
        path.write_text(json.dumps({**old, "cold_start_index_ready_s": round(t_ready, 2),
                                    "cold_start_first_answer_s": round(elapsed, 2)}, indent=1))
        # A reload (a new session) does not index again.
        gen = Index(server.settings).current_generation()
        page.reload()
        page.get_by_test_id("stChatInputTextArea").wait_for()
        assert Index(server.settings).current_generation() == gen
    finally:
        stop_app(server)
