"""The app with ASSISTANT_AUTH=required, in AppTest: a stranger gets the sign-in form only,
each role its pages, a tutor only their candidates' answers, an admin the Users page; log-out
and session timeout."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import errors, open_page, use_settings
from streamlit.testing.v1 import AppTest

from assistant.accounts import SIGN_IN_FAILED, Accounts
from assistant.settings import Settings
from assistant.store import Store

PW = "a long enough password"


@pytest.fixture
def auth_settings(corpus_settings: Settings, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> Settings:
    s = use_settings(monkeypatch, corpus_settings.index_dir, tmp_path / "appdata",
                     auth="required", session_minutes="5")
    accounts = Accounts(Store(s.store_path))
    for name, role in [("alice", "candidate"), ("bob", "candidate"), ("tom", "tutor"),
                       ("tina", "tutor"), ("ada", "admin")]:
        accounts.add(name, role, PW)
    accounts.assign("tom", "alice")
    return s


def _texts(at: AppTest) -> str:
    return " ".join([*(m.value for m in at.markdown), *(t.value for t in at.title),
                     *(c.value for c in at.caption), *(i.value for i in at.info)])


def _sign_in(at: AppTest, name: str, password: str = PW) -> AppTest:
    at.text_input(key="auth_name").set_value(name)
    at.text_input(key="auth_password").set_value(password)
    next(b for b in at.button if b.label == "Sign in").click().run()
    return at


def _errors(at: AppTest) -> list[str]:
    """Error lines as shown (Markdown escapes removed)."""
    return [e.value.replace("\\", "") for e in at.error]


def _ask(at: AppTest, question: str) -> None:
    at.chat_input(key="chat_question").set_value(question).run()
    assert not errors(at)


def test_a_stranger_sees_only_the_sign_in_form(auth_settings: Settings) -> None:
    alice = Store(auth_settings.store_path)
    cid = alice.new_conversation("alice")
    alice.add_exchange(cid, "secret question of alice", {"answer": "secret answer",
                                                         "question": "secret question of alice"})
    at = open_page("tutor", query={"user": "alice"})
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert not at.chat_input and not at.selectbox and not at.sidebar.text_input
    assert "secret" not in _texts(at)
    for name in ("alice", "nobody"):
        _sign_in(at, name, "wrong password")
        assert _errors(at) == [SIGN_IN_FAILED]
        assert "secret" not in _texts(at) and not at.chat_input
        assert "Signed in" not in _texts(at)


def test_a_candidate_chats_and_gets_no_tutor_pages(auth_settings: Settings) -> None:
    at = open_page("tutor")
    _sign_in(at, "alice")
    assert not errors(at)
    # Tutor review is not among her pages: the landing page falls back to Chat.
    assert [t.value for t in at.title] == ["Ask about the PMLE exam"]
    assert "Signed in as **alice** (candidate)" in _texts(at)
    assert not at.sidebar.text_input  # no free-text study profile
    _ask(at, "What is training-serving skew?")
    answers = Store(auth_settings.store_path).answers()
    assert [a.user for a in answers] == ["alice"]
    # ?user= does not switch identity once signed in.
    at.query_params["user"] = "bob"
    at.run()
    assert "Signed in as **alice**" in _texts(at)
    for page in ("users", "documents", "evals", "class"):
        other = open_page(page)
        _sign_in(other, "alice")
        assert [t.value for t in other.title] == ["Ask about the PMLE exam"], page


def test_tutor_sees_only_assigned_candidates_and_marks(auth_settings: Settings) -> None:
    store = Store(auth_settings.store_path)
    for who in ("alice", "bob"):
        cid = store.new_conversation(who)
        store.add_exchange(cid, f"question of {who}", {"answer": f"answer of {who}",
                                                       "question": f"question of {who}"})
    at = open_page("tutor")
    _sign_in(at, "tom")
    assert not errors(at)
    assert [t.value for t in at.title] == ["Tutor review"]
    assert at.selectbox(key="tutor_user").options == ["Everyone", "alice"]
    alice_mid = next(a.message_id for a in store.answers("alice"))
    assert at.selectbox(key="tutor_pick").options == [f"· #{alice_mid} · alice · question of alice"]
    at.radio(key=f"tutor_correct_{alice_mid}").set_value("Correct")
    next(b for b in at.button if b.label == "Save verdict").click().run()
    assert not errors(at)
    assert [(v.reviewer, v.correct) for v in store.verdicts(alice_mid)] == [("tom", True)]

    other = open_page("tutor")
    _sign_in(other, "tina")
    assert "question of" not in _texts(other)
    assert any("No answers to show" in i.value for i in other.info)

    cls = open_page("class")
    _sign_in(cls, "tom")
    assert not errors(cls)
    table = cls.dataframe[0].value
    assert list(table["candidate"]) == ["alice"]
    assert int(table["answers asked"][0]) == 1 and int(table["reviewed"][0]) == 1


def test_admin_manages_users_in_the_app(auth_settings: Settings) -> None:
    at = open_page("users")
    _sign_in(at, "ada")
    assert [t.value for t in at.title] == ["Users"]
    at.text_input(key=next(t.key for t in at.text_input if t.label == "User name")) \
        .set_value("carl")
    next(t for t in at.text_input if t.label == "Password").set_value("carl's password")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not errors(at)
    accounts = Accounts(Store(auth_settings.store_path))
    assert accounts.get("carl").role == "candidate"
    # Bad input: one line, nothing changed.
    next(t for t in at.text_input if t.label == "User name").set_value("carl")
    next(t for t in at.text_input if t.label == "Password").set_value("whatever long")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert _errors(at) == [
        "a user named 'carl' already exists; pick another name or change that user with "
        "'assistant users set-role'"]
    assert len(accounts.all()) == 6


def test_log_out_and_session_timeout(auth_settings: Settings) -> None:
    at = open_page("chat")
    _sign_in(at, "alice")
    assert at.chat_input
    next(b for b in at.sidebar.button if b.label == "Log out").click().run()
    assert not at.chat_input and at.text_input(key="auth_name")
    assert any("signed out" in i.value for i in at.info)
    store = Store(auth_settings.store_path)
    assert store.query("SELECT COUNT(*) FROM auth_sessions")[0][0] == 0

    _sign_in(at, "alice")
    assert at.chat_input
    with store.transaction() as db:  # five idle minutes later
        db.execute("UPDATE auth_sessions SET expires = expires - 301")
    at.run()
    assert not at.chat_input
    assert any("session ended" in i.value for i in at.info)
