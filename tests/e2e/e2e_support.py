"""Helpers of the browser tests: start and stop the real app server (``python -m assistant
app``), and read which addresses it listens on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app_support import free_port

from assistant.settings import PROJECT_ROOT, Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1280, "height": 900}


@dataclass
class AppServer:
    url: str
    port: int
    settings: Settings
    proc: subprocess.Popen[bytes]
    log: Path
    started: float
    timings: dict[str, Any] = field(default_factory=dict)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def _wait_healthy(server: AppServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError(f"the app exited with {server.proc.returncode}:\n"
                                 + server.log_tail())
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError("the app did not answer /_stcore/health in time:\n" + server.log_tail())


def start_app(index_dir: Path, data_dir: Path, log: Path, **env_extra: str) -> AppServer:
    """``python -m assistant app`` on a free port, with its own settings environment."""
    port = free_port()
    env = dict(os.environ)
    env.update({"ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_DATA_DIR": str(data_dir),
                "ASSISTANT_SETTINGS_FILE": str(data_dir / "no-settings.toml"),
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"})
    env.update(env_extra)
    data_dir.mkdir(parents=True, exist_ok=True)
    fh = log.open("wb")
    # The CLI execs Streamlit, so this pid is the server's; its own session lets teardown
    # signal the server and nothing else.
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "app", "--port", str(port)],
                            cwd=PROJECT_ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
                            start_new_session=True)
    fh.close()
    s = Settings(index_dir=index_dir, data_dir=data_dir,
                 **({"corpus_dir": Path(env_extra["ASSISTANT_CORPUS_DIR"])}
                    if "ASSISTANT_CORPUS_DIR" in env_extra else {}))
    server = AppServer(f"http://127.0.0.1:{port}", port, s, proc, log, time.monotonic())
    try:
        _wait_healthy(server, 90)
    except BaseException:
        stop_app(server)
        raise
    return server


def stop_app(server: AppServer) -> None:
    if server.proc.poll() is None:
        os.killpg(server.proc.pid, signal.SIGTERM)
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait(timeout=10)


def listening_addresses(port: int) -> set[str]:
    """Local addresses a TCP socket of this port listens on (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, st = parts[1], parts[3]
            addr, hex_port = local.rsplit(":", 1)
            if st == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                if len(addr) == 8:
                    b = bytes.fromhex(addr)[::-1]
                    found.add(".".join(str(x) for x in b))
                else:
                    found.add("::" if set(addr) == {"0"} else addr)
    return found


# --- driving the page ------------------------------------------------------------------


def open_app(page: Any, server: AppServer, path: str = "", user: str | None = None) -> None:
    q = f"?user={user}" if user else ""
    page.goto(f"{server.url}/{path}{q}")
    wait_idle(page)


def wait_idle(page: Any, timeout: float = 120) -> None:
    """Until the script has finished running (Streamlit shows its status widget while it runs)."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    # The running indicator can appear a moment after an action; look twice.
    quiet = 0
    while time.monotonic() < deadline:
        running = page.locator("[data-testid='stStatusWidget']").count() > 0 or \
            page.locator("[data-testid='stApp'][data-test-script-state='running']").count() > 0
        quiet = 0 if running else quiet + 1
        if quiet >= 3:
            return
        page.wait_for_timeout(150)
    raise AssertionError("the app kept running for too long")


def ask(page: Any, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(state="visible")
    box.fill(question)
    box.press("Enter")


def wait_answer(page: Any, n_messages: int, timeout: float = 120) -> Any:
    """The n-th chat bubble (1-based) once it holds a finished answer or abstention."""
    msgs = page.get_by_test_id("stChatMessage")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if msgs.count() >= n_messages:
            last = msgs.nth(n_messages - 1)
            if last.get_by_test_id("stExpander").count() or \
                    "Not in the study material" in last.inner_text():
                return last
        page.wait_for_timeout(100)
    raise AssertionError(f"no answer after {timeout}s")


def run_eval_page(page: Any, server: AppServer, cases: int, user: str) -> None:
    """On the Evals page, run the shipped set's first ``cases`` cases and wait for the result
    (the failed-case list)."""
    import re

    open_app(page, server, "evals", user=user)
    field = page.get_by_label("Only the first N cases (0 = all)")
    field.fill(str(cases))
    field.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Run eval").click()
    page.get_by_text(re.compile(r"Failed cases \(\d+\)")).wait_for(timeout=120_000)
    wait_idle(page)


def shot(page: Any, out: Path, name: str) -> Path:
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
