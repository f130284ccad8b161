"""End to end in headless Chromium: ask and see cited passages, rate a flashcard, every page
renders (screenshots in test-artifacts/e2e/), two sessions stay apart, document markup stays
text, and the time from page load to the first answer is measured."""

from __future__ import annotations

import re
import sqlite3
import time

import pytest
from app_support import HOSTILE_DOC
from e2e_support import (
    AppServer,
    ask,
    listening_addresses,
    open_app,
    run_eval_page,
    shot,
    wait_answer,
    wait_idle,
)

pytestmark = pytest.mark.browser

FIRST_ANSWER_BUDGET_S = 15.0
SKEW = "What is training-serving skew?"


def study_db(server: AppServer) -> sqlite3.Connection:
    return sqlite3.connect(server.settings.store_path)


# --- tests -------------------------------------------------------------------------------


def test_server_is_local_only(app_server):
    addrs = listening_addresses(app_server.port)
    assert addrs and addrs <= {"127.0.0.1"}, addrs


def test_ask_question_and_see_cited_passage(app_server, new_page, e2e_artifacts):
    """First test against a freshly started server: includes loading the model."""
    page = new_page()
    t0 = time.monotonic()
    page.goto(f"{app_server.url}/?user=e2e-chat")
    ask(page, SKEW)  # waits until the chat input is there (the model and index are loaded)
    answer = wait_answer(page, 2)
    elapsed = time.monotonic() - t0
    app_server.timings["first_answer_s_existing_index"] = round(elapsed, 2)
    app_server.timings["first_answer_s_since_server_start"] = round(
        time.monotonic() - app_server.started, 2)

    text = answer.inner_text()
    assert "skew" in text.lower() and "[1]" in text
    first = answer.get_by_test_id("stExpander").first
    assert "[1] " in first.locator("summary").inner_text()
    first.locator("summary").click()
    highlight = first.locator(".stMarkdownColoredBackground")
    highlight.first.wait_for(state="visible")
    assert len(highlight.first.inner_text()) > 20  # the cited sentence, highlighted
    assert "Source:" in first.inner_text()
    wait_idle(page)
    shot(page, e2e_artifacts, "chat")
    # The README picture: the question, the answer and its first cited passage, opened. It goes
    # to the artifacts; docs/screenshot-chat.png is a copy of it committed by hand, so a test
    # run never modifies tracked files.
    page.get_by_test_id("stChatMessage").first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(e2e_artifacts / "readme-chat.png"), full_page=False)
    assert elapsed < FIRST_ANSWER_BUDGET_S, f"first answer took {elapsed:.1f}s"


def test_structured_answer_shows_lead_points_and_cited_passages(app_server, new_page,
                                                                e2e_artifacts):
    """Issue 14: the lead in bold, the supporting points as a list, then the cited passages."""
    page = new_page()
    page.goto(f"{app_server.url}/?user=e2e-shape")
    ask(page, "My team has 2 TB of tabular data in BigQuery and no ML engineers. They need a "
              "churn model quickly. What should they use?")
    answer = wait_answer(page, 2)
    lead = answer.locator("strong").first
    assert lead.inner_text().startswith("Choose BigQuery ML"), lead.inner_text()
    points = answer.locator("li")
    assert 1 <= points.count() <= 4
    assert all(re.search(r"\[\d\]", points.nth(i).inner_text()) for i in range(points.count()))
    expanders = answer.get_by_test_id("stExpander")
    assert expanders.count() >= 1
    first = expanders.first
    assert re.search(r"\[\d\] ", first.locator("summary").inner_text())
    first.locator("summary").click()
    first.locator(".stMarkdownColoredBackground").first.wait_for(state="visible")
    wait_idle(page)
    shot(page, e2e_artifacts, "chat-structured-answer")


def test_open_flashcard_and_rate_it(app_server, new_page, e2e_artifacts):
    page = new_page()
    open_app(page, app_server, "flashcards", user="e2e-cards")
    front = page.locator("h4").first.inner_text()
    page.get_by_role("button", name="Show answer").click()
    page.get_by_role("button", name="Good").wait_for(state="visible")
    assert "Answer:" in page.get_by_test_id("stMainBlockContainer").inner_text()
    shot(page, e2e_artifacts, "flashcards-flipped")
    page.get_by_role("button", name="Good").click()
    page.get_by_text(re.compile(r"Rated Good: next review in")).wait_for()
    wait_idle(page)
    shot(page, e2e_artifacts, "flashcards")
    with study_db(app_server) as db:
        rows = db.execute("SELECT user, rating FROM study_reviews").fetchall()
    assert rows == [("e2e-cards", 3)]
    # The next card is shown (the rated one is not due any more).
    assert page.locator("h4").first.inner_text() != front


def test_every_page_renders(app_server, new_page, e2e_artifacts):
    page = new_page()
    open_app(page, app_server, "quiz", user="e2e-pages")
    page.get_by_role("button", name="New quiz").click()
    page.get_by_role("button", name="Submit answers").wait_for()
    # The questions' radios are inside the form (the source picker above it is one too);
    # multiple-select items have checkboxes instead, so three radios are three questions.
    radios = page.get_by_test_id("stForm").get_by_test_id("stRadio")
    radios.nth(2).get_by_test_id("stRadioOption").first.wait_for()
    for i in range(3):
        radios.nth(i).get_by_test_id("stRadioOption").first.click()
    page.get_by_role("button", name="Submit answers").click()
    page.get_by_text(re.compile(r"Score: \d+ of \d+")).wait_for()
    wait_idle(page)
    shot(page, e2e_artifacts, "quiz")
    with study_db(app_server) as db:
        assert db.execute("SELECT COUNT(*) FROM quiz_answers WHERE user = 'e2e-pages'"
                          ).fetchone()[0] == 3

    open_app(page, app_server, "progress", user="e2e-pages")
    page.get_by_text("Study next:").wait_for()
    page.locator("[data-testid='stVegaLiteChart'], .vega-embed").first.wait_for()
    shot(page, e2e_artifacts, "progress")

    open_app(page, app_server, "tutor", user="e2e-tutor")
    page.get_by_role("heading", name="Tutor review").wait_for()
    shot(page, e2e_artifacts, "tutor")

    run_eval_page(page, app_server, 6, user="e2e-pages")
    shot(page, e2e_artifacts, "evals")

    open_app(page, app_server, "documents", user="e2e-pages")
    page.get_by_text("Per exam domain").wait_for()
    shot(page, e2e_artifacts, "documents")


def test_tutor_marks_an_answer(app_server, new_page, e2e_artifacts):
    page = new_page()
    open_app(page, app_server, "", user="e2e-student")
    ask(page, "When should I use a TPU instead of a GPU?")
    wait_answer(page, 2)
    open_app(page, app_server, "tutor", user="e2e-tutor")
    page.get_by_text("Incorrect", exact=True).click()
    page.get_by_label("Comment").fill("cites the wrong passage")
    page.get_by_role("button", name="Save verdict").click()
    page.get_by_text(re.compile(r"Verdict #\d+ saved")).wait_for()
    shot(page, e2e_artifacts, "tutor-saved")
    with study_db(app_server) as db:
        rows = db.execute("SELECT reviewer, correct, comment FROM verdicts").fetchall()
    assert ("e2e-tutor", 0, "cites the wrong passage") in rows


def test_two_sessions_keep_separate_conversations_and_reviews(app_server, new_page):
    alice, bob = new_page(), new_page()
    open_app(alice, app_server, "", user="alice")
    open_app(bob, app_server, "", user="bob")
    # Both ask at once.
    ask(alice, SKEW)
    ask(bob, "Which hardware should I use to train a large model?")
    wait_answer(alice, 2)
    wait_answer(bob, 2)
    a_text = alice.get_by_test_id("stMainBlockContainer").inner_text()
    b_text = bob.get_by_test_id("stMainBlockContainer").inner_text()
    assert SKEW in a_text and SKEW not in b_text
    assert "Which hardware" in b_text and "Which hardware" not in a_text

    # Alice rates her first card; Bob's deck is untouched.
    open_app(alice, app_server, "flashcards", user="alice")
    open_app(bob, app_server, "flashcards", user="bob")
    first_front = bob.locator("h4").first.inner_text()
    alice.get_by_role("button", name="Show answer").click()
    alice.get_by_role("button", name="Easy").click()
    alice.get_by_text(re.compile(r"Rated Easy")).wait_for()
    bob.reload()
    wait_idle(bob)
    assert bob.locator("h4").first.inner_text() == first_front  # still due for bob
    with study_db(app_server) as db:
        users = {u for (u,) in db.execute("SELECT user FROM study_reviews")}
        convs = dict(db.execute("SELECT user, COUNT(*) FROM conversations "
                                "WHERE user IN ('alice', 'bob') GROUP BY user").fetchall())
    assert "alice" in users and "bob" not in users
    assert convs == {"alice": 1, "bob": 1}


def test_uploaded_document_markup_shows_as_text(app_server, new_page, e2e_artifacts, tmp_path):
    """Runs last: it adds a document to this server's (private) index."""
    dialogs: list[str] = []
    page = new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_app(page, app_server, "documents", user="e2e-upload")
    doc = tmp_path / "zebra notes.md"
    doc.write_text(HOSTILE_DOC, encoding="utf-8")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(doc))
    page.get_by_text("zebra notes.md").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="Add to the index").click()
    page.get_by_text(re.compile(r"published g\d+: ")).wait_for(timeout=120_000)
    wait_idle(page)

    open_app(page, app_server, "", user="e2e-upload")
    ask(page, "What does the quarantine zebra protocol flag?")
    answer = wait_answer(page, 2)
    for exp in answer.get_by_test_id("stExpander").all():
        exp.locator("summary").click()
    wait_idle(page)
    main = page.get_by_test_id("stMainBlockContainer")
    # (Invisible word joiners keep "javascript:" and "http://" from being auto-linked.)
    text = main.inner_text().replace("\u2060", "")
    assert "<script>alert('owned')</script>" in text  # shown, as text
    assert "[the zebra report](javascript:alert(1))" in text
    assert "![zebra pixel](http://127.0.0.1:9/pixel.png)" in text
    assert "<img src=x onerror=alert(2)>" in text
    # ...and nothing of it became markup.
    assert main.locator("script").count() == 0
    assert main.locator("img[src='x'], img[src*='pixel']").count() == 0
    assert main.locator("a[href^='javascript']").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
    shot(page, e2e_artifacts, "chat-hostile-document")
