"""Real input files for the ingest tests, made on the spot, and small process helpers
(the CLI, a real Chroma server).

Every file here is a real file of its format: PDFs are drawn with fpdf2 (bold, larger fonts
for headings, so the loader's font-size heading detection is what is tested), encrypted PDFs
are encrypted by pypdf, corrupt PDFs are real PDFs truncated or with bytes flipped.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.settings import PROJECT_ROOT

# One PDF page: a list of blocks, each ("h1" | "h2" | "body", text).
Page = Sequence[tuple[str, str]]

_FONT = {"h1": ("B", 20), "h2": ("B", 15), "body": ("", 11)}


def make_pdf(path: Path, pages: Sequence[Page], *, title: str | None = None) -> Path:
    """A real multi-page PDF: each page starts on a new sheet; headings bold and larger."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    for page in pages:
        pdf.add_page()
        for kind, text in page:
            style, size = _FONT[kind]
            pdf.set_font("Helvetica", style, size)
            pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def make_flowing_pdf(path: Path, blocks: Sequence[tuple[str, str]]) -> Path:
    """Blocks written one after another with automatic page breaks, so a section's body can
    run on from one page onto the next."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    for kind, text in blocks:
        style, size = _FONT[kind]
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def guide_pdf(path: Path) -> Path:
    """Three pages shaped like the official exam guide: numbered section and subsection
    headings, one subsection per page, distinctive words on each page."""
    return make_pdf(path, [
        [("h1", "Section 3: Scaling prototypes into ML models"),
         ("h2", "3.2 Training models"),
         ("body", "Custom training jobs package the trainer in a container image. " * 6
          + "The reduction server speeds up all-reduce for distributed GPU training.")],
        [("h1", "Section 4: Serving and scaling models"),
         ("h2", "4.1 Serving models"),
         ("body", "Online prediction endpoints answer low latency requests. " * 6
          + "Traffic splitting sends a share of requests to a canary model version.")],
        [("h2", "4.2 Scaling online model serving"),
         ("body", "Autoscaling adds replicas when CPU utilization passes the target. " * 6
          + "Batch prediction suits large offline jobs that read from Cloud Storage.")],
    ], title="Exam guide excerpt")


def encrypted_pdf(src: Path, dst: Path, password: str = "s3cret") -> Path:
    from pypdf import PdfWriter

    w = PdfWriter(clone_from=str(src))
    w.encrypt(user_password=password, owner_password=password + "-owner")
    with dst.open("wb") as fh:
        w.write(fh)
    return dst


def owner_only_pdf(src: Path, dst: Path) -> Path:
    """Encrypted with an empty user password: readers open it without asking."""
    from pypdf import PdfWriter

    w = PdfWriter(clone_from=str(src))
    w.encrypt(user_password="", owner_password="owner-only")
    with dst.open("wb") as fh:
        w.write(fh)
    return dst


def truncated_pdf(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 3])
    return dst


def flipped_pdf(src: Path, dst: Path) -> Path:
    """The header survives; every seventh byte after it is inverted."""
    data = bytearray(src.read_bytes())
    for i in range(64, len(data), 7):
        data[i] ^= 0xFF
    dst.write_bytes(bytes(data))
    return dst


def damaged_page_tree_pdf(src: Path, dst: Path) -> Path:
    """Every byte offset intact, but the page tree lost its /Kids: a PDF with no pages."""
    data = src.read_bytes()
    assert data.count(b"/Kids") == 1
    dst.write_bytes(data.replace(b"/Kids", b"/Kidz"))
    return dst


def write_markdown(path: Path, body: str, meta: dict[str, Any] | None = None) -> Path:
    import yaml

    text = body
    if meta is not None:
        text = "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n\n" + body
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Vertex AI Pipelines | Google Cloud</title>
<style>.banner { color: red } /* STYLEJUNK */</style>
<script>var tracker = "SCRIPTJUNK";</script>
</head><body>
<header><a href="/">Home</a> HEADERJUNK</header>
<nav class="devsite-nav"><ul><li>NAVJUNK Overview</li><li>NAVJUNK Pricing</li></ul></nav>
<div class="sidebar">SIDEBARJUNK related links</div>
<div id="cookie" class="cookie">COOKIEJUNK accept all</div>
<main>
<h1>Vertex AI Pipelines</h1>
<p>Vertex AI Pipelines runs Kubeflow Pipelines and TFX pipelines serverlessly.</p>
<h2>Scheduling pipeline runs</h2>
<p>The scheduler API starts recurring pipeline runs from a cron expression.</p>
<ul><li>Cron expressions in UTC</li><li>Maximum concurrent runs</li></ul>
<h3>Execution caching</h3>
<p>Execution caching skips steps whose inputs and component spec did not change.</p>
</main>
<footer>FOOTERJUNK copyright</footer>
<script>console.log("SCRIPT2JUNK")</script>
</body></html>
"""

JUNK_WORDS = ("STYLEJUNK", "SCRIPTJUNK", "HEADERJUNK", "NAVJUNK", "SIDEBARJUNK", "COOKIEJUNK",
              "FOOTERJUNK", "SCRIPT2JUNK")


def lorem_section(topic: str, n: int) -> str:
    """Distinct, sentence-shaped filler about ``topic`` (n sentences), so that every chunk has
    different text and therefore a different embedding-cache key."""
    return " ".join(f"{topic} note {i}: the {topic} step number {i} checks item {i * 7 + 3} "
                    f"before the pipeline moves on." for i in range(n))


# --- processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_env(base: Path | None = None, **extra: str) -> dict[str, str]:
    """The test process's environment plus ``extra``; the model loads offline. With ``base``,
    the settings file, data and index directories point under it (otherwise they are what
    conftest set for the current test)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} \
        if base is not None else dict(os.environ)
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"})
    if base is not None:
        env.update({"ASSISTANT_SETTINGS_FILE": str(base / "no-settings.toml"),
                    "ASSISTANT_DATA_DIR": str(base / "data"),
                    "ASSISTANT_INDEX_DIR": str(base / "index")})
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m assistant ARGS`` in a real subprocess, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                          text=True, env=env or cli_env(), cwd=str(cwd or PROJECT_ROOT),
                          timeout=timeout, stdin=subprocess.DEVNULL)


def stderr_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [ln for ln in proc.stderr.splitlines() if ln.strip()]


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """A user error: exactly one line on stderr, no traceback, the given exit status."""
    lines = stderr_lines(proc)
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(lines) == 1, proc.stderr
    return lines[0]


def parse_json(proc: subprocess.CompletedProcess[str]) -> Any:
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as err:  # pragma: no cover - message for a failing test
        raise AssertionError(f"stdout is not JSON ({err}): {proc.stdout[:500]!r} "
                             f"stderr: {proc.stderr[-500:]!r}") from None


def stop_process(proc: subprocess.Popen[Any], timeout: float = 15) -> None:
    """A clean shutdown of a server the test started: SIGTERM, then SIGKILL if it does not
    exit within ``timeout`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


# --- a real Chroma server ----------------------------------------------------------------

CHROMA = Path(sys.executable).parent / "chroma"


class ChromaServer:
    """``chroma run --path DIR --port N`` as a child process. ``start()`` waits for the
    heartbeat; ``stop()`` is a clean shutdown, ``kill()`` a crash (SIGKILL); ``start()`` again
    brings it back on the same port and data directory."""

    def __init__(self, path: Path, port: int) -> None:
        self.path, self.port = path, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = path.parent / f"{path.name}-chroma.log"

    def start(self, timeout: float = 60) -> ChromaServer:
        import time
        import urllib.request

        assert CHROMA.is_file(), f"{CHROMA} is missing: install chromadb into the venv"
        self.path.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen([str(CHROMA), "run", "--path", str(self.path),
                                          "--port", str(self.port)], stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/api/v2/heartbeat"
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log_path.read_text()[-2000:]
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"chroma did not answer on port {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        self.proc = None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.proc = None
