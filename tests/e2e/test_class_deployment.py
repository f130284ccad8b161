"""Deploying for a class (README): two app instances on two ports share one PostgreSQL server
(accounts and everything users make), one Chroma server (vectors) and one index directory,
with ``ASSISTANT_AUTH=required``. All real: PostgreSQL (tests/pgserver.py), ``chroma run``, two
``python -m assistant app`` processes, headless Chromium.

- a candidate's answer on instance A appears in her tutor's review on instance B, who marks it;
- a flashcard review made on B counts on A (the card is no longer due there);
- one ingest publishes a new generation once, and both instances answer from it without a
  restart.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e_support import AppServer, ask, shot, start_app, stop_app, wait_answer, wait_idle
from helpers import ChromaServer, free_port, write_markdown

from assistant.accounts import Accounts
from assistant.index import Index
from assistant.ingest import ingest
from assistant.settings import Settings
from assistant.store import Store
from assistant.study.storage import StudyStore

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.pg]

PW = "class deployment password"
SKEW = "What is training-serving skew?"
NEW_FACT = ("The Quillfeather batch window closes at 04:00 UTC, after which late feature rows "
            "wait for the next daily run.")
NEW_QUESTION = "When does the Quillfeather batch window close?"


@dataclass
class Deployment:
    a: AppServer
    b: AppServer
    settings: Settings  # what both instances run on (the database URL included)
    docs: Path
    embedder: Any

    def store(self) -> Store:
        return Store.from_settings(self.settings)


def _docs(root: Path) -> Path:
    write_markdown(root / "skew.md", "# Training-serving skew\n\n## What it is\n\nTraining-serving "
                   "skew is a difference between the feature values a model saw in training and "
                   "the values it receives when serving. Vertex AI Model Monitoring detects skew "
                   "by comparing serving inputs with the training data.\n",
                   meta={"domain": 6, "section": "6.2", "guide_version": "2026-06"})
    return root


@pytest.fixture(scope="module")
def deployment(postgres: Any, embedder: Any, tmp_path_factory: pytest.TempPathFactory,
               e2e_artifacts: Path) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("class")
    chroma = ChromaServer(base / "chroma", free_port()).start()
    url = str(postgres.create_database())
    try:
        s = Settings(index_dir=base / "index", data_dir=base / "data-ingest",
                     chroma_host="127.0.0.1", chroma_port=chroma.port, database_url=url)
        docs = _docs(base / "docs")
        report = ingest(s, [docs], embedder=embedder)
        assert report.published and not report.failed
        accounts = Accounts(Store.from_settings(s))
        for name, role in [("alice", "candidate"), ("tom", "tutor")]:
            accounts.add(name, role, PW)
        accounts.assign("tom", "alice")
        env = {"ASSISTANT_AUTH": "required", "ASSISTANT_DATABASE_URL": url,
               "ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT": str(chroma.port)}
        # Each instance has its own data directory (uploads, eval runs): the records users
        # make are in PostgreSQL, the index directory is the shared volume.
        a = start_app(s.index_dir, base / "data-a", e2e_artifacts / "class-a.log", **env)
        try:
            b = start_app(s.index_dir, base / "data-b", e2e_artifacts / "class-b.log", **env)
        except BaseException:
            stop_app(a)
            raise
        yield Deployment(a, b, s, docs, embedder)
        stop_app(b)
        stop_app(a)
    finally:
        chroma.stop()
        shutil.rmtree(base / "chroma", ignore_errors=True)


def _sign_in(page: Any, server: AppServer, name: str, path: str = "") -> None:
    page.goto(f"{server.url}/{path}")
    wait_idle(page)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(PW)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page)
    assert f"Signed in as {name}" in page.locator("body").inner_text()


def _open(page: Any, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    wait_idle(page)


def test_answer_on_a_is_reviewed_on_b(deployment: Deployment, new_page: Any,
                                      e2e_artifacts: Path) -> None:
    alice = new_page()
    _sign_in(alice, deployment.a, "alice")
    ask(alice, SKEW)
    assert "skew" in wait_answer(alice, 2).inner_text().lower()

    tom = new_page()
    _sign_in(tom, deployment.b, "tom")
    _open(tom, "Tutor review")
    body = tom.locator("body").inner_text()
    assert "asked by alice" in body and "training-serving skew" in body.lower()
    tom.get_by_role("button", name="Save verdict").click()
    tom.get_by_text("saved for answer").wait_for(timeout=30_000)
    shot(tom, e2e_artifacts, "class-tutor-on-b")
    store = deployment.store()
    (answer,) = store.answers("alice")
    assert [(v.reviewer, v.correct) for v in store.verdicts(answer.message_id)] == [("tom", True)]


def test_a_review_on_b_counts_on_a(deployment: Deployment, new_page: Any,
                                   e2e_artifacts: Path) -> None:
    # This small index yields no curated cards (their passages are not in it): alice's deck is
    # two cards of her own, written before either instance shows it.
    study = StudyStore(deployment.store())
    for n in (1, 2):
        study.add_own_card("alice", f"Own card {n}: what does Model Monitoring compare?",
                           "Serving inputs with the training data.", domain=6, section="6.2")
    on_a, on_b = new_page(), new_page()
    _sign_in(on_a, deployment.a, "alice")
    _sign_in(on_b, deployment.b, "alice")
    _open(on_a, "Flashcards")
    _open(on_b, "Flashcards")
    shot(on_a, e2e_artifacts, "class-flashcards-on-a")
    front = on_a.locator("h4").first.inner_text()
    assert on_b.locator("h4").first.inner_text() == front  # the same deck, the same first card
    on_b.get_by_role("button", name="Show answer").click()
    on_b.get_by_role("button", name="Good").click()
    on_b.get_by_text(re.compile(r"Rated Good: next review in")).wait_for()
    # Instance A reads the review from PostgreSQL: the card is no longer due there.
    _open(on_a, "Progress")
    _open(on_a, "Flashcards")
    assert on_a.locator("h4").first.inner_text() != front
    reviews = StudyStore(deployment.store()).reviews("alice")
    assert [r["rating"] for r in reviews] == [3]
    progress = StudyStore(deployment.store()).progress("alice")
    assert sum(p.cards_seen for p in progress) == 1


def test_one_ingest_is_served_by_both_instances_without_restart(deployment: Deployment,
                                                                 new_page: Any) -> None:
    before = Index(deployment.settings).snapshot().generation
    write_markdown(deployment.docs / "batch.md", f"# Batch windows\n\n## Quillfeather\n\n"
                   f"{NEW_FACT}\n", meta={"domain": 2, "section": "2.1",
                                          "guide_version": "2026-06"})
    report = ingest(deployment.settings, [deployment.docs], embedder=deployment.embedder)
    assert report.published and report.count("added") == 1
    assert Index(deployment.settings).snapshot().generation != before
    for server in (deployment.a, deployment.b):
        page = new_page()
        _sign_in(page, server, "alice")
        ask(page, NEW_QUESTION)
        assert "Quillfeather batch window closes at" in wait_answer(page, 2).inner_text()
