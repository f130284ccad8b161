"""Fuzzing of hostile and broken input (issue "Hostile and broken input").

Property-based (hypothesis) over every place a user hands the assistant bytes or text:

- loaders: random bytes; mutated real PDFs (fpdf2 seeds with byte flips, cuts, inserted PDF
  tokens, repeated slices); HTML and Markdown from random unicode, nesting up to 20,000
  levels, front-matter variants (YAML alias bombs, deep flow collections, bad tags) and single
  lines up to 1 MB; each named .pdf/.html/.md/.txt (often not matching the content).
  ``load_document`` runs in a worker process (fuzz_worker.py) with a time limit per file, so
  a parser hang fails the test instead of blocking the suite.
- ingest: a folder of good files plus a batch of fuzzed ones, ingested with the real model:
  each bad file is reported failed with its one-line reason, the good ones are indexed, and
  the published generation is complete (chunk list = Chroma collection = report).
- questions: ``check_question`` and ``Assistant.ask`` on a small index with any unicode
  (controls, surrogates, RTL and zero-width marks), whitespace-only and 1 MB strings; a few
  through ``python -m assistant ask``.
- eval files (JSONL) and ``--history`` files: generated with a known verdict (valid, or
  invalid at a known line or turn), in the worker; the verdict must match. Through the CLI, a
  bad file exits 2 with one line and ``assistant eval`` leaves no output file behind.

The contract everywhere: a valid result, or one of our errors (assistant/errors.py) whose
message is one line; never another exception, never longer than a bound per input, never a
partial write. Every failing input is saved under test-artifacts/reliability/fuzz/ (with a
.why.txt beside it) before the test fails.

Run::

    .venv/bin/pytest tests/reliability/test_fuzz.py           # CI counts (about 2 minutes)
    .venv/bin/pytest tests/reliability/test_fuzz.py --full    # full counts (about 10 minutes)
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from assistant.answer import Assistant
from assistant.answer.base import MARKER
from assistant.errors import QuestionError
from assistant.history import load_history
from assistant.index import Index, resolve_display_path
from assistant.ingest import ingest
from assistant.records import Answer, Turn
from assistant.retrieve import Retriever
from assistant.settings import PROJECT_ROOT, Settings
from assistant.validate import check_question

from .conftest import record
from .support import (
    QUESTIONS,
    TOPICS,
    child_env,
    current_generation,
    generation_ids,
    one_line_error,
    write_marked_corpus,
)

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "reliability" / "fuzz"

# Bounds per input. A 1 MB file takes 1-2 s through the slowest loader on this 2-core box;
# ten times that is a bug (quadratic code), not noise.
LOAD_BOUND_S = 20.0
PARSE_BOUND_S = 5.0  # one eval or history file
ASK_BOUND_S = 10.0  # one question: check, retrieval, answer
HANG_S = 60.0  # an in-process call this slow is stopped (see Watchdog)
CLI_TIMEOUT_S = 120.0

SUFFIXES = (".pdf", ".html", ".md", ".txt")
ONE_MB = 1_000_000


def load_limits(s: Settings | None = None) -> dict[str, int | str]:
    """The limits and OCR command ingest applies (the defaults unless given settings): the
    worker's verdict on a file must be the one ingest reaches. Without the OCR command a PDF
    with no text layer reads "needs OCR first" in the worker but "OCR found none" in ingest
    wherever Tesseract is installed."""
    mb = s.max_file_mb if s else Settings.model_fields["max_file_mb"].default
    pages = s.max_pdf_pages if s else Settings.model_fields["max_pdf_pages"].default
    ocr = s.tesseract_cmd if s else Settings.model_fields["tesseract_cmd"].default
    return {"max_bytes": int(mb * 1e6), "max_pages": int(pages), "ocr_command": str(ocr)}


# --- failing inputs are kept -------------------------------------------------------------


def save_input(target: str, data: bytes, suffix: str, why: str) -> Path:
    """Keep a failing input for replay; the name is its hash, so reruns do not pile up."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{target}-{hashlib.sha1(data).hexdigest()[:12]}{suffix}"
    path.write_bytes(data)
    path.with_name(path.name + ".why.txt").write_text(why + "\n", encoding="utf-8")
    return path


def fail_with_input(target: str, data: bytes, suffix: str, problems: Sequence[str]) -> None:
    why = "; ".join(problems)
    saved = save_input(target, data, suffix, why)
    pytest.fail(f"{target}: {why[:3000]} (input saved as {saved})", pytrace=False)


def is_one_line(message: str) -> bool:
    return bool(message.strip()) and not any(ch in message for ch in "\n\r\x0b\x0c\x85\u2028\u2029")


# --- the worker process ------------------------------------------------------------------


class Worker:
    """A long-lived child running fuzz_worker.py. ``call`` returns its reply, or a reply with
    ``"timeout"`` after killing (and restarting) a worker that did not answer in time."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self._buf = b""

    def _start(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            with self.log.open("ab") as err:
                self.proc = subprocess.Popen(
                    [sys.executable, str(HERE / "fuzz_worker.py")], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=err, env=child_env(), cwd=str(PROJECT_ROOT))
            self._buf = b""
        return self.proc

    def call(self, op: str, path: Path, timeout: float,
             limits: dict[str, int | str] | None = None) -> tuple[dict[str, Any], float]:
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        t0 = time.monotonic()
        request = {"op": op, "path": str(path), "limits": limits or {}}
        try:
            proc.stdin.write((json.dumps(request) + "\n").encode())
            proc.stdin.flush()
        except BrokenPipeError:
            return {"died": proc.wait()}, 0.0
        fd = proc.stdout.fileno()
        deadline = t0 + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                return {"timeout": timeout}, time.monotonic() - t0
            ready, _, _ = select.select([fd], [], [], min(0.5, left))
            if ready:
                data = os.read(fd, 1 << 20)
                if not data:
                    return {"died": proc.wait()}, time.monotonic() - t0
                self._buf += data
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line), time.monotonic() - t0

    def kill(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            self._close_pipes(self.proc)
        self.proc = None

    def close(self) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.close()  # EOF: the worker's loop ends
                self.proc.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.kill()
                return
            self._close_pipes(self.proc)
        self.proc = None

    @staticmethod
    def _close_pipes(proc: subprocess.Popen[bytes]) -> None:
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except BrokenPipeError:
                    pass


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    w = Worker(tmp_path_factory.mktemp("fuzz-worker") / "worker-stderr.log")
    yield w
    w.close()


def reply_problems(reply: dict[str, Any], error_class: str, elapsed: float,
                   bound: float) -> list[str]:
    """What is wrong with a worker reply, whatever the input: the shared part of the contract."""
    problems: list[str] = []
    if "timeout" in reply:
        problems.append(f"no result within {reply['timeout']:.0f} s (hang or quadratic time)")
    elif "died" in reply:
        problems.append(f"the worker died (exit status {reply['died']})")
    elif "crash" in reply:
        problems.append(f"unexpected exception: {reply['crash']}")
    elif "error" in reply:
        err = reply["error"]
        if error_class not in err["classes"]:
            problems.append(f"{err['cls']} is not a {error_class}: {err['msg']}")
        if not is_one_line(err["msg"]):
            problems.append(f"the message is not one line: {err['msg']!r}")
        if len(err["msg"]) > 2000:
            problems.append(f"a {len(err['msg'])}-character message echoes the input")
    if elapsed > bound and "timeout" not in reply:
        problems.append(f"took {elapsed:.1f} s, over the bound of {bound:.0f} s")
    if reply.get("noise"):
        problems.append(f"stray warnings or output besides the result: {reply['noise'][:5]}")
    return problems


def run_hypothesis(test: Callable[..., None], strategy: st.SearchStrategy[Any], examples: int,
                   explicit: Sequence[Any] = (), *, shrink: bool = True) -> None:
    """Run ``test`` over ``strategy`` with the count chosen at run time (``scale`` is a
    fixture, so the settings cannot be a decorator). Shrinking is off where one attempt can
    take a loader's whole time bound; the failing input is saved either way."""
    wrapped = given(strategy)(test)
    for ex in explicit:
        wrapped = example(ex)(wrapped)
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    hsettings(max_examples=examples, deadline=None, database=None, derandomize=False,
              phases=phases, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example,
                                     HealthCheck.filter_too_much])(wrapped)()


# --- input strategies: documents ---------------------------------------------------------


@functools.cache
def seed_pdfs() -> tuple[bytes, ...]:
    """Two small real PDFs (headings in a larger font, body text), compressed and not: flips
    in an uncompressed one hit text operators, in a compressed one the Flate streams."""
    from fpdf import FPDF

    out = []
    for compress in (False, True):
        pdf = FPDF()
        pdf.set_compression(compress)
        pdf.set_title("Fuzz seed")
        for n, (topic, sentence) in enumerate(TOPICS[:3], start=1):
            pdf.add_page()
            pdf.set_font("Helvetica", "B", 18)
            pdf.cell(text=f"Section {n}: {topic}")
            pdf.ln(14)
            pdf.set_font("Helvetica", size=11)
            pdf.multi_cell(0, 6, text=sentence + " " + sentence)
        out.append(bytes(pdf.output()))
    return tuple(out)


PDF_TOKENS = (b"obj", b"endobj", b"stream", b"endstream", b"<<", b">>", b"[", b"]", b" 0 R",
              b"/Length 99999999", b"/Count 100000", b"/Kids [", b"xref", b"trailer", b"%%EOF",
              b"/Filter /FlateDecode", b"/Filter /LZWDecode", b"(", b")", b"\\", b"/Type /Page",
              b"startxref\n0\n", b"/Encrypt 1 0 R", b"/Parent 3 0 R", b"BT", b"ET", b"Tj", b"TJ",
              b"/F1 999 Tf", b"1e308", b"-0", b"<FEFF", b"%PDF-1.7\n")


@st.composite
def mutated_pdf(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(seed_pdfs())))
    for _ in range(draw(st.integers(0, 10))):
        op = draw(st.sampled_from(("flip", "flip", "insert", "delete", "cut", "repeat")))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.one_of(st.sampled_from(PDF_TOKENS), st.binary(max_size=32)))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif op == "cut":
            del data[at:]
        else:
            piece = bytes(data[at:at + draw(st.integers(1, 256))])
            data[at:at] = piece * draw(st.integers(1, 200))
    return bytes(data)


TAGS = ("div", "p", "span", "h1", "h2", "h3", "h6", "main", "article", "nav", "script", "style",
        "li", "ul", "table", "tr", "td", "pre", "br", "a", "section", "template", "svg",
        "iframe", "b", "title", "body", "html", "head", "header")
ATTRS = ("", ' class="menu"', ' role="main"', ' role="navigation"', ' id="toc"',
         ' aria-hidden="true"', " class=", ' x="<>"', " '\"", ' class="a b c"', " role",
         ' id="' + "x" * 300 + '"')
HTML_BITS = ("<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "&amp;", "&#0;", "&#x110000;",
             "&#99999999999;", "&", "<", ">", "<?php ?>", "\x00", "\ufeff", "</", "<a", "\r\n")

html_piece = st.one_of(
    st.builds(lambda t, a: f"<{t}{a}>", st.sampled_from(TAGS), st.sampled_from(ATTRS)),
    st.builds(lambda t: f"</{t}>", st.sampled_from(TAGS)),
    st.text(max_size=40),
    st.sampled_from(HTML_BITS),
)
html_doc = st.lists(html_piece, max_size=80).map("".join)
deep_html = st.builds(lambda t, n, tail: f"<{t}>" * n + tail, st.sampled_from(TAGS),
                      st.integers(1, 20_000), st.text(max_size=30))

YAML_BITS = ("title: Notes", "title: [a, b]", "title: {a: 1}", "title: 12", "title:",
             "domain: 3", "domain: 99", "domain: true", "domain: [1]", "section: 3.2",
             "section: [x]", "guide_version: 2", "guide_version: {a: b}", "sources: http://x",
             "sources: [a, 1, [b]]", "sources: 5", "a: *undefined", "a: &x [*x]",
             "- just a list", "just a scalar", "key: 'unterminated", ": :", "\t tab",
             "x: !!python/object/apply:os.system [ls]", "x: !!binary AAAA", "<<: *a",
             "? complex key", "%YAML 1.1", "x: !!float nan", "title: " + "y" * 5000)


def yaml_bomb(levels: int, width: int, key: str) -> str:
    """"Billion laughs": each level lists the previous one ``width`` times by alias."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    lines.append(f"{key}: *l{levels - 1}")
    return "\n".join(lines)


MD_LINES = ("# Title", "## Heading ##", "#", "####### seven", "```", "~~~", "---", "===",
            "Section 2: Data", "1.2 Prototyping Models", "* item", "> quote", "", "#\t",
            "## ", "### #", "Title", "=====", "-----", "   indented", "\ufeff# bom heading")
md_line = st.one_of(st.sampled_from(MD_LINES), st.text(max_size=60),
                    st.builds(lambda h, t: h + t, st.sampled_from(("# ", "## ", "###### ")),
                              st.text(max_size=40)))
md_body = st.lists(md_line, max_size=60).map("\n".join)
front_matter_doc = st.builds(
    lambda bits, close, body: "---\n" + "\n".join(bits) + close + body,
    st.lists(st.one_of(
        st.sampled_from(YAML_BITS), st.text(max_size=30),
        st.builds(yaml_bomb, st.integers(2, 9), st.integers(2, 9),
                  st.sampled_from(("title", "section", "sources", "guide_version", "domain"))),
        st.builds(lambda o, n: "t: " + o * n, st.sampled_from(("[", "{a: ", "- ")),
                  st.integers(1, 5000)),
    ), max_size=6),
    st.sampled_from(("\n---\n", "\n...\n", "\n", "\n--- \n", "", "\n---")),
    md_body,
)
huge_line = st.builds(
    lambda prefix, unit, n, tail: prefix + unit * n + tail,
    st.sampled_from(("", "# ", "## ", "###### ", "<p>", "---\n", "Section 1: ", "1.2 ")),
    st.sampled_from((" ", "\t", "a", "#", "=", "-", "\u200b", "ab ", "<b>", "\xa0", "é", "[",
                     "*", "# ", " #", "\r", "\n", "\n\n\n", "\x0c")),
    st.integers(1, ONE_MB),
    st.sampled_from(("", "x", "\n\nbody text here", "#", " \n", "\n===")),
)


def encoded(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """Mostly UTF-8; sometimes an encoding the loaders must refuse clearly (UTF-16 has NULs,
    Latin-1 bad UTF-8 bytes)."""
    return st.builds(
        lambda t, enc: t.encode(enc, "surrogatepass" if enc.startswith("utf") else "replace"),
        text, st.sampled_from(("utf-8",) * 6 + ("utf-8-sig", "utf-16", "latin-1")))


def document_inputs(*, huge: bool) -> st.SearchStrategy[tuple[str, bytes]]:
    """(suffix, bytes). ``huge`` adds the 1 MB lines and 20,000-deep nests (not embedded in
    the ingest test: loading them is the point, embedding them only costs time)."""
    parts = [
        st.tuples(st.just(".pdf"), mutated_pdf()),
        st.tuples(st.sampled_from(SUFFIXES), st.binary(max_size=2048)),
        st.tuples(st.sampled_from((".html", ".htm")), encoded(html_doc)),
        st.tuples(st.sampled_from((".md", ".markdown")), encoded(st.one_of(front_matter_doc,
                                                                            md_body))),
        st.tuples(st.sampled_from((".txt", ".text")), encoded(md_body)),
        # Content that is not what its name says.
        st.tuples(st.sampled_from(SUFFIXES), st.one_of(mutated_pdf(), encoded(html_doc),
                                                       encoded(front_matter_doc))),
    ]
    if huge:
        parts += [st.tuples(st.sampled_from(SUFFIXES), encoded(huge_line)),
                  st.tuples(st.sampled_from((".html", ".md")), encoded(deep_html))]
    return st.one_of(*parts)


EXPLICIT_DOCUMENTS: list[tuple[str, bytes]] = [
    (".html", b"<div>" * 10_000 + b"deep text"),
    (".html", b"<span>x" * 50_000),
    (".html", b"<p>hi</p><!--" + b"a" * ONE_MB),
    (".md", ("---\n" + yaml_bomb(9, 9, "title") + "\n---\n# Notes\n\nbody text\n").encode()),
    (".md", b"---\nt: " + b"[" * 5000 + b"\n---\nbody text\n"),
    (".md", b"# " + b" " * ONE_MB + b"x"),
    (".md", b"#" + b" \t" * (ONE_MB // 2) + b"\n\nbody"),
    (".txt", b" " * ONE_MB + b"\nbody"),
    (".txt", b"Title\n" + b"=" * ONE_MB + b"\nbody"),
    (".pdf", b"%PDF-1.7\n" + b"[" * 100_000),
    (".pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"),
    (".md", "\u202e# \u200bRTL\u200f heading\n\n\u0645\u0631\u062d\u0628\u0627 body".encode()),
]


# --- 1. loaders --------------------------------------------------------------------------


def load_problems(reply: dict[str, Any], path: Path, suffix: str, elapsed: float) -> list[str]:
    problems = reply_problems(reply, "IngestError", elapsed, LOAD_BOUND_S)
    if "error" in reply:
        err = reply["error"]
        if err["path"] != str(path) or err["msg"] != f"{path}: {err['reason']}":
            problems.append(f"the message does not read 'path: reason': {err['msg']!r}")
        if not (err["reason"] or "").strip():
            problems.append("empty reason")
    elif "ok" in reply:
        doc = reply["ok"]
        kinds = {".pdf": "pdf", ".html": "html", ".htm": "html", ".md": "markdown",
                 ".markdown": "markdown", ".txt": "text", ".text": "text"}
        if doc["type"] != "Document" or doc["kind"] != kinds[suffix]:
            problems.append(f"returned {doc['type']} of kind {doc['kind']} for {suffix}")
        if not any(not s["blank"] for s in doc["sections"]):
            problems.append("a document without text was returned, not refused")
        if not isinstance(doc["title"], str) or len(doc["title"]) > 2 * ONE_MB:
            problems.append(f"title of {len(str(doc['title']))} characters")
    return problems


def test_fuzz_loaders(worker: Worker, scale: Any, tmp_path: Path) -> None:
    wanted = scale(800, 8000)
    tally: Counter[str] = Counter()
    slowest = [0.0]

    def one(case: tuple[str, bytes]) -> None:
        suffix, data = case
        path = tmp_path / f"input{suffix}"
        path.write_bytes(data)
        reply, elapsed = worker.call("load", path, LOAD_BOUND_S, load_limits())
        tally["inputs"] += 1
        tally[f"{suffix} {'loaded' if 'ok' in reply else reply.get('error', {}).get('cls', 'bad')}"] += 1
        slowest[0] = max(slowest[0], elapsed)
        problems = load_problems(reply, path, suffix, elapsed)
        if problems:
            fail_with_input("loader", data, suffix, problems)

    t0 = time.monotonic()
    run_hypothesis(one, document_inputs(huge=True), wanted, EXPLICIT_DOCUMENTS, shrink=False)
    assert tally["inputs"] >= wanted, tally  # the count reported is the count tried
    outcomes = {k: v for k, v in tally.items() if k != "inputs"}
    # Both sides of the contract were exercised: some inputs loaded, some were refused.
    assert any("loaded" in k for k in outcomes) and any("loaded" not in k for k in outcomes), outcomes
    record("fuzz_loaders", {"inputs": tally["inputs"], "outcomes": outcomes,
                            "slowest_s": round(slowest[0], 2),
                            "seconds": round(time.monotonic() - t0, 1)})


# --- 2. ingest: bad files are reported, good ones published completely -------------------

ALWAYS_BAD: tuple[tuple[str, bytes], ...] = (
    (".txt", b""),
    (".txt", b"\x00\x01binary\x00" * 10),
    (".md", b"\xff\xfe not utf-8 \xc3\x28"),
    (".pdf", b"this is not a pdf"),
    (".md", b"---\ntitle: never closed\n\nbody"),
    (".html", b"<html><head><script>x=1</script></head><body><nav>menu</nav></body></html>"),
    (".pdf", b"%PDF-1.7\n" + b"[" * 5000),
)


def test_fuzz_ingest_reports_bad_files_and_publishes_complete(worker: Worker, embedder: Any,
                                                             scale: Any, tmp_path: Path) -> None:
    wanted = scale(10, 60)
    tally: Counter[str] = Counter()
    batch = st.tuples(st.lists(document_inputs(huge=False), min_size=2, max_size=8),
                      st.lists(st.sampled_from(ALWAYS_BAD), min_size=1, max_size=3))

    def one(case: tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]) -> None:
        fuzzed, bad = case
        base = Path(tempfile.mkdtemp(dir=tmp_path))
        docs = base / "docs"
        write_marked_corpus(docs / "good", "okapi", files=2)
        s = Settings(index_dir=base / "index", data_dir=base / "data")
        files: dict[Path, bytes] = {}
        for i, (suffix, data) in enumerate([*fuzzed, *bad]):
            path = docs / "fuzz" / f"f{i:02d}{suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            files[path.resolve()] = data
        bundle = b"\n=====\n".join(data for data in files.values())

        # What each file should come to, from the loader alone (in the worker: a hang here is
        # caught, so the in-process ingest below cannot hang on these files).
        expected: dict[Path, dict[str, Any]] = {}
        for path in files:
            reply, elapsed = worker.call("load", path, LOAD_BOUND_S, load_limits(s))
            problems = load_problems(reply, path, path.suffix, elapsed)
            if problems:
                fail_with_input("ingest-file", files[path], path.suffix, problems)
            expected[path] = reply

        try:
            report = ingest(s, [docs], embedder=embedder)
        except Exception:  # noqa: BLE001 - ingest must report bad files, not raise
            fail_with_input("ingest", bundle, ".bundle",
                            [f"ingest raised: {traceback.format_exc()[-3000:]}"])
        problems: list[str] = []
        by_path = {Path(resolve_display_path(f.path)).resolve(): f for f in report.files}
        for path, reply in expected.items():
            got = by_path.get(path)
            if got is None:
                problems.append(f"{path.name} missing from the report")
            elif "error" in reply:
                tally["failed"] += 1
                if got.status != "failed" or got.error != f"{got.path}: {reply['error']['reason']}":
                    problems.append(f"{path.name}: expected failed with "
                                    f"{reply['error']['reason']!r}, got {got.status} {got.error!r}")
                elif not is_one_line(got.error or ""):
                    problems.append(f"{path.name}: reason is not one line: {got.error!r}")
            elif got.status != "added" or got.chunks < 1:
                problems.append(f"{path.name} loads but was {got.status} with {got.chunks} chunks")
            else:
                tally["loaded"] += 1
        good = [f for f in report.files if "/good/" in f.path.replace(os.sep, "/")]
        if len(good) != 2 or any(f.status != "added" or f.chunks < 1 for f in good):
            problems.append(f"good files not indexed: {[f.to_json() for f in good]}")

        # The published generation is complete: chunk list, Chroma collection and report agree.
        gen = current_generation(s)
        if not report.published or gen != report.generation:
            problems.append(f"not published (generation {gen}, report {report.generation})")
        else:
            ids = generation_ids(s, gen)
            snap = Index(s).snapshot()
            count = int(snap.collection.count())
            added = sum(f.chunks for f in report.files if f.status == "added")
            if not count == len(snap.chunks) == len(ids) == report.chunks_total == added:
                problems.append(f"incomplete generation: collection {count}, chunk list "
                                f"{len(snap.chunks)}, ids {len(ids)}, report "
                                f"{report.chunks_total}, added files {added}")
            sources = {c.source for c in snap.chunks}
            loaded = {f.path for f in report.files if f.status == "added"}
            if sources != loaded:
                problems.append(f"chunk sources {sorted(sources)} != loaded files {sorted(loaded)}")
            hits = Retriever(s, index=Index(s), embedder=embedder).search(QUESTIONS[0], k=3)
            if not hits or not {p.chunk.id for p in hits} <= ids:
                problems.append("the published generation does not answer from itself")
        leftovers = [p.name for p in (s.index_dir).rglob("*.tmp")]
        if leftovers:
            problems.append(f"temporary files left in the index: {leftovers}")
        tally["runs"] += 1
        tally["files"] += len(files)
        if problems:
            fail_with_input("ingest", bundle, ".bundle", problems)

    t0 = time.monotonic()
    run_hypothesis(one, batch, wanted, shrink=False)
    assert tally["runs"] >= wanted and tally["failed"] >= wanted, tally
    record("fuzz_ingest", {"runs": tally["runs"], "files": tally["files"],
                           "failed_as_expected": tally["failed"], "loaded": tally["loaded"],
                           "seconds": round(time.monotonic() - t0, 1)})


# --- 3. questions ------------------------------------------------------------------------


@dataclass
class SmallIndex:
    settings: Settings
    assistant: Assistant
    ids: set[str]

    def env(self) -> dict[str, str]:
        return child_env(ASSISTANT_DATA_DIR=str(self.settings.data_dir),
                         ASSISTANT_SETTINGS_FILE=str(self.settings.data_dir / "none.toml"))


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> SmallIndex:
    base = tmp_path_factory.mktemp("fuzz-index")
    s = Settings(index_dir=base / "index", data_dir=base / "data")
    report = ingest(s, [write_marked_corpus(base / "docs", "okapi")], embedder=embedder)
    assert report.published and not report.failed
    a = Assistant(s, retriever=Retriever(s, embedder=embedder))
    a.warm_up()
    return SmallIndex(s, a, generation_ids(s, report.generation or ""))


class Hang(BaseException):
    """Raised into a call that ran past HANG_S. A BaseException, so the library's own
    ``except Exception`` (one bad case must not sink a run) cannot swallow it."""


class Watchdog:
    """Stops a runaway in-process call: after ``seconds`` it saves the input and raises Hang
    in the calling thread. That works between Python bytecodes; a call stuck inside C code is
    left to pytest-timeout (900 s)."""

    def __init__(self, seconds: float, on_hang: Callable[[], None]) -> None:
        self.seconds, self.on_hang = seconds, on_hang
        self._lock = threading.Lock()
        self._done = False

    def __enter__(self) -> Watchdog:
        self._tid = threading.get_ident()
        self._timer = threading.Timer(self.seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.on_hang()
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._tid),
                                                       ctypes.py_object(Hang))

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


SPECIALS = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202d", "\u202c",
            "\u200f", "\u200e", "\u061c", "\u2066", "\u2069", "\x00", "\x1b", "\x7f", "\x85",
            "\u2028", "\u2029", "\u3000", "\xa0", "\t", "\n", "\r", "\x0b", "\x0c",
            "\U0001F600", "\u0301", "\ufdfa", "\ud800", "\udfff", "?", "؟")
TOKENS = ("[1]", "[999]", "[0]", "Dataflow", "its", "and what about", "BigQuery ML", "TPUs")
any_char = st.one_of(st.characters(), st.sampled_from(SPECIALS),
                     st.characters(categories=["Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Co", "Cn"]))
invisible = st.sampled_from([c for c in SPECIALS if not c.isalnum()] +
                            [" ", "\u2003", "\u180e", "\u3164"])


def fuzz_text(max_size: int) -> st.SearchStrategy[str]:
    """Any characters (surrogates and controls included), with words and citation markers
    mixed in so that some inputs get past validation into retrieval and answering."""
    return st.lists(st.one_of(any_char, st.sampled_from(TOKENS)), max_size=max_size).map("".join)


questions = st.one_of(
    fuzz_text(300),
    st.text(invisible, max_size=200),
    st.builds(lambda q, noise, at: q[:at] + noise + q[at:], st.sampled_from(QUESTIONS),
              fuzz_text(20), st.integers(0, 60)),
    st.builds(lambda unit, n: unit * n,
              st.sampled_from(("a", " ", "\u200b", "word ", "\u202e", "\x00", "Dataflow? ")),
              st.integers(1, ONE_MB)),
)
EXPLICIT_QUESTIONS = ["", " " * ONE_MB, "a" * ONE_MB, "\u200b" * ONE_MB, "What is Dataflow? " * 55_000,
                      "\t\n\r \x0b\x0c\x85\u2028", "What\x00is\x07Data\x1bflow?",
                      "\u202eHow does Dataflow preprocess data at scale?\u202c",
                      "\ud800 how does dataflow scale \udfff",
                      "\u0643\u064a\u0641 \u064a\u0639\u0645\u0644 Dataflow\u061f",
                      "x" * 4000, "x" * 4001, "[1] [2] [999]", "\ufdfa" * 400]


def answer_problems(ans: object, cleaned: str, ids: set[str]) -> list[str]:
    if not isinstance(ans, Answer):
        return [f"returned {type(ans).__name__}, not an Answer"]
    problems: list[str] = []
    if ans.question != cleaned:
        problems.append("the answer's question is not the cleaned question")
    try:
        json.dumps(ans.to_json(), ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as err:
        problems.append(f"the answer JSON cannot be written as UTF-8: {err}")
    passage_ids = {p.chunk.id for p in ans.passages}
    if not passage_ids <= ids:
        problems.append("passages from outside the index")
    if ans.abstained:
        if ans.citations:
            problems.append("an abstention with citations")
    else:
        cited = {c.n for c in ans.citations}
        if not ans.citations or not {c.chunk.id for c in ans.citations} <= passage_ids:
            problems.append("an answer whose citations are not retrieved passages")
        markers = {int(m) for m in MARKER.findall(ans.answer)}
        if not markers <= cited:
            problems.append(f"markers {sorted(markers - cited)} point to no citation")
    return problems


def ask_problems(small: SmallIndex, question: str, history: Sequence[Turn] = ()
                 ) -> tuple[str, list[str]]:
    """(outcome, problems) of one question, checked directly and through Assistant.ask."""
    limit = small.settings.max_question_chars
    problems: list[str] = []
    t0 = time.monotonic()
    try:
        cleaned: str | None = check_question(question, limit)
        refused = ""
    except QuestionError as err:
        cleaned, refused = None, str(err)
    except Exception:  # noqa: BLE001
        return "crash", [f"check_question raised: {traceback.format_exc()[-3000:]}"]
    try:
        ans: object = small.assistant.ask(question, history=history)
        outcome = "abstained" if getattr(ans, "abstained", False) else "answered"
        if cleaned is None:
            problems.append(f"check_question refused ({refused}) but ask answered")
        else:
            problems += answer_problems(ans, cleaned, small.ids)
    except QuestionError as err:
        outcome = "refused"
        if cleaned is not None:
            problems.append(f"check_question accepted but ask refused: {err}")
        elif str(err) != refused:
            problems.append(f"ask and check_question disagree: {err} / {refused}")
        if not is_one_line(str(err)) or len(str(err)) > 300:
            problems.append(f"not a short one-line message: {str(err)[:500]!r}")
    except Hang:
        raise
    except Exception:  # noqa: BLE001
        return "crash", [f"ask raised: {traceback.format_exc()[-3000:]}"]
    elapsed = time.monotonic() - t0
    if elapsed > ASK_BOUND_S:
        problems.append(f"took {elapsed:.1f} s, over the bound of {ASK_BOUND_S:.0f} s")
    return outcome, problems


def question_bytes(question: str) -> bytes:
    return question.encode("utf-8", "surrogatepass")


def test_fuzz_questions(small_index: SmallIndex, scale: Any) -> None:
    wanted = scale(500, 5000)
    tally: Counter[str] = Counter()

    def one(question: str) -> None:
        data = question_bytes(question)
        with Watchdog(HANG_S, lambda: save_input("question", data, ".txt", "hang")):
            outcome, problems = ask_problems(small_index, question)
        tally["inputs"] += 1
        tally[outcome] += 1
        if problems:
            fail_with_input("question", data, ".txt", problems)

    t0 = time.monotonic()
    run_hypothesis(one, questions, wanted, EXPLICIT_QUESTIONS)
    assert tally["inputs"] >= wanted, tally
    assert tally["refused"] and (tally["answered"] or tally["abstained"]), tally
    cli = cli_questions(small_index)
    record("fuzz_questions", {"inputs": tally["inputs"], "refused": tally["refused"],
                              "answered": tally["answered"], "abstained": tally["abstained"],
                              "cli_runs": cli, "seconds": round(time.monotonic() - t0, 1)})


def run_cli(cases: Sequence[tuple[Sequence[str | bytes], dict[str, str]]]
            ) -> list[subprocess.CompletedProcess[str]]:
    """``python -m assistant ARGS`` for each case, two at a time (the machine has 2 cores)."""

    def one(case: tuple[Sequence[str | bytes], dict[str, str]]) -> subprocess.CompletedProcess[str]:
        args, env = case
        return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                              text=True, errors="replace", env=env, cwd=str(PROJECT_ROOT),
                              timeout=CLI_TIMEOUT_S, stdin=subprocess.DEVNULL)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, cases))


def check_cli_answer(proc: subprocess.CompletedProcess[str], ids: set[str]) -> None:
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not proc.stderr.strip(), proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["passages"] and {p["chunk_id"] for p in out["passages"]} <= ids, out
    assert {c["chunk_id"] for c in out["citations"]} <= {p["chunk_id"] for p in out["passages"]}


def cli_questions(small: SmallIndex) -> int:
    """A few questions through the real command line. One argument is at most 128 KiB on
    Linux (MAX_ARG_STRLEN): a 1 MB question fails in exec() before the assistant runs, and
    ``ask`` reads the question from its argument only, so the long case is 126,000 characters
    (already 30 times the limit); the 1 MB ones are covered in-process above."""
    idx = ["--index-dir", str(small.settings.index_dir)]
    refused: list[Sequence[str | bytes]] = [
        ["ask", "", *idx], ["ask", " \t \u3000 \u200b ", *idx], ["ask", "\x01\x02\x1b\x7f\x9b", *idx],
        ["ask", "Dataflow " * 14_000, *idx], ["ask", "?!?", "--json", *idx]]
    answered: list[Sequence[str | bytes]] = [
        # Bytes that are not UTF-8 reach Python as lone surrogates (surrogateescape).
        ["ask", b"\xff\xfe How does Dataflow preprocess data at scale? \xc3\x28", "--json", *idx],
        ["ask", "\u202eHow does Dataflow preprocess\u200b data at scale?\u202c", "--json", *idx]]
    procs = run_cli([(args, small.env()) for args in [*refused, *answered]])
    for proc in procs[:len(refused)]:
        line = one_line_error(proc)
        assert "question" in line, line
    for proc in procs[len(refused):]:
        check_cli_answer(proc, small.ids)
    return len(procs)


# --- 4. eval files -----------------------------------------------------------------------

# Values each field must refuse (independent of the loader's code: the design page's contract).
WRONG = {"id": [None, True, [], {}, "", "  ", 1.5], "question": [None, 1, [], "", " \t"],
         "answerable": ["yes", 1, None, 0, []], "evidence": ["x", [1], {}, None, [None]],
         "answer_keywords": ["x", [2], None], "domain": [7, -1, True, "3", 2.5],
         "section": [1, [], True, {}], "history": ["x", [1], {}]}
REQUIRED = ("id", "question", "answerable", "evidence", "answer_keywords")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)


@st.composite
def good_case(draw: st.DrawFn) -> dict[str, Any]:
    answerable = draw(st.booleans())
    term = st.text(any_char.filter(lambda c: c not in "\n"), min_size=1, max_size=12).filter(
        lambda t: bool(t.strip()))
    case: dict[str, Any] = {
        "id": draw(st.one_of(st.integers(0, 10**6), st.text(max_size=12).filter(str.strip))),
        "question": draw(st.one_of(st.text(any_char, max_size=80),
                                   st.builds(lambda n: "x " * n, st.integers(1, 200_000))
                                   ).filter(str.strip)),
        "answerable": answerable,
        "evidence": draw(st.lists(term, min_size=1 if answerable else 0, max_size=3)),
        "answer_keywords": draw(st.lists(term, max_size=3)),
    }
    if answerable and not any(t.strip() for t in case["evidence"]):
        case["evidence"] = ["dataflow"]
    if draw(st.booleans()):
        case["domain"] = draw(st.one_of(st.none(), st.integers(0, 6)))
    if draw(st.booleans()):
        case["section"] = draw(st.one_of(st.none(), st.text(max_size=5)))
    if draw(st.booleans()):
        case["history"] = draw(st.lists(st.text(any_char, max_size=30), max_size=3))
    return case


def dump(obj: Any, ascii_only: bool) -> str:
    # Surrogates cannot be written as UTF-8: escaped, they are valid JSON for any reader.
    return json.dumps(obj, ensure_ascii=ascii_only or _has_surrogate(obj))


def _has_surrogate(obj: Any) -> bool:
    return "\\ud" in json.dumps(obj)


@st.composite
def eval_line(draw: st.DrawFn, clean: bool) -> tuple[str, str | None, bool]:
    """(kind, text, ascii). kind "good" carries a valid case; "blank" is skipped; every other
    kind is invalid. ``clean``: good and blank lines only."""
    kind = draw(st.sampled_from(("good", "good", "good", "blank") if clean else (
        "good", "good", "good", "wrong", "missing", "json", "text", "deep", "bigint", "blank")))
    ascii_only = draw(st.booleans())
    if kind in ("good", "wrong", "missing"):
        case = draw(good_case())
        if kind == "wrong":
            field = draw(st.sampled_from(sorted(WRONG)))
            case[field] = draw(st.sampled_from(WRONG[field]))
        elif kind == "missing":
            del case[draw(st.sampled_from(REQUIRED))]
        return kind, dump(case, ascii_only), ascii_only
    if kind == "json":  # any JSON that is not an object with an "id"
        value = draw(json_values.filter(lambda v: not isinstance(v, dict) or "id" not in v))
        return kind, dump(value, ascii_only), ascii_only
    if kind == "text":
        # No leading U+FEFF: at the start of a file it is a byte-order mark, which the loader
        # rightly drops (utf-8-sig), so "\ufeff" alone would be an empty file, not bad line 1.
        # EXPLICIT_EVAL_FILES keeps a mark that is text (two of them).
        return kind, draw(st.text(any_char.filter(lambda c: c != "\n" and not "\ud800" <= c <= "\udfff"),
                                  min_size=1, max_size=80).filter(
            lambda t: bool(t.strip()) and not t.startswith("\ufeff")
            and not _is_json_object(t))), ascii_only
    if kind == "deep":
        return kind, draw(st.sampled_from(("[", "{\"a\":", "[{\"id\":"))) * draw(
            st.integers(1, 100_000)), ascii_only
    if kind == "bigint":
        return kind, "1" * draw(st.integers(4000, 20_000)), ascii_only
    return kind, draw(st.sampled_from(("", " ", "\t", "\r"))), ascii_only


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


@st.composite
def eval_file(draw: st.DrawFn) -> tuple[bytes, tuple[str, int | None]]:
    """(bytes, verdict): ("ok", number of cases) or ("error", first bad line or None)."""
    form = draw(st.sampled_from(("lines", "lines", "lines", "bytes", "empty")))
    if form == "bytes":
        return draw(st.binary(max_size=1024)), ("unknown", None)
    if form == "empty":
        return draw(st.sampled_from((b"", b"\n\n", b"\xef\xbb\xbf", b"  \r\n"))), ("error", None)
    lines = draw(st.lists(eval_line(draw(st.booleans())), min_size=1, max_size=12))
    eol = draw(st.sampled_from(("\n", "\r\n")))
    text = eol.join(t or "" for _, t, _ in lines) + draw(st.sampled_from(("", eol)))
    bom = draw(st.booleans())
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    verdict: tuple[str, int | None] = ("ok", 0)
    seen: set[str] = set()
    cases = 0
    for n, (kind, t, _) in enumerate(lines, start=1):
        if kind == "blank":
            continue
        if kind != "good":
            verdict = ("error", n)
            break
        case_id = str(json.loads(t or "")["id"])
        if case_id in seen:  # a duplicate id is an error on its second line
            verdict = ("error", n)
            break
        seen.add(case_id)
        cases += 1
    else:
        verdict = ("ok", cases) if cases else ("error", None)
    return data, verdict


EXPLICIT_EVAL_FILES = [
    (b"[" * 100_000, ("error", 1)),
    (b"1" * 5000, ("error", 1)),
    (json.dumps({"id": "a", "question": "why\u2028not", "answerable": False, "evidence": [],
                 "answer_keywords": []}, ensure_ascii=False).encode(), ("ok", 1)),
    (b"\xef\xbb\xbf" + json.dumps({"id": 1, "question": "q " * 500_000, "answerable": False,
                                   "evidence": [], "answer_keywords": []}).encode(), ("ok", 1)),
    (b"\n\n{\"id\": 1}\n", ("error", 3)),
    (b"\xef\xbb\xbf", ("error", None)),  # a byte-order mark alone is an empty file
    (b"\xef\xbb\xbf\xef\xbb\xbf", ("error", 1)),  # the second mark is text, not JSON
]


def eval_problems(reply: dict[str, Any], path: Path, data: bytes,
                  verdict: tuple[str, int | None], elapsed: float) -> list[str]:
    problems = reply_problems(reply, "EvalFileError", elapsed, PARSE_BOUND_S)
    lines = data.count(b"\n") + 1
    if "error" in reply:
        err = reply["error"]
        where = f"{path}:{err['line']}: " if err["line"] is not None else f"{path}: "
        if not err["msg"].startswith(where):
            problems.append(f"the message does not start with the file (and line): {err['msg']!r}")
        if err["line"] is not None and not 1 <= err["line"] <= lines:
            problems.append(f"line {err['line']} is outside the file's {lines} lines")
        if verdict[0] == "ok":
            problems.append(f"a valid file was refused: {err['msg']}")
        elif verdict[0] == "error" and err["line"] != verdict[1]:
            problems.append(f"expected an error on line {verdict[1]}, got {err['msg']!r}")
    elif "ok" in reply:
        cases = reply["ok"]["cases"]
        if verdict[0] == "error":
            problems.append(f"an invalid file (line {verdict[1]}) was accepted")
        elif verdict[0] == "ok" and len(cases) != verdict[1]:
            problems.append(f"{len(cases)} cases loaded, {verdict[1]} in the file")
        for c in cases:
            if not (c["cls"] == "EvalCase" and isinstance(c["id"], str) and c["id"].strip()
                    and isinstance(c["question"], str) and c["question"].strip()
                    and isinstance(c["answerable"], bool)
                    and all(isinstance(t, str) for t in c["evidence"] + c["answer_keywords"])
                    and (c["domain"] is None or c["domain"] in range(7))
                    and (not c["answerable"] or c["evidence"])):
                problems.append(f"an invalid case was returned: {str(c)[:300]}")
        if len({c["id"] for c in cases}) != len(cases):
            problems.append("duplicate ids were returned")
    return problems


def test_fuzz_eval_files(worker: Worker, scale: Any, tmp_path: Path) -> None:
    wanted = scale(300, 2000)
    tally: Counter[str] = Counter()

    def one(case: tuple[bytes, tuple[str, int | None]]) -> None:
        data, verdict = case
        path = tmp_path / "set.jsonl"
        path.write_bytes(data)
        reply, elapsed = worker.call("eval", path, PARSE_BOUND_S * 2)
        tally["inputs"] += 1
        tally["valid" if "ok" in reply else "refused"] += 1
        problems = eval_problems(reply, path, data, verdict, elapsed)
        if problems:
            fail_with_input("eval", data, ".jsonl", problems)

    t0 = time.monotonic()
    run_hypothesis(one, eval_file(), wanted, EXPLICIT_EVAL_FILES)
    assert tally["inputs"] >= wanted and tally["valid"] and tally["refused"], tally
    cli = cli_eval_files(tmp_path)
    record("fuzz_eval_files", {"inputs": tally["inputs"], "valid": tally["valid"],
                               "refused": tally["refused"], "cli_runs": cli,
                               "seconds": round(time.monotonic() - t0, 1)})


def cli_eval_files(tmp_path: Path) -> int:
    """``assistant eval`` on bad files: exit 2, one line, and no output file at all (nothing
    half-written, no temporary file). On a good file: every output complete."""
    base = tmp_path / "cli-eval"
    base.mkdir()
    # A small index for the good run (built by the CLI itself, as a user would).
    docs = write_marked_corpus(base / "docs", "okapi", files=2)
    s = Settings(index_dir=base / "index", data_dir=base / "data")
    env = child_env(ASSISTANT_DATA_DIR=str(s.data_dir),
                    ASSISTANT_SETTINGS_FILE=str(base / "none.toml"))
    idx = ["--index-dir", str(s.index_dir)]
    bad = [b"[" * 100_000, b"1" * 5000, b"\xff\xfe\x00garbage", b"", b"\xef\xbb\xbf\n",
           b'{"id": "q1", "question": "x", "answerable": "yes", "evidence": [], '
           b'"answer_keywords": []}', b'{"id": 1}\n' * 3, b"not json at all\n"]
    good_cases = [{"id": "q1", "question": QUESTIONS[0], "domain": None, "section": None,
                   "answerable": True, "evidence": ["dataflow"], "answer_keywords": ["beam"]},
                  {"id": "q2", "question": "What\u2028is the capital of France?",
                   "answerable": False, "evidence": [], "answer_keywords": []}]
    good = base / "good.jsonl"
    good.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in good_cases) + "\n",
                    encoding="utf-8")

    cases: list[tuple[Sequence[str], dict[str, str]]] = [(["ingest", str(docs), *idx], env)]
    outs: list[Path] = []
    for i, data in enumerate(bad):
        (base / f"bad{i}.jsonl").write_bytes(data)
        out = base / f"out-bad{i}"
        out.mkdir()
        outs.append(out)
        cases.append((["eval", str(base / f"bad{i}.jsonl"), "--json", str(out / "OUT.json"),
                       "--report", str(out / "OUT.md"), *idx], env))
    # A good file with an output path that cannot be written: refused before the run.
    missing = base / "out-missing"
    missing.mkdir()
    cases.append((["eval", str(good), "--json", str(missing / "no" / "OUT.json"),
                   "--report", str(missing / "OUT.md"), *idx], env))
    procs = run_cli(cases)
    assert procs[0].returncode == 0, procs[0].stderr[-2000:]
    for proc, out in zip(procs[1:], [*outs, missing]):
        line = one_line_error(proc)
        assert str(base) in line, line  # names the file (or the output path) at fault
        assert not list(out.iterdir()), (line, list(out.iterdir()))

    ok_out = base / "out-good"
    ok_out.mkdir()
    proc = run_cli([(["eval", str(good), "--json", str(ok_out / "OUT.json"), "--report",
                      str(ok_out / "OUT.md"), *idx], env)])[0]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in ok_out.iterdir()) == ["OUT.json", "OUT.md", "OUT.png"]
    report = json.loads((ok_out / "OUT.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in report["cases"]] == ["q1", "q2"] and report["metrics"]["cases"] == 2
    md = (ok_out / "OUT.md").read_text(encoding="utf-8")
    assert md.startswith("# Eval report") and md.endswith("\n") and "## Failed cases" in md
    assert (ok_out / "OUT.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return len(procs) + 1


# --- 5. history files --------------------------------------------------------------------

FOLLOWUPS = ("and how does it scale?", "what about its cost?", "and drift?", "why?")


@st.composite
def history_item(draw: st.DrawFn) -> tuple[bool, Any]:
    """(valid, item) for a JSON history."""
    content = st.one_of(st.text(any_char, max_size=60),
                        st.builds(lambda n: "Dataflow pipelines " * n, st.integers(1, 50_000)))
    if draw(st.integers(0, 4)):
        return True, draw(st.one_of(
            content,
            st.builds(lambda r, c: {"role": r, "content": c},
                      st.sampled_from(("user", "assistant")), content),
            st.builds(lambda c: {"content": c}, content)))
    return False, draw(st.one_of(
        st.builds(lambda r, c: {"role": r, "content": c},
                  st.sampled_from(("system", "User", "", None, 1, ["user"])), content),
        st.builds(lambda c: {"role": "user", "content": c},
                  st.one_of(st.none(), st.integers(), st.lists(st.text(max_size=3), max_size=2))),
        st.builds(lambda r: {"role": r}, st.sampled_from(("user", "assistant"))),
        st.one_of(st.none(), st.integers(), st.booleans(), st.lists(st.integers(), max_size=2))))


HISTORY_MAX_BYTES = 5_000_000  # history.py refuses larger files, whatever they hold


@st.composite
def history_file(draw: st.DrawFn) -> tuple[bytes, tuple[str, Any]]:
    """(bytes, verdict): ("ok", number of turns), ("turn", n), ("line", n), ("error", None)
    or ("unknown", None) for random bytes."""
    data, verdict = draw(_history_file())
    return data, (("error", None) if len(data) > HISTORY_MAX_BYTES else verdict)


@st.composite
def _history_file(draw: st.DrawFn) -> tuple[bytes, tuple[str, Any]]:
    form = draw(st.sampled_from(("list", "list", "jsonl", "jsonl", "text", "bytes", "deep")))
    ascii_only = draw(st.booleans())
    lead = draw(st.sampled_from(("", "\n", "\n\n", "  ")))
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    if form == "bytes":
        return draw(st.binary(max_size=512)), ("unknown", None)
    if form == "deep":
        opener = draw(st.sampled_from(("[", "[{\"content\": ", "{\"a\": ")))
        return bom + (lead + opener * draw(st.integers(1, 100_000))).encode(), ("error", None)
    if form == "text":
        line = st.text(any_char.filter(lambda c: c not in "\n\r\x00" and not "\ud800" <= c <= "\udfff"),
                       max_size=60)
        lines = [draw(st.sampled_from(("What is", "How do", "Why")))] + draw(
            st.lists(line, max_size=20))
        text = "\n".join(lines)
        n = sum(1 for ln in text.strip().replace("\r", "\n").split("\n") if ln.strip())
        return bom + (lead + text).encode(), ("ok", min(n, 200))
    items = draw(st.lists(history_item(), max_size=12 if form == "list" else 8))
    if form == "list":
        text = json.dumps([i for _, i in items], ensure_ascii=ascii_only or _has_surrogate(
            [i for _, i in items]), indent=draw(st.sampled_from((None, 1))))
        bad = next((n for n, (ok, _) in enumerate(items, start=1) if not ok), None)
        verdict: tuple[str, Any] = ("turn", bad) if bad else ("ok", min(len(items), 200))
        return bom + (lead + text).encode(), verdict
    # JSON Lines: the first line is an object (that is how the format is told apart).
    first = {"role": "user", "content": draw(st.text(max_size=20))}
    lines = [dump(first, ascii_only)]
    garbage_at = draw(st.one_of(st.none(), st.integers(2, len(items) + 2)))
    for _ok, item in items:
        lines.append(dump(item, ascii_only))
    if garbage_at is not None:
        lines.insert(garbage_at - 1, draw(st.sampled_from(("{not json", "[1,", "\"open", "1" * 5000,
                                                           "[" * 5000))))
    body = "\n".join(lines)
    text = lead + body
    leading_lines = lead.count("\n")
    if garbage_at is not None:
        return bom + text.encode(), ("line", garbage_at + leading_lines)
    bad = next((n for n, (ok, _) in enumerate(items, start=2) if not ok), None)
    return bom + text.encode(), (("turn", bad) if bad else ("ok", min(len(items) + 1, 200)))


EXPLICIT_HISTORY_FILES = [
    (b"[" * 100_000, ("error", None)),
    (b"[" + b"1" * 5000 + b"]", ("error", None)),
    (json.dumps({"role": "user", "content": "a\u2028b"}, ensure_ascii=False).encode(), ("ok", 1)),
    (("Dataflow pipelines " * 250_000).encode(), ("ok", 1)),
    (b"What is Dataflow?\n" * 300, ("ok", 200)),
    (b"\n\n{\"role\": \"user\", \"content\": \"x\"}\n{bad\n", ("line", 4)),
    (b"What is \x00 this", ("error", None)),
]


def history_problems(reply: dict[str, Any], path: Path, verdict: tuple[str, Any],
                     elapsed: float) -> list[str]:
    problems = reply_problems(reply, "HistoryFileError", elapsed, PARSE_BOUND_S)
    kind, n = verdict
    if "error" in reply:
        msg = reply["error"]["msg"]
        if not msg.startswith(f"{path}"):
            problems.append(f"the message does not name the file: {msg!r}")
        if kind == "ok":
            problems.append(f"a valid history was refused: {msg}")
        elif kind == "turn" and f"turn {n} " not in msg:
            problems.append(f"expected an error on turn {n}: {msg!r}")
        elif kind == "line" and not msg.startswith(f"{path}:{n}: "):
            problems.append(f"expected an error on line {n}: {msg!r}")
    elif "ok" in reply:
        turns = reply["ok"]["turns"]
        if kind in ("turn", "line", "error"):
            problems.append(f"an invalid history ({kind} {n}) was accepted")
        elif kind == "ok" and len(turns) != n:
            problems.append(f"{len(turns)} turns loaded, {n} expected")
        if any(t["cls"] != "Turn" or t["role"] not in ("user", "assistant")
               or t["content_type"] != "str" for t in turns) or len(turns) > 200:
            problems.append(f"invalid turns returned: {turns[:3]}")
    return problems


def test_fuzz_history_files(worker: Worker, small_index: SmallIndex, scale: Any,
                            tmp_path: Path) -> None:
    wanted = scale(300, 2500)
    tally: Counter[str] = Counter()

    def one(case: tuple[bytes, tuple[str, Any]], followup: str) -> None:
        data, verdict = case
        path = tmp_path / "history.txt"
        path.write_bytes(data)
        reply, elapsed = worker.call("history", path, PARSE_BOUND_S * 2)
        tally["inputs"] += 1
        problems = history_problems(reply, path, verdict, elapsed)
        if not problems and "ok" in reply:
            tally["valid"] += 1
            # A valid history must also carry a follow-up question (the worker showed that
            # reading it terminates, so it is safe to read here).
            turns = load_history(path)
            with Watchdog(HANG_S, lambda: save_input("history", data, ".txt", "hang")):
                outcome, ask_issues = ask_problems(small_index, followup, turns)
            tally[f"ask {outcome}"] += 1
            problems += [f"asking with this history: {p}" for p in ask_issues]
        elif "error" in reply:
            tally["refused"] += 1
        if problems:
            fail_with_input("history", data, ".txt", problems)

    t0 = time.monotonic()
    run_hypothesis(lambda pair: one(*pair), st.tuples(history_file(), st.sampled_from(FOLLOWUPS)),
                   wanted, [(f, FOLLOWUPS[0]) for f in EXPLICIT_HISTORY_FILES])
    assert tally["inputs"] >= wanted and tally["valid"] and tally["refused"], tally
    cli = cli_history_files(small_index, tmp_path)
    record("fuzz_history_files", {"inputs": tally["inputs"], "valid": tally["valid"],
                                  "refused": tally["refused"], "cli_runs": cli,
                                  "seconds": round(time.monotonic() - t0, 1)})


def cli_history_files(small: SmallIndex, tmp_path: Path) -> int:
    base = tmp_path / "cli-history"
    base.mkdir()
    bad = [b"[" * 100_000, b'[{"role": "system", "content": "x"}]', b"\xff\xfe bad bytes",
           b"What \x00 binary", b'{"role": "user", "content": "x"}\n{broken\n',
           b"[" + b"9" * 5000 + b"]"]
    good = [json.dumps({"role": "user", "content": "How does Dataflow\u2028preprocess data?"},
                       ensure_ascii=False).encode(),
            b'["How does Dataflow preprocess data at scale?", {"role": "assistant", '
            b'"content": "It runs Beam pipelines."}]']
    idx = ["--index-dir", str(small.settings.index_dir)]
    cases: list[tuple[Sequence[str], dict[str, str]]] = []
    for i, data in enumerate([*bad, *good]):
        path = base / f"h{i}.txt"
        path.write_bytes(data)
        cases.append((["ask", "and how does it scale?", "--history", str(path), "--json", *idx],
                      small.env()))
    procs = run_cli(cases)
    for i, proc in enumerate(procs[:len(bad)]):
        line = one_line_error(proc)
        assert f"h{i}.txt" in line, line
    for proc in procs[len(bad):]:
        check_cli_answer(proc, small.ids)
    return len(procs)
