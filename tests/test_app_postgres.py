"""The app with its user data in a real PostgreSQL server (ASSISTANT_DATABASE_URL): answers are
saved there; with the server down a question gets one error line; once it is back the same app
process saves again (no restart). ``assistant app`` refuses a bad URL in one line."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import app_settings, errors, open_page, use_settings  # noqa: F401

from assistant.settings import Settings
from assistant.store import Store

pytestmark = pytest.mark.pg

SKEW = "What is training-serving skew?"


def test_chat_saves_to_postgres_and_survives_a_server_restart(
        app_settings: Settings, postgres: Any, pg_url: str,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    use_settings(monkeypatch, app_settings.index_dir, app_settings.data_dir, database_url=pg_url)
    at = open_page("chat")
    assert not errors(at)
    at.chat_input(key="chat_question").set_value(SKEW).run()
    assert not errors(at)
    store = Store(pg_url)
    assert [a.question for a in store.answers("default")] == [SKEW]
    assert not app_settings.store_path.exists()  # nothing went to the SQLite file

    postgres.stop("fast")
    try:
        at.chat_input(key="chat_question").set_value("How is it detected?").run(timeout=120)
        shown = errors(at)
    finally:
        postgres.start()
    assert len(shown) == 1 and "\n" not in shown[0], shown
    line = shown[0].replace("\\", "").replace("\u2060", "")  # the page escapes Markdown
    assert "unreachable" in line and "not saved" in line and "ASSISTANT_DATABASE_URL" in line
    assert "pw-for-tests" not in line

    at.run(timeout=120)  # the next interaction, the same app process
    assert not errors(at)
    at.chat_input(key="chat_question").set_value("What is data drift?").run(timeout=120)
    assert not errors(at)
    assert "What is data drift?" in [a.question for a in store.answers("default")]


def test_assistant_app_refuses_a_bad_database_url(postgres: Any, pg_url: str,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from pgserver import PASSWORD

    from assistant.cli import main
    from assistant.settings import get_settings

    monkeypatch.setenv("ASSISTANT_DATABASE_URL", pg_url.replace(PASSWORD, "wrong"))
    get_settings.cache_clear()
    assert main(["app", "--port", "8599"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "refused the password" in err, err
    assert "wrong" not in err.split("ASSISTANT_DATABASE_URL")[0].split("for ")[0]
