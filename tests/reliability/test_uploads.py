"""Uploads under attack: hostile file names, type and size limits, and decompression bombs.

What a user (or anyone who can reach the Documents page) uploads goes through
``assistant.ingest.uploads.save_uploads``; what a user points ingest at goes through the same
loaders. The promises tested here:

- Names with ``../``, absolute paths, drive letters, NUL bytes, control and bidi characters,
  full-width slashes, Windows device names, dots only, or 500 characters are stored *inside*
  ``Settings.uploads_dir`` under a plain visible name, and nothing is created anywhere else
  (the whole temp tree is compared before and after). A planted symlink is replaced, not
  written through. Names that collide after cleaning are refused, not silently merged.
- Unsupported types and files over ``max_file_mb`` are refused with one line that names the
  supported types or the MB figures, and an earlier good version of the same file stays.
- A zip bomb (10 MB of zeros in 10 KB, as ``.zip`` and renamed to text types) and PDF bombs
  (10,000 pages; a 1 MB file whose FlateDecode content inflates to 1.15 GB; 60 MB of text in
  one stream; one stream shared by 2,000 pages; a 1 KB file drawing a 100 KB form XObject
  5,000 times) are refused with a clear reason, in a child process whose peak RSS and time are
  measured, under an address-space limit as a backstop. YAML "billion laughs" front matter is
  bounded. The refusing files through ``python -m assistant ingest``: one line per file, exit
  status 1.

The bombs are built here, byte by byte where no library would write them.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.ingest.loaders import SUPPORTED_SUFFIXES
from assistant.ingest.uploads import sanitize_filename, save_uploads
from assistant.settings import PROJECT_ROOT, Settings

from .conftest import record
from .support import child_env

pytestmark = pytest.mark.slow

# Bounds a refusal must stay within. The worst bombs here took 1.1 GB and 50 s (a 60 MB text
# stream), or minutes and several GB (a shared stream, a form drawn 5,000 times), before the
# loader bounded them; a bounded refusal measures ~100-230 MB and a few seconds.
PEAK_RSS_MB = 600
SECONDS = 30
# Address-space ceiling of the child: if a bound regresses, the child gets a MemoryError (and
# the test fails on the reason) instead of pushing a 2-core CI box into swap.
ADDRESS_SPACE = 3 << 30

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}
SUPPORTED = sorted(SUPPORTED_SUFFIXES)
GOOD_MD = "# Study notes\n\n## Dataflow\n\nDataflow runs Apache Beam pipelines at scale.\n"

_FIGURES: dict[str, float] = {"hostile_names": 0, "refused_types": 0, "bombs_refused": 0,
                              "peak_rss_mb": 0.0, "slowest_bomb_s": 0.0}


def _record(**values: float) -> None:
    for key, value in values.items():
        _FIGURES[key] = max(_FIGURES[key], value) if key in ("peak_rss_mb", "slowest_bomb_s") \
            else _FIGURES[key] + value
    record("uploads", dict(_FIGURES))


@dataclass
class Upload:
    """What ``st.file_uploader`` hands over: a name, a declared size and the bytes."""

    name: str
    data: bytes
    declared: int | None = None
    reads: int = field(default=0)

    @property
    def size(self) -> int:
        return len(self.data) if self.declared is None else self.declared

    def getvalue(self) -> bytes:
        self.reads += 1
        return self.data


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every entry under ``root`` (symlinks not followed): kind, size, mtime."""
    out: dict[str, tuple[str, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            kind = "link" if p.is_symlink() else "dir" if p.is_dir() else "file"
            out[str(p.relative_to(root))] = (kind, st.st_size if kind == "file" else 0,
                                             st.st_mtime_ns if kind == "file" else 0)
    return out


def assert_plain_name(name: str) -> None:
    """What every stored or reported name must be, whatever came in."""
    assert name and name not in (".", "..") and not name.startswith("."), repr(name)
    assert not any(ch in name for ch in "/\\\x00"), repr(name)
    assert not any(unicodedata.category(ch)[0] == "C" for ch in name), repr(name)  # no bidi
    assert ".." not in name, repr(name)
    assert name.split(".")[0].strip().lower() not in _RESERVED, repr(name)
    assert len(name.encode()) <= 255, len(name.encode())


def outside(before: dict[str, tuple[str, int, int]], after: dict[str, tuple[str, int, int]],
            root: Path, folder: Path) -> set[str]:
    """Entries created or changed under ``root`` that are neither inside ``folder`` nor one
    of its parent directories (which a first upload may create)."""
    rel = folder.relative_to(root)
    allowed = {str(p) for p in rel.parents if str(p) != "."} | {str(rel)}
    touched = {p for p in after if before.get(p) != after[p]} | (set(before) - set(after))
    return {p for p in touched if p not in allowed and not Path(p).is_relative_to(rel)}


def assert_refusal(error: str | None, name: str) -> str:
    assert error is not None
    assert "\n" not in error and "Traceback" not in error, error
    assert error.startswith(f"{name}: "), (error, name)
    return error.split(": ", 1)[1]


@pytest.fixture
def up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The data directory sits two levels down, so a name that climbed out of it ("../../")
    would still land inside tmp_path, where the snapshot sees it; the working directory is
    inside tmp_path too, for names taken as relative paths."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return Settings(data_dir=tmp_path / "a" / "b" / "data", index_dir=tmp_path / "index",
                    corpus_dir=tmp_path / "corpus")


# --- hostile names -------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd.md", "/etc/passwd.md", "..\\..\\..\\Windows\\win.ini.txt",
    "C:\\Windows\\x.md", "\\\\server\\share\\unc.md", "a/b/../../../../c.md", "~/.bashrc.md",
    "file:///etc/hosts.md", "%2e%2e%2fencoded.md", "..%c0%af..%c0%afoverlong.md",
    "a\x00b.md", "evil.md\x00.exe", "evil.exe\x00.md", "line\nbreak.md", "tab\there.md",
    "CON.md", "nul.txt", "aux", "LPT9.html", "COM\u00b9.md", "\uff43\uff4f\uff4e.md", "con .md",
    "..", ".", "/", "", "...md", "....", ".hidden.md", " .md", "x.md.", "x.md ", "x.md:stream",
    "a" * 500 + ".md", "\u6f22" * 300 + ".md", "x" * 116 + ".b.md", "\u00e9" * 250 + ".txt",
    "..\uff0f..\uff0fescape.md", "..\uff3c..\uff3cescape.md", "..\u2215..\u2215division.md",
    "\u202eevil\u202dgpj.md", "\u200bzero\u200bwidth\u2060.md", "\u0000\u0001\u001f.md",
    "$(rm -rf ~).md", "`id`.md", "-rf.md", "<script>alert(1)</script>.html",
]


def test_hostile_names_are_stored_inside_the_uploads_folder(up: Settings, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    uploads = up.uploads_dir.resolve()
    saved = refused = 0
    for i, original in enumerate(HOSTILE_NAMES):
        # Each body is unique, so a file found later can be traced to the name that wrote it.
        body = f"# Upload {i}\n\nDataflow note number {i} for the upload test.\n".encode()
        [result] = save_uploads(up, [Upload(original, body)])
        assert result.name == sanitize_filename(original)
        assert_plain_name(result.name)
        if result.path is not None:
            saved += 1
            assert result.error is None
            assert result.path.parent == up.uploads_dir
            assert result.path.resolve().is_relative_to(uploads), (original, result.path)
            assert result.path.read_bytes() == body, original
        else:
            refused += 1
            reason = assert_refusal(result.error, result.name)
            # The only refusal a name can cause: it leaves no supported extension.
            assert Path(result.name).suffix.lower() not in SUPPORTED_SUFFIXES, result
            assert reason.startswith("unsupported file type") and all(s in reason for s in SUPPORTED)
    # Precondition: most names keep a supported extension, so storage itself was exercised.
    assert saved >= 30 and refused >= 4, (saved, refused)

    # Nothing created, changed or removed anywhere in the temp tree but the uploads folder.
    assert not outside(before, snapshot(tmp_path), tmp_path, up.uploads_dir)
    stored = sorted(p.name for p in up.uploads_dir.iterdir())
    assert stored and all(not n.startswith(".") for n in stored), stored  # no staging leftovers
    for name in stored:
        assert_plain_name(name)
    assert not Path("/etc/passwd.md").exists()
    _record(hostile_names=len(HOSTILE_NAMES))


def test_a_planted_symlink_is_replaced_not_written_through(up: Settings, tmp_path: Path) -> None:
    """A link in the uploads folder (left by another tool, or a malicious archive) named like
    the upload must not redirect the write to its target outside the folder."""
    victim = tmp_path / "outside" / "victim.md"
    victim.parent.mkdir()
    victim.write_text("precious\n", encoding="utf-8")
    up.uploads_dir.mkdir(parents=True)
    (up.uploads_dir / "notes.md").symlink_to(victim)
    [result] = save_uploads(up, [Upload("notes.md", GOOD_MD.encode())])
    assert result.path == up.uploads_dir / "notes.md" and result.error is None
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not result.path.is_symlink() and result.path.read_text(encoding="utf-8") == GOOD_MD


def test_names_that_collide_after_cleaning_are_refused_not_merged(up: Settings) -> None:
    names = ["dup/notes.md", "other\\notes.md", "NOTES.md", "notes.md\x00", "../notes.md",
             "\uff0fnotes.md"]
    results = save_uploads(up, [Upload(n, f"# N{i}\n\nBody {i} of notes.\n".encode())
                                for i, n in enumerate(names)])
    assert results[0].path == up.uploads_dir / "notes.md"
    for r in results[1:]:
        reason = assert_refusal(r.error, r.name)
        assert r.path is None and "same name" in reason, r
    # One file, with the first upload's bytes: nothing silently overwrote it within the batch.
    assert [p.name for p in up.uploads_dir.iterdir()] == ["notes.md"]
    assert (up.uploads_dir / "notes.md").read_text(encoding="utf-8").startswith("# N0\n")


# --- type and size limits ------------------------------------------------------------------

REFUSED_TYPES = ["setup.exe", "bomb.zip", "report.doc", "README", "archive.tar.gz",
                 "slides.ppt", "image.png", "notes.md.exe", "page.php", "data.jsonl", "book.odt"]


def test_unsupported_types_are_refused_with_the_supported_list(up: Settings) -> None:
    uploads = [Upload(n, GOOD_MD.encode()) for n in REFUSED_TYPES]
    results = save_uploads(up, uploads)
    for u, r in zip(uploads, results):
        reason = assert_refusal(r.error, r.name)
        suffix = Path(r.name).suffix.lower() or "(none)"
        assert r.path is None and reason.startswith(f"unsupported file type '{suffix}'"), r
        assert all(s in reason for s in SUPPORTED), reason
        assert u.reads == 0  # refused on the name: the bytes were never read
    assert not any(up.uploads_dir.iterdir())
    _record(refused_types=len(REFUSED_TYPES))


def test_word_and_powerpoint_uploads_are_accepted_like_the_cli_accepts_them(up: Settings
                                                                           ) -> None:
    from real_documents import cp1252_file, utf16_file

    tmp = up.data_dir / "src"
    tmp.mkdir(parents=True)
    uploads = [Upload("notes.docx", _office("docx")), Upload("deck.pptx", _office("pptx")),
               Upload("cp.txt", cp1252_file(tmp / "cp.txt").read_bytes()),
               Upload("u16.txt", utf16_file(tmp / "u16.txt").read_bytes()),
               Upload("fake.docx", GOOD_MD.encode())]
    results = save_uploads(up, uploads)
    assert [r.path.name if r.path else None for r in results] == [
        "notes.docx", "deck.pptx", "cp.txt", "u16.txt", None]
    reason = assert_refusal(results[-1].error, "fake.docx")
    assert "not a valid DOCX file" in reason
    assert sorted(p.name for p in up.uploads_dir.iterdir()) == [
        "cp.txt", "deck.pptx", "notes.docx", "u16.txt"]


def test_oversized_upload_is_refused_and_the_good_version_stays(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path / "data", index_dir=tmp_path / "index", max_file_mb=0.5)
    limit = int(s.max_file_mb * 1_000_000)
    [good] = save_uploads(s, [Upload("notes.md", GOOD_MD.encode())])
    assert good.path is not None
    kept = (good.path.read_bytes(), good.path.stat().st_mtime_ns)

    big = (GOOD_MD + "Filler sentence about Vertex AI pipelines.\n" * 20_000).encode()
    assert len(big) > limit  # precondition
    honest = Upload("notes.md", big)
    # A client that lies about the size: the bytes are measured too.
    liar = Upload("notes.md", big, declared=10)
    # A declared size over the limit is refused before the bytes are read into memory.
    huge = Upload("notes.md", b"x", declared=limit * 1000)
    for u in (honest, liar, huge):
        [r] = save_uploads(s, [u])
        reason = assert_refusal(r.error, "notes.md")
        figure = f"{(u.declared if u is huge else len(big)) / 1e6:.1f} MB"
        assert r.path is None and reason.startswith(f"{figure} is over the limit of 0.5 MB"), reason
        assert "ASSISTANT_MAX_FILE_MB" in reason
        assert (good.path.read_bytes(), good.path.stat().st_mtime_ns) == kept
    assert huge.reads == 0
    assert sorted(p.name for p in s.uploads_dir.iterdir()) == ["notes.md"]


def test_the_eval_set_upload_lands_inside_its_folder(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The Evals page stores an uploaded eval set under its cleaned name (through
    assistant.evals.runs.save_eval_set_upload, which the page calls; no Streamlit needed)."""
    from assistant.evals.runs import eval_sets_dir, save_eval_set_upload

    monkeypatch.chdir(tmp_path)
    s = Settings(data_dir=tmp_path / "x" / "data", index_dir=tmp_path / "index")
    line = json.dumps({"id": "u-1", "question": "What does Dataflow run?", "domain": 1,
                       "answerable": True, "evidence": ["Beam"], "answer_keywords": ["Beam"]})
    before = snapshot(tmp_path)
    folder = eval_sets_dir(s).resolve()
    for name in ("../../evil.jsonl", "/etc/cron.d/x.jsonl", "..", ".jsonl", "C:\\x\\y.md",
                 "\u202e..\uff0f..\uff0fz.jsonl", "\u6f22" * 200 + ".jsonl"):
        cases, stored = save_eval_set_upload(s, name, (line + "\n").encode())
        assert [c.id for c in cases] == ["u-1"]
        assert_plain_name(stored)
        assert stored.endswith(".jsonl") and (folder / stored).is_file(), (name, stored)
    assert not outside(before, snapshot(tmp_path), tmp_path, eval_sets_dir(s))
    assert not any(p.name.startswith(".") for p in folder.iterdir())


# --- bombs ---------------------------------------------------------------------------------


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF from object bodies (object n is ``objects[n-1]``) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode())
    return bytes(out)


def _flate(data: bytes, extra: str = "") -> bytes:
    return (f"<< /Length {len(data)} /Filter /FlateDecode {extra}>>\nstream\n".encode() + data
            + b"\nendstream")


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _pages_pdf(content: bytes, pages: int = 1, xobjects: bytes = b"",
               extra: list[bytes] | None = None) -> bytes:
    """``pages`` pages that all draw the same (already compressed) content stream."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    content_id, font_id = 3 + pages, 4 + pages
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode()]
    objs += [f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R "
             f"/Resources << /Font << /F1 {font_id} 0 R >> {xobjects.decode()} >> >>".encode()
             ] * pages
    return _pdf(objs + [_flate(content), _FONT, *(extra or [])])


def zlib_bomb(unit: bytes, total: int) -> bytes:
    """A valid zlib stream of ``unit`` repeated to ``total`` bytes, built without compressing
    all of it: after a full flush deflate restarts, so one compressed 1 MB block can be
    repeated, and the Adler-32 of the whole is computed per block."""
    chunk = unit * ((1 << 20) // len(unit))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.compress(chunk)
    c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    n = -(-total // len(chunk))
    adler = 1
    for _ in range(n):
        adler = zlib.adler32(chunk, adler)
    return b"\x78\xda" + block * n + c.flush(zlib.Z_FINISH) + adler.to_bytes(4, "big")


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("zeros.bin", "w") as fh:
            for _ in range(10):
                fh.write(bytes(1 << 20))
    return buf.getvalue()


def _office(kind: str) -> bytes:
    """A real small DOCX or PPTX (tests/real_documents.py) as bytes."""
    import tempfile

    from real_documents import docx_file, pptx_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"x.{kind}"
        (docx_file(path, table_repeat=1) if kind == "docx" else pptx_file(path))
        return path.read_bytes()


def _with_parts(data: bytes, parts: Callable[[zipfile.ZipFile], None]) -> bytes:
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        parts(z)
    return buf.getvalue()


def docx_gigabyte() -> bytes:
    """A real DOCX plus a part of 1 GB of zeros: about 1 MB on disk."""
    def add(z: zipfile.ZipFile) -> None:
        with z.open("word/media/zeros.bin", "w", force_zip64=True) as fh:
            block = bytes(1 << 20)
            for _ in range(1000):
                fh.write(block)
    return _with_parts(_office("docx"), add)


def docx_big_xml() -> bytes:
    """A real DOCX whose body XML is 40 MB of paragraphs (about 150 KB on disk)."""
    src = zipfile.ZipFile(io.BytesIO(_office("docx")))
    para = "<w:p><w:r><w:t>Dataflow runs Apache Beam pipelines at scale.</w:t></w:r></w:p>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode()
                at = text.index("<w:body>") + len("<w:body>")
                data = (text[:at] + para * (40_000_000 // len(para)) + text[at:]).encode()
            z.writestr(info, data)
    return buf.getvalue()


def pptx_many_parts() -> bytes:
    """A real PPTX with 12,000 empty parts added."""
    def add(z: zipfile.ZipFile) -> None:
        for i in range(12_000):
            z.writestr(f"ppt/media/p{i}.bin", b"")
    return _with_parts(_office("pptx"), add)


def ten_thousand_pages() -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    for _ in range(10_000):
        w.add_blank_page(612, 792)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def flate_gigabyte() -> bytes:
    """One page whose content stream inflates to 1.15 GB of blanks (a 1 MB file)."""
    return _pages_pdf(zlib_bomb(b" ", 1100 << 20))


def big_text_stream() -> bytes:
    """60 MB of text in one Tj (under pypdf's own 75 MB stream limit): took 50 s and 1.1 GB."""
    c = zlib.compressobj(9)
    body = c.compress(b"BT /F1 12 Tf 72 700 Td (")
    body += b"".join(c.compress(b"word " * 200_000) for _ in range(60))
    return _pages_pdf(body + c.compress(b") Tj ET\n") + c.flush())


def shared_stream() -> bytes:
    """2,000 pages (the page limit) that all draw one stream of 1 MB of text: 2 GB of text
    from a 330 KB file."""
    return _pages_pdf(zlib.compress(b"BT /F1 12 Tf 72 700 Td (" + b"word " * 200_000
                                    + b") Tj ET\n", 9), pages=2000)


def form_drawn_5000_times() -> bytes:
    """A 1 KB file: one page draws a form XObject holding 100 KB of text 5,000 times."""
    form_text = zlib.compress(b"BT /F1 12 Tf 72 700 Td (" + b"word " * 20_000 + b") Tj ET\n", 9)
    form = _flate(form_text, "/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                             "/Resources << /Font << /F1 5 0 R >> >> ")
    return _pages_pdf(zlib.compress(b"/X0 Do\n" * 5000, 9), xobjects=b"/XObject << /X0 6 0 R >>",
                      extra=[form])


def yaml_laughs() -> bytes:
    """Front matter with nested YAML aliases ("billion laughs"): 10^9 strings if expanded."""
    lines = ["---", 'title: "laughs"', "l0: &l0 [" + ",".join(['"lol"'] * 10) + "]"]
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 9)]
    lines += ["sources: *l8", "section: *l8", "---", "", "# Laughs", "",
              "Dataflow runs Apache Beam pipelines."]
    return "\n".join(lines).encode()


@dataclass
class Bomb:
    name: str
    build: Callable[[], bytes]
    # The refusal reason must contain one of these; None: bounded is enough (may be accepted).
    reason: tuple[str, ...] | None


ZIP_REASONS = ("binary data", "not UTF-8")
BOMBS = [
    Bomb("bomb.zip", zip_bomb, ("unsupported file type '.zip'",)),
    Bomb("bomb.md", zip_bomb, ZIP_REASONS),
    Bomb("bomb.txt", zip_bomb, ZIP_REASONS),
    Bomb("bomb.html", zip_bomb, ZIP_REASONS),
    Bomb("bomb.docx", zip_bomb, ("Word file cannot be read", "not a Word document")),
    Bomb("gigabyte.docx", docx_gigabyte, ("when unzipped, over the limit",)),
    Bomb("big-xml.docx", docx_big_xml, ("text parts expand to",)),
    Bomb("many-parts.pptx", pptx_many_parts, ("over the limit of 10000",)),
    Bomb("ten-thousand-pages.pdf", ten_thousand_pages, ("10000 pages is over the limit of 2000",)),
    Bomb("flate-gigabyte.pdf", flate_gigabyte, ("expands beyond",)),
    Bomb("big-text-stream.pdf", big_text_stream, ("expands beyond",)),
    Bomb("shared-stream.pdf", shared_stream, ("expands beyond",)),
    Bomb("form-5000.pdf", form_drawn_5000_times, ("expands beyond",)),
    Bomb("laughs.md", yaml_laughs, None),
]


@pytest.fixture(scope="module")
def bomb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bombs")
    built: dict[Callable[[], bytes], bytes] = {}
    for b in BOMBS:
        data = built.setdefault(b.build, b.build())
        (folder / b.name).write_bytes(data)
    return folder


# The child: one upload through save_uploads, under an address-space ceiling; prints its
# result, its peak RSS after the imports and at the end, and the time the call took. The peak
# is the kernel's high-water mark of this process's memory (VmHWM): ru_maxrss would not do,
# as Linux carries the parent's (pytest's) RSS into it across fork and exec.
CHILD = """
import json, resource, sys, time
from pathlib import Path
limit = int(sys.argv[4])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from assistant.settings import Settings
from assistant.ingest.uploads import save_uploads

def hwm_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

class Upload:
    def __init__(self, name, data):
        self.name, self.size, self._data = name, len(data), data
    def getvalue(self):
        return self._data

s = Settings(data_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[1]) / "index")
import pypdf, bs4, yaml  # the loaders' lazy imports, so the baseline includes them
data = Path(sys.argv[2]).read_bytes()
base = hwm_mb()
t0 = time.perf_counter()
[r] = save_uploads(s, [Upload(sys.argv[3], data)])
print(json.dumps({"path": str(r.path) if r.path else None, "error": r.error,
                  "seconds": time.perf_counter() - t0, "base_mb": base, "peak_mb": hwm_mb()}))
"""


@pytest.mark.parametrize("bomb", BOMBS, ids=[b.name for b in BOMBS])
def test_bombs_are_refused_with_bounded_memory_and_time(bomb: Bomb, bomb_dir: Path,
                                                        tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    uploads = data_dir / "uploads"
    uploads.mkdir(parents=True)
    # An earlier good version under the same name must survive a refused bomb.
    good = uploads / bomb.name
    good.write_bytes(b"earlier good version\n")
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(data_dir), str(bomb_dir / bomb.name),
                           bomb.name, str(ADDRESS_SPACE)], capture_output=True, text=True,
                          env=child_env(), cwd=str(PROJECT_ROOT), timeout=SECONDS * 4)
    wall = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n{bomb.name}: {(bomb_dir / bomb.name).stat().st_size / 1e3:.0f} KB on disk, "
          f"{out['seconds']:.1f} s, peak RSS {out['peak_mb']:.0f} MB (after imports "
          f"{out['base_mb']:.0f} MB): {out['error']}")
    assert out["peak_mb"] < PEAK_RSS_MB, out
    assert out["seconds"] < SECONDS and wall < SECONDS * 2, (out, wall)
    if bomb.reason is not None:
        reason = assert_refusal(out["error"], bomb.name)
        assert out["path"] is None and any(r in reason for r in bomb.reason), reason
        assert good.read_bytes() == b"earlier good version\n"
        _record(bombs_refused=1)
    assert sorted(p.name for p in uploads.iterdir()) == [bomb.name]  # no staging leftovers
    _record(peak_rss_mb=round(out["peak_mb"]), slowest_bomb_s=round(out["seconds"], 1))


def _hwm_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _run_measured(cmd: list[str], env: dict[str, str], cwd: Path,
                  timeout: float) -> tuple[int, str, str, float, float]:
    """Run ``cmd``; returns (exit status, stdout, stderr, peak RSS in MB, seconds). The peak
    is the child's memory high-water mark (VmHWM), sampled every 20 ms until it exits: it only
    grows, so a sample after the peak holds it (ru_maxrss would include pytest's own RSS,
    which Linux carries into a child across fork and exec)."""
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    t0 = time.monotonic()
    peak = 0.0
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                cwd=str(PROJECT_ROOT))
        while proc.poll() is None:
            peak = max(peak, _hwm_mb(proc.pid))
            if time.monotonic() - t0 > timeout:
                proc.kill()
                proc.wait()
                raise AssertionError(f"{cmd[3:5]} ran over {timeout} s")
            time.sleep(0.02)
    return (proc.returncode, out_path.read_text(), err_path.read_text(), peak,
            time.monotonic() - t0)


def test_cli_ingest_reports_each_bomb_in_one_line(bomb_dir: Path, tmp_path: Path) -> None:
    refused = [b for b in BOMBS if b.reason is not None]
    env = child_env(ASSISTANT_DATA_DIR=str(tmp_path / "data"),
                    ASSISTANT_SETTINGS_FILE=str(tmp_path / "none.toml"))
    code, out, err, peak_mb, seconds = _run_measured(
        [sys.executable, "-m", "assistant", "ingest", *[str(bomb_dir / b.name) for b in refused],
         "--index-dir", str(tmp_path / "index")], env, tmp_path, timeout=SECONDS * 4)
    print(f"\ncli ingest of {len(refused)} bombs: exit {code}, {seconds:.1f} s, "
          f"peak RSS {peak_mb:.0f} MB")
    # The CLI's convention (tests/test_cli.py): failed files make a partial ingest, exit 1.
    assert code == 1, (code, out, err)
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == len(refused), err  # one line per file, nothing else
    by_file = {Path(ln.split(": ", 1)[0]).name: ln.split(": ", 1)[1] for ln in lines}
    for b in refused:
        assert b.reason and any(r in by_file[b.name] for r in b.reason), (b.name, by_file)
    assert "0 added" in out and f"{len(refused)} failed" in out, out
    assert peak_mb < PEAK_RSS_MB + 300, peak_mb  # the CLI itself also loads the index stack
    assert seconds < SECONDS * 3, seconds
