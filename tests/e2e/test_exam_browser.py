"""End to end in headless Chromium: a whole mock exam (start, answer, mark, reload in the middle
and see the same answers and time left, submit, per-domain report, a missed item with its
passage), and the exam-date plan. Screenshots go to test-artifacts/e2e/ (the README's copies
are docs/screenshot-exam-report.png and docs/screenshot-plan.png, committed by hand)."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import date, timedelta

import pytest
from e2e_support import AppServer, open_app, shot, wait_idle

pytestmark = pytest.mark.browser

USER = "e2e-exam"
LETTERS = "ABCDEFGH"


def _attempt(server: AppServer) -> tuple[str, list[dict], float]:
    with sqlite3.connect(server.settings.store_path) as db:
        aid, items, deadline = db.execute(
            "SELECT id, items_json, deadline FROM exam_attempts WHERE user = ? AND submitted IS "
            "NULL", (USER,)).fetchone()
    return aid, json.loads(items), deadline


def _responses(server: AppServer, aid: str) -> dict[int, tuple[list[int], bool]]:
    with sqlite3.connect(server.settings.store_path) as db:
        rows = db.execute("SELECT pos, chosen_json, marked FROM exam_responses WHERE "
                          "attempt_id = ?", (aid,)).fetchall()
    return {p: (json.loads(c or "[]"), bool(m)) for p, c, m in rows}


def _choose(page, item: dict, picks: list[int]) -> None:  # noqa: ANN001
    main = page.get_by_test_id("stMainBlockContainer")
    for j in picks:
        if item["multiple"]:
            main.get_by_test_id("stCheckbox").filter(
                has_text=re.compile(rf"^{LETTERS[j]}\. ")).first.click()
        else:
            main.get_by_test_id("stRadio").get_by_test_id("stRadioOption").nth(j).click()
        wait_idle(page)


def _time_left(page) -> int:  # noqa: ANN001
    text = page.frame_locator("iframe").first.locator("#t").inner_text()
    h, m, s = (int(x) for x in re.search(r"(\d+):(\d\d):(\d\d)", text).groups())
    return h * 3600 + m * 60 + s


def test_take_a_whole_mock_exam(app_server, new_page, e2e_artifacts):
    page = new_page()
    open_app(page, app_server, "exam", user=USER)
    page.get_by_role("button", name="Start a mock exam").click()
    page.get_by_text("Question 1 of").wait_for()
    wait_idle(page)
    aid, items, deadline = _attempt(app_server)
    assert 50 <= len(items) <= 60
    shot(page, e2e_artifacts, "exam-question")

    # Answer questions 1-6: 1-4 with the key, 5-6 with a wrong option; mark 2 and 5.
    wanted: dict[int, list[int]] = {}
    for pos in range(6):
        it = items[pos]
        keys = [j for j, o in enumerate(it["options"]) if o["correct"]]
        wrong = [j for j, o in enumerate(it["options"]) if not o["correct"]][:1]
        picks = keys if pos < 4 else wrong
        _choose(page, it, picks)
        wanted[pos] = sorted(picks)
        if pos in (1, 4):
            page.get_by_test_id("stCheckbox").filter(has_text="Mark for review").click()
            wait_idle(page)
        page.get_by_role("button", name="Next").click()
        page.get_by_text(f"Question {pos + 2} of").wait_for()
        wait_idle(page)
    stored = _responses(app_server, aid)
    assert {p: c for p, (c, _) in stored.items() if c} == wanted
    assert {p for p, (_, m) in stored.items() if m} == {1, 4}

    # Reload in the middle: the same question, answers, marks and time left.
    ends = page.get_by_text(re.compile(r"Ends at \d\d:\d\d:\d\d UTC")).inner_text()
    left = _time_left(page)
    page.reload()
    wait_idle(page)
    page.get_by_text("Question 7 of").wait_for()
    assert page.get_by_text(re.compile(r"Ends at \d\d:\d\d:\d\d UTC")).inner_text() == ends
    assert "6 of" in ends and "2 marked" in ends
    assert abs(_time_left(page) - left) <= 15
    assert abs(_time_left(page) - (deadline - time.time())) <= 15
    page.get_by_role("button", name="2", exact=True).click()
    page.get_by_text("Question 2 of").wait_for()
    wait_idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    mark = main.get_by_test_id("stCheckbox").filter(has_text="Mark for review")
    assert mark.locator("input").is_checked()
    if items[1]["multiple"]:
        for j in wanted[1]:
            box = main.get_by_test_id("stCheckbox").filter(
                has_text=re.compile(rf"^{LETTERS[j]}\. ")).first
            assert box.locator("input").is_checked()
    else:
        opt = main.get_by_test_id("stRadio").get_by_test_id("stRadioOption").nth(wanted[1][0])
        assert opt.locator("input").is_checked()

    # A second tab on the same attempt answers question 7; the first tab then shows it.
    other = new_page()
    other.goto(f"{app_server.url}/exam?user={USER}&q=7")
    wait_idle(other)
    other.get_by_text("Question 7 of").wait_for()
    assert other.get_by_text(re.compile(r"Ends at \d\d:\d\d:\d\d UTC")).inner_text().split(
        " · ")[0] == ends.split(" · ")[0]
    # A wrong option, so that the score below stays the four keyed answers.
    seventh = [next(j for j, o in enumerate(items[6]["options"]) if not o["correct"])]
    _choose(other, items[6], seventh)
    assert _responses(app_server, aid)[6][0] == seventh
    page.get_by_role("button", name="7", exact=True).click()
    page.get_by_text("Question 7 of").wait_for()
    wait_idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    if items[6]["multiple"]:
        box = main.get_by_test_id("stCheckbox").filter(
            has_text=re.compile(rf"^{LETTERS[seventh[0]]}\. ")).first
        assert box.locator("input").is_checked()
    else:
        opt = main.get_by_test_id("stRadio").get_by_test_id("stRadioOption").nth(seventh[0])
        assert opt.locator("input").is_checked()
    assert _responses(app_server, aid)[1][1]  # and the first tab's mark is still there

    # Submit, and see the report.
    page.get_by_role("button", name="Submit exam").click()
    page.get_by_role("button", name="Yes, submit").click()
    page.get_by_text(re.compile(r"Score: \d+ of \d+")).wait_for()
    wait_idle(page)
    score = page.get_by_text(re.compile(r"Score: \d+ of \d+")).inner_text()
    right = 4
    assert re.search(rf"Score: {right} of {len(items)}", score), score
    page.get_by_text("Per domain, against the exam weights").wait_for()
    page.locator("[data-testid='stVegaLiteChart'], .vega-embed").first.wait_for()
    shot(page, e2e_artifacts, "exam-report")
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.get_by_text("Per domain, against the exam weights").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(e2e_artifacts / "readme-exam-report.png"), full_page=False)

    # A missed item (question 5, answered wrong) with its rationales and passages.
    missed = page.get_by_test_id("stExpander").filter(has_text="Question 5: missed")
    missed.locator("summary").click()
    body = missed.get_by_test_id("stExpanderDetails")
    body.get_by_text("Passage:").first.wait_for()
    text = body.inner_text()
    key = next(o for o in items[4]["options"] if o["correct"])
    assert "Your answer:" in text and key["rationale"][:40] in text
    assert key["heading"] in text
    # The key's passage itself, as indexed (compared as words: the page renders it as text).
    from assistant.index import Index

    snap = Index(app_server.settings).snapshot()
    passage = snap.chunks[snap.by_id[key["chunk_id"]]].text

    def words(t: str) -> str:
        return " ".join(re.sub(r"[^a-z0-9]+", " ", t.lower()).split())

    assert words(" ".join(passage.split()[5:25]))[:80] in words(text)
    shot(page, e2e_artifacts, "exam-missed-item")
    with sqlite3.connect(app_server.settings.store_path) as db:
        assert db.execute("SELECT COUNT(*) FROM exam_attempts WHERE user = ? AND submitted IS "
                          "NOT NULL", (USER,)).fetchone()[0] == 1


def test_exam_date_plan(app_server, new_page, e2e_artifacts):
    page = new_page()
    open_app(page, app_server, "plan", user="e2e-plan")
    # The date field starts six weeks ahead (kept: AppTest covers dates in the past).
    exam = date.today() + timedelta(days=42)
    assert page.get_by_role("spinbutton", name="year, Exam date").inner_text() == str(exam.year)
    minutes = page.get_by_label("Minutes per day", exact=True)
    minutes.fill("0")
    minutes.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Save plan").click()
    page.get_by_text("minutes per day must be 5-480").wait_for()
    minutes.fill("45")
    minutes.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Save plan").click()
    page.get_by_text(f"On track: every subsection is covered and reviewed before "
                     f"{exam.isoformat()}").wait_for()
    page.get_by_role("heading", name="Today").wait_for()
    wait_idle(page)
    shot(page, e2e_artifacts, "plan")
    page.screenshot(path=str(e2e_artifacts / "readme-plan.png"), full_page=False)
    open_app(page, app_server, "progress", user="e2e-plan")
    page.get_by_role("heading", name="Exam day").wait_for()
    page.get_by_text("On track").wait_for()
