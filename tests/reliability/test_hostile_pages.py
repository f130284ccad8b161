"""Documents are data, never code or markup: the real app (``assistant app``, started the way
users start it) in a real headless Chromium, over an index built only from hostile documents
(Markdown, a saved HTML page and plain text full of ``<script>``, ``onerror=``, ``javascript:``
links, images, iframes and Streamlit's own Markdown directives), plus a hostile question and an
upload with a hostile file name. Every page is visited; on each, no injected element exists in
the DOM, no handler ran (each payload would set ``window.__zebra_owned`` or open a dialog), and
where the page shows the document's text, the markup shows as typed.

Also here: the server the user starts listens on localhost only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_support import HOSTILE_DOC, write_doc
from e2e_support import (
    AppServer,
    ask,
    listening_addresses,
    open_app,
    run_eval_page,
    shot,
    start_app,
    stop_app,
    wait_answer,
    wait_idle,
)

from assistant.ingest import ingest
from assistant.settings import Settings

from .conftest import record

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every payload, if it ever became live, would leave a trace a test can see: an element with a
# "zebra-injected" id or class, a set ``window.__zebra_owned``, or a dialog.
OWN = "window.__zebra_owned=1"

HOSTILE_HTML = f"""<!doctype html>
<html><head><title>Okapi checklist <script>{OWN}</script></title>
<style>body {{ display: none }}</style>
<script>{OWN}; alert('head')</script></head>
<body>
<nav>Site menu</nav>
<main>
<h1>The okapi checklist</h1>
<h2>Okapi rollout steps</h2>
<p>The okapi checklist requires a canary endpoint before every rollout of an okapi model.
&lt;script&gt;{OWN}&lt;/script&gt; is how the okapi page spells a script tag.
&lt;img id="zebra-injected-h1" src=x onerror="{OWN}"&gt; must stay text too.</p>
<p>The okapi checklist links [okapi docs](javascript:{OWN}) and
&lt;a href="javascript:{OWN}" class="zebra-injected"&gt;okapi click&lt;/a&gt; in the okapi notes.</p>
<p onclick="{OWN}">The okapi checklist also says &lt;iframe class="zebra-injected"
src="javascript:{OWN}"&gt;&lt;/iframe&gt; and &lt;svg onload="{OWN}"
class="zebra-injected"&gt; are okapi trouble.</p>
</main></body></html>
"""

HOSTILE_TXT = f"""Narwhal runbook

The narwhal runbook checks the narwhal feature store every morning before training.
<b id="zebra-injected-t1">narwhal bold</b> <img id="zebra-injected-t2" src=x onerror="{OWN}">
A narwhal note may say :red[narwhal alert] or :material/warning: or $$\\narwhal$$ or
<details open id="zebra-injected-t3">narwhal</details> or [narwhal](javascript:{OWN}).

# narwhal heading <span class="zebra-injected">inside</span>

The narwhal runbook ends with <style>*{{display:none}}</style> and a narwhal signature.
"""

HOSTILE_QUESTION = ('What does the narwhal runbook check <img class="zebra-injected" src=x '
                    f'onerror="{OWN}"> **every** [morning](javascript:{OWN})?')

INJECTED = ("[id^='zebra-injected'], .zebra-injected, script, iframe, "
            "img[src='x'], img[src*='pixel'], a[href^='javascript'], svg[onload], [onerror], "
            "[onclick], details#zebra-injected-t3")


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory, embedder: Any,
                e2e_artifacts: Path) -> Iterator[AppServer]:
    base = tmp_path_factory.mktemp("hostile-app")
    corpus = base / "corpus"
    write_doc(corpus, "zebra.md", HOSTILE_DOC)
    write_doc(corpus, "okapi.html", HOSTILE_HTML)
    write_doc(corpus, "narwhal.txt", HOSTILE_TXT)
    s = Settings(index_dir=base / "index", data_dir=base / "data", corpus_dir=corpus)
    report = ingest(s, embedder=embedder)
    assert not report.failed and report.chunks_total >= 3, report.to_json()
    server = start_app(s.index_dir, s.data_dir, e2e_artifacts / "hostile-server.log",
                       ASSISTANT_CORPUS_DIR=str(corpus))
    yield server
    stop_app(server)


def watch(page: Any) -> list[str]:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return dialogs


def expand_all(page: Any) -> None:
    for exp in page.get_by_test_id("stExpander").all():
        details = exp.locator("details")
        if details.count() and details.first.get_attribute("open") is None:
            exp.locator("summary").first.click()
    wait_idle(page)


def assert_inert(page: Any, dialogs: list[str], where: str) -> str:
    """Nothing from a document became an element or ran; returns the page's visible text."""
    page.wait_for_timeout(300)  # an onerror fires as soon as the image fails: give it time
    app = page.locator("[data-testid='stApp']")
    found = app.locator(INJECTED)
    assert found.count() == 0, (where, [found.nth(i).evaluate("e => e.outerHTML")
                                        for i in range(min(3, found.count()))])
    assert page.evaluate("window.__zebra_owned === undefined"), where
    assert dialogs == [], (where, dialogs)
    # (Invisible word joiners keep "javascript:" and "http://" from being auto-linked.)
    return app.inner_text().replace("\u2060", "")


def test_hostile_documents_stay_text_on_every_page(hostile_app: AppServer, new_page: Any,
                                                   e2e_artifacts: Path, tmp_path: Path) -> None:
    page = new_page()
    dialogs = watch(page)
    checked: list[str] = []

    # Chat: three answers built from the three hostile files, then a hostile question.
    open_app(page, hostile_app, "", user="hostile")
    questions = ("What does the quarantine zebra protocol flag?",
                 "What does the okapi checklist require before every rollout?",
                 HOSTILE_QUESTION)
    for i, q in enumerate(questions, start=1):
        ask(page, q)
        wait_answer(page, 2 * i)
    expand_all(page)
    text = assert_inert(page, dialogs, "chat")
    checked.append("chat")
    assert "<script>alert('owned')</script>" in text  # the Markdown document, as typed
    assert "[the zebra report](javascript:alert(1))" in text
    assert "&lt;script&gt;" in text or "<script>" + OWN in text  # the HTML page's text
    assert '<img class="zebra-injected"' in text  # the question, as typed
    assert "**every**" in text
    shot(page, e2e_artifacts, "hostile-chat")

    # Tutor review: each saved answer with its question and passages.
    open_app(page, hostile_app, "tutor", user="hostile-tutor")
    page.get_by_role("heading", name="Tutor review").wait_for()
    expand_all(page)
    text = assert_inert(page, dialogs, "tutor")
    assert "narwhal" in text.lower()
    page.get_by_label("Comment").fill(f"<img class='zebra-injected' src=x onerror='{OWN}'>")
    page.get_by_role("button", name="Save verdict").click()
    page.get_by_text(re.compile(r"Verdict #\d+ saved")).wait_for()
    wait_idle(page)
    assert_inert(page, dialogs, "tutor after a hostile comment")
    checked.append("tutor")
    shot(page, e2e_artifacts, "hostile-tutor")

    # Flashcards from the hostile passages: front, then the answer and its quote.
    open_app(page, hostile_app, "flashcards", user="hostile")
    show = page.get_by_role("button", name="Show answer")
    if show.count():
        show.click()
        wait_idle(page)
    expand_all(page)
    assert_inert(page, dialogs, "flashcards")
    checked.append("flashcards")
    shot(page, e2e_artifacts, "hostile-flashcards")

    for name in ("quiz", "progress"):
        open_app(page, hostile_app, name, user="hostile")
        if name == "quiz":
            page.get_by_role("button", name="New quiz").click()
            wait_idle(page)
            expand_all(page)
        assert_inert(page, dialogs, name)
        checked.append(name)

    # Evals: the shipped set's first cases on this index fail, and the failed-case list shows
    # what was retrieved (the hostile passages).
    run_eval_page(page, hostile_app, 3, user="hostile")
    expand_all(page)
    assert_inert(page, dialogs, "evals")
    checked.append("evals")
    shot(page, e2e_artifacts, "hostile-evals")

    # Documents: upload a file whose name is markup; it is stored under a safe name and
    # listed as text.
    open_app(page, hostile_app, "documents", user="hostile")
    evil = tmp_path / f"<img class=zebra-injected src=x onerror={OWN.replace('=', '_')}>.md"
    evil.write_text("# Upload\n\nThe tapir upload note mentions <script>alert(9)</script>.\n",
                    encoding="utf-8")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(evil))
    wait_idle(page)
    page.get_by_role("button", name="Add to the index").click()
    page.get_by_text(re.compile(r"published g\d+: ")).wait_for(timeout=120_000)
    wait_idle(page)
    expand_all(page)
    assert_inert(page, dialogs, "documents")
    checked.append("documents")
    stored = [p.name for p in hostile_app.settings.uploads_dir.iterdir()]
    assert len(stored) == 1 and "<" not in stored[0] and "/" not in stored[0], stored
    shot(page, e2e_artifacts, "hostile-documents")

    record("documents_as_data", {"pages_checked": checked, "hostile_documents": 4,
                                 "hostile_questions": 1, "injected_elements": 0,
                                 "dialogs": len(dialogs)})


def test_the_app_listens_on_localhost_only(hostile_app: AppServer) -> None:
    """Started as users start it, with no host given: loopback only."""
    addrs = listening_addresses(hostile_app.port)
    assert addrs and addrs <= {"127.0.0.1"}, addrs
    record("network", {"app_listens_on": sorted(addrs)})
