"""In headless Chromium: paste a practice question with its options into the chat and see the
option table (letter, text, verdict, reason) with its cited passages; save it to the practice
history and find it in the store."""

from __future__ import annotations

import re
import sqlite3

import pytest
from e2e_support import ask, open_app, shot, wait_idle
from test_coach import ROLLOUT, ROLLOUT_OPTIONS

from assistant.answer.options import pasted_form

pytestmark = pytest.mark.browser

# The same rollout question the library tests decide (tests/test_coach.py).
STEM, OPTIONS = ROLLOUT, ROLLOUT_OPTIONS


def test_paste_question_and_see_option_table_with_citations(app_server, new_page,
                                                            e2e_artifacts):
    page = new_page()
    open_app(page, app_server, user="e2e-coach")
    ask(page, pasted_form(STEM, OPTIONS))
    answer = page.get_by_test_id("stChatMessage").nth(1)
    table = answer.locator("table")
    table.wait_for(state="visible", timeout=120_000)
    wait_idle(page)
    head = table.locator("th").all_inner_texts()
    assert head == ["Option", "Text", "Verdict", "Reason"], head
    rows = table.locator("tbody tr")
    assert rows.count() == 4
    for i, letter in enumerate("ABCD"):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert cells[0] == letter and cells[1] == OPTIONS[i]
        assert cells[2] and "[" in cells[3]  # a verdict, and a reason citing a passage
    assert "Recommended: B" in answer.inner_text()
    expanders = answer.get_by_test_id("stExpander")
    assert expanders.count() >= 1
    first = expanders.first
    assert re.search(r"\[\d+\] ", first.locator("summary").inner_text())
    first.locator("summary").click()
    first.locator(".stMarkdownColoredBackground").first.wait_for(state="visible")
    shot(page, e2e_artifacts, "chat-coach")

    page.get_by_role("button", name="Save to practice history").click()
    page.get_by_text("Saved to your practice history.").first.wait_for()
    with sqlite3.connect(app_server.settings.store_path) as db:
        rows = db.execute("SELECT user, choice_json FROM practice_history").fetchall()
    assert rows == [("e2e-coach", '["B"]')]
