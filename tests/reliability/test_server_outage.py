"""Chroma server mode: the server dies in the middle of a session (SIGKILL), then comes back on
the same port with the same data. The CLI says so in one line; a running app shows one
``st.error`` line; the same library process and the same app recover without a restart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from app_support import errors, free_port, open_page, use_settings

from assistant.answer import Assistant
from assistant.errors import IndexUnavailableError
from assistant.ingest import ingest
from assistant.retrieve import Retriever
from assistant.settings import PROJECT_ROOT, Settings

from .conftest import record
from .support import QUESTIONS, ChromaServer, child_env, one_line_error, write_marked_corpus

pytestmark = [pytest.mark.server, pytest.mark.slow]


def cli(s: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = child_env(ASSISTANT_INDEX_DIR=str(s.index_dir), ASSISTANT_DATA_DIR=str(s.data_dir),
                    ASSISTANT_SETTINGS_FILE=str(s.data_dir / "none.toml"),
                    ASSISTANT_CHROMA_HOST="127.0.0.1", ASSISTANT_CHROMA_PORT=str(s.chroma_port),
                    ASSISTANT_COLLECTION_PREFIX=s.collection_prefix)
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                          text=True, env=env, timeout=180, cwd=str(PROJECT_ROOT),
                          stdin=subprocess.DEVNULL)


def test_server_dies_mid_session_then_comes_back(tmp_path: Path, embedder, monkeypatch) -> None:
    port = free_port()
    srv = ChromaServer(tmp_path / "chroma-data", port).start()
    try:
        s = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data",
                     chroma_host="127.0.0.1", chroma_port=port, collection_prefix="outage")
        docs = write_marked_corpus(tmp_path / "docs", "aardvark")
        assert ingest(s, [docs], embedder=embedder).published

        # A library session (what the app holds in its resource cache) and an app session.
        assistant = Assistant(s, retriever=Retriever(s, embedder=embedder))
        assert not assistant.ask(QUESTIONS[0]).abstained
        use_settings(monkeypatch, s.index_dir, s.data_dir, chroma_host="127.0.0.1",
                     chroma_port=str(port), collection_prefix="outage")
        at = open_page("chat")
        assert not errors(at)
        at.chat_input(key="chat_question").set_value(QUESTIONS[1]).run()
        assert not errors(at) and len(at.chat_message) == 2
        assert cli(s, "ask", QUESTIONS[2], "--json").returncode == 0

        srv.kill()  # mid-session: no goodbye

        with pytest.raises(IndexUnavailableError) as err:
            assistant.ask(QUESTIONS[0])
        lib_msg = str(err.value)
        assert "\n" not in lib_msg and "cannot reach the Chroma server" in lib_msg
        assert f"chroma run --path DIR --port {port}" in lib_msg
        for args in (("ask", QUESTIONS[0]), ("search", "dataflow"), ("ask", QUESTIONS[0], "--json"),
                     ("ingest", str(docs)), ("info",)):
            line = one_line_error(cli(s, *args))
            assert "cannot reach the Chroma server at http://127.0.0.1:" in line, (args, line)
        at.chat_input(key="chat_question").set_value(QUESTIONS[3]).run()
        shown = errors(at)
        assert len(shown) == 1 and "cannot reach the Chroma server" in shown[0], shown
        assert "\n" not in shown[0] and "Traceback" not in shown[0]
        assert not at.exception

        srv.start()  # the same port, the same data directory

        # Recovery without a restart: the same objects, the same app session.
        answer = assistant.ask(QUESTIONS[0])
        assert answer.passages and not answer.abstained
        at.chat_input(key="chat_question").set_value(QUESTIONS[4]).run()
        assert not errors(at), errors(at)
        assert [m.name for m in at.chat_message][-2:] == ["user", "assistant"]
        proc = cli(s, "ask", QUESTIONS[5], "--json")
        assert proc.returncode == 0, proc.stderr
        record("server_outage", {"cli_commands_one_line_error": 5, "app_error_lines": 1,
                                 "recovered_without_restart": ["library", "app", "cli"]})
    finally:
        srv.kill()
