"""Accounts in a real browser (ASSISTANT_AUTH=required): two app instances on two ports share
one data directory (one store). A stranger sees only the sign-in form; a candidate signs in on
instance A, chats and has no tutor pages; her assigned tutor, signed in on instance B, sees that
answer and marks it; a tutor she is not assigned to does not see it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import AppServer, ask, shot, start_app, stop_app, wait_answer, wait_idle

from assistant.accounts import Accounts
from assistant.settings import Settings
from assistant.store import Store

pytestmark = pytest.mark.browser

PW = "classroom password"
SKEW = "What is training-serving skew?"
SECRET = "zebra-secret question of bob"


@pytest.fixture(scope="module")
def two_instances(corpus_settings: Settings, tmp_path_factory: pytest.TempPathFactory,
                  e2e_artifacts: Path) -> Iterator[tuple[AppServer, AppServer]]:
    base = tmp_path_factory.mktemp("e2e-auth")
    index, data = base / "index", base / "data"
    shutil.copytree(corpus_settings.index_dir, index)
    store = Store(Settings(index_dir=index, data_dir=data).store_path)
    accounts = Accounts(store)
    for name, role in [("alice", "candidate"), ("bob", "candidate"), ("tom", "tutor"),
                       ("tina", "tutor")]:
        accounts.add(name, role, PW)
    accounts.assign("tom", "alice")
    cid = store.new_conversation("bob")
    store.add_exchange(cid, SECRET, {"answer": "bob's answer", "question": SECRET})
    env = {"ASSISTANT_AUTH": "required"}
    a = start_app(index, data, e2e_artifacts / "auth-server-a.log", **env)
    try:
        b = start_app(index, data, e2e_artifacts / "auth-server-b.log", **env)
    except BaseException:
        stop_app(a)
        raise
    yield a, b
    stop_app(b)
    stop_app(a)


def _sign_in(page: Any, server: AppServer, name: str, password: str = PW) -> None:
    page.goto(server.url)
    wait_idle(page)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page)


def _nav(page: Any) -> str:
    nav = page.get_by_test_id("stSidebarNav")
    return nav.inner_text() if nav.count() else ""


def test_a_stranger_sees_only_the_sign_in_form(two_instances, new_page, e2e_artifacts):
    a, _ = two_instances
    page = new_page()
    page.goto(f"{a.url}/tutor?user=bob")
    wait_idle(page)
    assert page.get_by_label("User name").is_visible()
    assert page.get_by_test_id("stChatInputTextArea").count() == 0
    assert _nav(page) == ""
    _sign_in(page, a, "bob", "not the password")
    body = page.locator("body").inner_text()
    assert "wrong user name or password" in body
    assert SECRET not in body and "Signed in" not in body and _nav(page) == ""
    shot(page, e2e_artifacts, "auth-stranger")


def test_candidate_chats_tutor_on_the_second_instance_marks_it(two_instances, new_page,
                                                                e2e_artifacts):
    a, b = two_instances
    page = new_page()
    _sign_in(page, a, "alice")
    assert "Signed in as alice (candidate)" in page.locator("body").inner_text()
    nav = _nav(page)
    assert "Chat" in nav and "Flashcards" in nav
    assert not any(p in nav for p in ("Tutor review", "Class", "Users", "Documents", "Evals"))
    ask(page, SKEW)
    assert "skew" in wait_answer(page, 2).inner_text().lower()
    assert SECRET not in page.locator("body").inner_text()
    shot(page, e2e_artifacts, "auth-candidate")

    tutor = new_page()
    _sign_in(tutor, b, "tom")
    tutor.get_by_test_id("stSidebarNav").get_by_text("Tutor review").click()
    wait_idle(tutor)
    body = tutor.locator("body").inner_text()
    assert "training-serving skew" in body and "asked by alice" in body
    assert SECRET not in body
    tutor.get_by_role("button", name="Save verdict").click()
    tutor.get_by_text("saved for answer").wait_for(timeout=30_000)
    shot(tutor, e2e_artifacts, "auth-tutor")
    store = Store(a.settings.store_path)
    (answer,) = store.answers("alice")
    assert [(v.reviewer, v.correct) for v in store.verdicts(answer.message_id)] == [("tom", True)]

    other = new_page()
    _sign_in(other, b, "tina")
    other.get_by_test_id("stSidebarNav").get_by_text("Tutor review").click()
    wait_idle(other)
    body = other.locator("body").inner_text()
    assert "No answers to show" in body
    assert "skew" not in body.lower() and SECRET not in body
