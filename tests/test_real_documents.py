"""Real-world documents (issue 18): Word, PowerPoint, owner-locked and password PDFs, a scanned
PDF read by Tesseract, cp1252 and UTF-16 text. Every file is built for real (python-docx,
python-pptx, fpdf2 + pypdf, Pillow), ingested with the real model into real Chroma, and checked
for what is searchable and which page or slide the citation shows; the bad files of earlier
issues sit in the same folder and are each reported in one line."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from helpers import cli_env, encrypted_pdf, guide_pdf, parse_json, run_cli, truncated_pdf
from real_documents import (
    TABLE_HEADER,
    cp1252_file,
    docx_file,
    encrypt_pdf,
    pptx_file,
    scanned_pdf,
    table_pdf,
    text_pdf,
    utf16_file,
)

from assistant.errors import CorruptDocumentError, EmptyDocumentError, EncryptedDocumentError, TooLargeError
from assistant.index import Index, display_path
from assistant.ingest import ingest
from assistant.ingest.chunking import Chunker, load_tokenizer
from assistant.ingest.inspect import file_summaries, inspect_file
from assistant.ingest.loaders import load_document
from assistant.ingest.office import MAX_ZIP_ENTRIES, NOTES_HEADING
from assistant.records import Chunk
from assistant.retrieve import Retriever
from assistant.settings import Settings

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="Tesseract is not installed (scripts/setup.sh test)")
HEADER = " | ".join(TABLE_HEADER)
MISSING_TESSERACT = "/nonexistent/bin/tesseract"
SCAN_LINES = ["Vertex AI Pipelines orchestrates", "training and evaluation steps.",
              "Dataflow preprocesses the raw data."]
LOCKED_TEXT = "Dataproc Serverless runs Spark batch workloads without managing clusters."
PASSWORD_MESSAGE = "password-protected PDF; remove the password and add it again"


def load(path: Path, ocr_command: str | None = "tesseract"):
    return load_document(path, max_bytes=50_000_000, max_pages=2000, ocr_command=ocr_command)


@pytest.fixture(scope="module")
def chunker() -> Chunker:
    from assistant.embed import resolve_model_dir

    return Chunker(load_tokenizer(str(resolve_model_dir("all-MiniLM-L6-v2"))))


def zip_bomb_docx(path: Path) -> Path:
    """A real DOCX plus one part of 600 MB of zeros (about 600 KB on disk)."""
    docx_file(path, table_repeat=1)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("word/media/zeros.bin", "w", force_zip64=True) as fh:
            block = bytes(1 << 20)
            for _ in range(600):
                fh.write(block)
    return path


def many_entries_pptx(path: Path) -> Path:
    pptx_file(path)
    with zipfile.ZipFile(path, "a") as z:
        for i in range(MAX_ZIP_ENTRIES + 1):
            z.writestr(f"ppt/media/dot{i}.bin", b"")
    return path


# --- loaders: structure -------------------------------------------------------------------


def test_docx_headings_and_a_table_whose_chunks_repeat_the_header(tmp_path: Path,
                                                                  chunker: Chunker) -> None:
    doc = load(docx_file(tmp_path / "notes.docx"))
    assert doc.title == "Serving study notes" and doc.kind == "docx"
    paths = [s.heading_path for s in doc.sections]
    assert paths[0] == ("Feature engineering",)
    assert ("Serving options", "Latency comparison") in paths and paths[-1] == ("Monitoring",)
    chunks = chunker.chunk(doc)
    table = [c for c in chunks if "|" in c.text]
    assert len(table) >= 2  # 60 rows do not fit one chunk
    for c in table:
        assert c.text.split("\n")[0] == HEADER, c.text[:80]
        assert c.heading_path == ("Serving options", "Latency comparison")
    rows = [ln for c in table for ln in c.text.split("\n")[1:]]
    assert len(rows) == 60 and len(set(rows)) == 60  # every row once, none lost or repeated
    assert all(c.page is None for c in chunks)


def test_pptx_slides_titles_notes_and_table(tmp_path: Path, chunker: Chunker) -> None:
    doc = load(pptx_file(tmp_path / "deck.pptx"))
    assert doc.page_kind == "slide" and doc.kind == "pptx"
    chunks = chunker.chunk(doc)
    got = [(c.page, c.heading_path, c.page_kind) for c in chunks]
    assert got == [(1, ("Pipelines overview",), "slide"),
                   (2, ("Continuous training",), "slide"),
                   (2, ("Continuous training", NOTES_HEADING), "slide"),
                   (3, ("Serving latency",), "slide")]
    assert "Cloud Scheduler" in chunks[2].text
    assert chunks[3].text.split("\n")[0] == HEADER
    assert chunks[0].location == "slide 1"


def test_owner_locked_aes256_pdf_opens_and_a_user_password_gets_one_line(tmp_path: Path) -> None:
    src = text_pdf(tmp_path / "src.pdf", LOCKED_TEXT)
    owner = encrypt_pdf(src, tmp_path / "owner.pdf", user_password="")
    doc = load(owner)
    assert doc.sections[0].page == 1 and "Dataproc Serverless" in doc.sections[0].text
    locked = encrypt_pdf(src, tmp_path / "user.pdf", user_password="letmein")
    with pytest.raises(EncryptedDocumentError) as err:
        load(locked)
    assert str(err.value) == f"{locked}: {PASSWORD_MESSAGE}"


def test_pdf_table_rows_stay_with_their_header_across_a_page_break(tmp_path: Path,
                                                                    chunker: Chunker) -> None:
    doc = load(table_pdf(tmp_path / "table.pdf", rows=45))
    chunks = chunker.chunk(doc)
    table = [c for c in chunks if " | " in c.text]
    assert {c.page for c in table} == {1, 2}
    for c in table:
        assert c.text.split("\n")[0] == HEADER, c.text[:80]
    rows = [ln for c in table for ln in c.text.split("\n")[1:]]
    assert len(rows) == 45 and rows[0] == "Endpoint 0 | online | ms"
    assert rows[-1] == "Endpoint 44 | SQL | seconds"
    assert [c.text for c in chunks if " | " not in c.text] == [
        "Serving options compared below.", "Text after the table."]
    # A page of prose is read as before: no table where there is none.
    plain = load(text_pdf(tmp_path / "plain.pdf", LOCKED_TEXT))
    assert all(s.table_header is None for s in plain.sections)


@needs_tesseract
def test_scanned_pdf_is_read_by_ocr_and_marked(tmp_path: Path, chunker: Chunker) -> None:
    doc = load(scanned_pdf(tmp_path / "scan.pdf", SCAN_LINES))
    chunks = chunker.chunk(doc)
    assert chunks and all(c.ocr and c.page == 1 for c in chunks)
    text = " ".join(c.text for c in chunks)
    assert "orchestrates" in text and "Dataflow" in text
    assert chunks[0].metadata()["ocr"] is True


def test_scanned_pdf_without_tesseract_keeps_the_one_line_message(tmp_path: Path) -> None:
    path = scanned_pdf(tmp_path / "scan.pdf", SCAN_LINES)
    for command in (MISSING_TESSERACT, None):
        with pytest.raises(EmptyDocumentError) as err:
            load(path, ocr_command=command)
        assert str(err.value) == f"{path}: no extractable text (a scanned PDF needs OCR first)"


def test_text_in_cp1252_utf16_and_latin1_is_decoded(tmp_path: Path) -> None:
    doc = load(cp1252_file(tmp_path / "cp.txt"))
    assert doc.encoding == "cp1252"
    assert "\u201cTraining-serving skew\u201d" in doc.sections[0].text
    assert "na\u00efve" in doc.sections[0].text and "\u2014" in doc.sections[0].text
    doc = load(utf16_file(tmp_path / "u16.txt"))
    assert doc.encoding == "utf-16" and doc.sections[0].heading_path == ("Monitoring notes",)
    assert "\u00c9t\u00e9 \u2192 hiver" in doc.sections[0].text
    (tmp_path / "latin.md").write_bytes("# Notes\n\nCaf\u00e9 cr\u00e8me \u00e0 la carte, "
                                        "\u00a7 3.\n".encode("latin-1"))
    doc = load(tmp_path / "latin.md")
    assert doc.encoding in ("cp1252", "latin_1") and "\u00e0 la carte" in doc.sections[0].text
    (tmp_path / "bom.md").write_bytes("\ufeff# Notes\n\nUTF-8 with a mark.\n".encode())
    assert load(tmp_path / "bom.md").encoding == "utf-8-sig"
    (tmp_path / "junk.txt").write_bytes(os.urandom(4096))
    with pytest.raises(CorruptDocumentError, match="binary data"):
        load(tmp_path / "junk.txt")


def test_office_zip_bombs_are_refused_in_one_line(tmp_path: Path) -> None:
    bomb = zip_bomb_docx(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(TooLargeError) as err:
        load(bomb)
    assert "when unzipped, over the limit of" in err.value.reason and "\n" not in str(err.value)
    with pytest.raises(TooLargeError) as err:
        load(many_entries_pptx(tmp_path / "many.pptx"))
    assert f"over the limit of {MAX_ZIP_ENTRIES}" in err.value.reason
    (tmp_path / "fake.pptx").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(CorruptDocumentError, match="not a valid PPTX file"):
        load(tmp_path / "fake.pptx")
    # A zip that is not a Word document (an .xlsx renamed).
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    (tmp_path / "renamed.docx").write_bytes(buf.getvalue())
    with pytest.raises(CorruptDocumentError) as err:
        load(tmp_path / "renamed.docx")
    assert "save it again" in err.value.reason


# --- one folder of everything, ingested for real ------------------------------------------


class Folder:
    def __init__(self, base: Path, embedder) -> None:
        self.docs = base / "docs"
        self.docs.mkdir(parents=True)
        self.settings = Settings(index_dir=base / "index", data_dir=base / "data",
                                 corpus_dir=base / "corpus")
        d = self.docs
        docx_file(d / "notes.docx")
        pptx_file(d / "deck.pptx")
        src = text_pdf(base / "src.pdf", LOCKED_TEXT)
        encrypt_pdf(src, d / "owner-locked.pdf", user_password="")
        encrypt_pdf(src, d / "user-password.pdf", user_password="letmein")
        scanned_pdf(d / "scan.pdf", SCAN_LINES)
        cp1252_file(d / "cp1252.txt")
        utf16_file(d / "utf16.txt")
        # Today's bad files.
        guide = guide_pdf(base / "guide.pdf")
        truncated_pdf(guide, d / "corrupt.pdf")
        encrypted_pdf(guide, d / "locked.pdf")
        (d / "empty.md").write_bytes(b"")
        (d / "junk.md").write_bytes(os.urandom(2048))
        (d / "slides.pptx").write_bytes(b"PK\x03\x04")
        (d / "tool.exe").write_bytes(b"MZ\x90\x00")
        zip_bomb_docx(d / "bomb.docx")
        self.report = ingest(self.settings, [d], embedder=embedder)
        self.retriever = Retriever(self.settings, embedder=embedder)

    def top(self, query: str) -> Chunk:
        return self.retriever.search(query, k=1)[0].chunk


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, embedder) -> Folder:
    return Folder(tmp_path_factory.mktemp("real-docs"), embedder)


BAD_FILES = {"user-password.pdf": PASSWORD_MESSAGE, "locked.pdf": PASSWORD_MESSAGE,
             "corrupt.pdf": "re-export", "empty.md": "the file is empty",
             "junk.md": "binary data", "slides.pptx": "not a valid PPTX file",
             "tool.exe": "unsupported file type '.exe'", "bomb.docx": "when unzipped"}
GOOD_FILES = {"notes.docx", "deck.pptx", "owner-locked.pdf", "cp1252.txt", "utf16.txt"} | (
    {"scan.pdf"} if shutil.which("tesseract") else set())


def test_folder_reports_each_failure_in_one_line_and_indexes_the_rest(folder: Folder) -> None:
    report = folder.report
    assert report.published
    failed = {Path(f.path).name: f.error or "" for f in report.failed}
    expected_bad = set(BAD_FILES) | ({"scan.pdf"} if not shutil.which("tesseract") else set())
    assert set(failed) == expected_bad, failed
    for name, error in failed.items():
        assert error.startswith(f"{display_path(folder.docs / name)}: ") and "\n" not in error
        if name in BAD_FILES:
            assert BAD_FILES[name] in error, error
    assert failed["user-password.pdf"].endswith(f": {PASSWORD_MESSAGE}")
    indexed = {Path(c.source).name for c in Index(folder.settings).snapshot().chunks}
    assert indexed == GOOD_FILES


@pytest.mark.parametrize("query,source,location,heading", [
    ("Which store keeps feature values for online serving and offline training?",
     "notes.docx", "", "Feature engineering"),
    ("BigQuery ML ML.PREDICT SQL query over a table typical latency", None, None, None),
    ("Cloud Scheduler triggers the retraining pipeline every night",
     "deck.pptx", "slide 2", f"Continuous training > {NOTES_HEADING}"),
    ("Vertex AI Pipelines runs Kubeflow pipeline definitions", "deck.pptx", "slide 1",
     "Pipelines overview"),
    ("Dataproc Serverless Spark batch workloads without clusters", "owner-locked.pdf", "page 1",
     ""),
    ("naive pipelines miss training-serving skew of feature distributions", "cp1252.txt", "",
     "Serving notes"),
    ("Model Monitoring alerts on prediction drift", "utf16.txt", "", "Monitoring notes"),
])
def test_what_is_searchable_and_where_the_citation_points(folder: Folder, query: str,
                                                          source: str | None,
                                                          location: str | None,
                                                          heading: str | None) -> None:
    top = folder.top(query)
    if source is None:  # the table row: from the DOCX or the deck, header row first
        assert Path(top.source).name in ("notes.docx", "deck.pptx")
        assert top.text.split("\n")[0] == HEADER and "ML.PREDICT" in top.text
        return
    assert Path(top.source).name == source, (top.source, top.text[:80])
    assert top.location == location and top.heading == heading
    from assistant.records import Citation

    cited = Citation(1, top).to_json()
    if location.startswith("slide"):
        assert cited["page"] == int(location.split()[1]) and cited["page_kind"] == "slide"
    else:
        assert "page_kind" not in cited


@needs_tesseract
def test_ocr_text_is_searchable_and_marked_in_the_passage(folder: Folder) -> None:
    top = folder.top("What orchestrates training and evaluation steps?")
    assert Path(top.source).name == "scan.pdf" and top.location == "page 1" and top.ocr
    passage = folder.retriever.search("orchestrates training and evaluation steps", k=1)[0]
    assert passage.to_json()["ocr"] is True


def test_info_reports_each_files_encoding_and_the_inspector(folder: Folder, tmp_path: Path
                                                            ) -> None:
    summary = file_summaries(Index(folder.settings).snapshot().chunks)
    by_name = {Path(k).name: v for k, v in summary.items()}
    assert by_name["cp1252.txt"]["encoding"] == "cp1252"
    assert by_name["utf16.txt"]["encoding"] == "utf-16"
    assert by_name["deck.pptx"]["page_kind"] == "slide" and by_name["notes.docx"]["encoding"] is None

    env = cli_env(tmp_path)
    proc = run_cli("info", "--json", "--index-dir", str(folder.settings.index_dir), env=env)
    assert proc.returncode == 0, proc.stderr
    per_file = {Path(k).name: v for k, v in parse_json(proc).get("per_file", {}).items()}
    assert per_file["cp1252.txt"]["encoding"] == "cp1252", per_file
    assert per_file["utf16.txt"]["encoding"] == "utf-16"

    deck = folder.docs / "deck.pptx"
    proc = run_cli("info", str(deck), str(folder.docs / "user-password.pdf"), "--index-dir",
                   str(folder.settings.index_dir), env=env)
    assert proc.returncode == 1, proc.stderr  # one of the files is refused
    out = proc.stdout
    assert "[2] slide 2 |" in out and f"Continuous training > {NOTES_HEADING}" in out
    assert f"user-password.pdf: {PASSWORD_MESSAGE}" in out and "Traceback" not in proc.stderr

    fi = inspect_file(folder.settings, deck)
    assert fi.status == "ok" and fi.indexed
    assert [(c.location, c.heading) for c in fi.chunks][:2] == [
        ("slide 1", "Pipelines overview"), ("slide 2", "Continuous training")]
    assert all(0 < c.word_pieces <= 256 for c in fi.chunks)
    bad = inspect_file(folder.settings, folder.docs / "bomb.docx")
    assert bad.status == "failed" and bad.error and "when unzipped" in bad.error


@needs_tesseract
def test_inspector_shows_ocr_chunks_and_the_missing_tesseract_reason(folder: Folder) -> None:
    scan = folder.docs / "scan.pdf"
    fi = inspect_file(folder.settings, scan)
    assert fi.status == "ok" and fi.ocr_chunks == len(fi.chunks) >= 1
    assert fi.to_json()["chunks"][0]["ocr"] is True
    no_ocr = folder.settings.model_copy(update={"tesseract_cmd": MISSING_TESSERACT})
    fi = inspect_file(no_ocr, scan)
    assert fi.status == "failed"
    assert fi.error == f"{display_path(scan)}: no extractable text (a scanned PDF needs OCR first)"


@needs_tesseract
def test_ocr_page_limit_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader, PdfWriter

    from assistant.ingest import pdf as pdf_loader

    scan = PdfReader(str(scanned_pdf(tmp_path / "one.pdf", SCAN_LINES)))
    w = PdfWriter()
    for _ in range(3):
        w.add_page(scan.pages[0])
    path = tmp_path / "three.pdf"
    with path.open("wb") as fh:
        w.write(fh)
    monkeypatch.setattr(pdf_loader, "MAX_OCR_PAGES", 2)
    with pytest.raises(TooLargeError) as err:
        load(path)
    assert str(err.value) == f"{path}: over 2 scanned pages to read by OCR; split the PDF"
    monkeypatch.setattr(pdf_loader, "MAX_OCR_PAGES", 3)
    doc = load(path)
    assert [s.page for s in doc.sections] == [1, 2, 3] and all(s.ocr for s in doc.sections)


@pytest.mark.parametrize("kind", ["docx", "pptx"])
def test_damaged_office_files_load_or_fail_in_one_line(tmp_path: Path, kind: str) -> None:
    """Bytes flipped, cut or zeroed at random places of a real file: a Document or one
    ``IngestError`` line, never another exception (ingest would stop on it)."""
    import random

    from assistant.errors import IngestError

    src = docx_file(tmp_path / "src.docx", table_repeat=2) if kind == "docx" \
        else pptx_file(tmp_path / "src.pptx")
    data = src.read_bytes()
    rng = random.Random(18)
    outcomes = {"loaded": 0, "refused": 0}
    for i in range(120):
        b = bytearray(data)
        how = i % 3
        if how == 0:
            for _ in range(rng.randint(1, 20)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        elif how == 1:
            del b[rng.randrange(len(b)):]
        else:
            at = rng.randrange(len(b))
            b[at:at + rng.randint(1, 400)] = bytes(rng.randint(1, 400))
        path = tmp_path / f"m{i}.{kind}"
        path.write_bytes(bytes(b))
        try:
            load(path)
            outcomes["loaded"] += 1
        except IngestError as err:
            assert str(err) == f"{path}: {err.reason}" and "\n" not in str(err)
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0, outcomes


def test_citation_label_names_the_slide_and_ocr_text() -> None:
    from assistant.records import Citation
    from assistant.ui.widgets import passage_label

    slide = Chunk(id="a", source="deck.pptx", title="Deck", heading_path=("Continuous training",),
                  text="Retrain on drift.", ordinal=1, page=2, page_kind="slide")
    label = passage_label(1, Citation(1, slide).to_json())
    assert "slide 2" in label and "page" not in label
    scan = Chunk(id="b", source="scan.pdf", title="Scan", heading_path=(), text="Dataflow.",
                 ordinal=0, page=1, ocr=True)
    label = passage_label(2, Citation(2, scan).to_json())
    assert "page 1" in label and "OCR" in label
    # An index written before these fields existed reads back as pages, not OCR.
    old = {k: v for k, v in scan.metadata().items() if k not in ("page_kind", "ocr", "encoding")}
    back = Chunk.from_metadata("b", "Dataflow.", old)
    assert back.page_kind == "page" and not back.ocr and back.encoding is None


def test_new_chunk_fields_round_trip_and_older_dicts_read_as_pages() -> None:
    from assistant.records import Passage

    c = Chunk(id="a", source="deck.pptx", title="Deck", heading_path=("T",), text="x",
              ordinal=0, page=3, page_kind="slide", ocr=True, encoding=None)
    assert Chunk.from_dict(c.to_dict()) == c
    t = Chunk(id="b", source="cp.txt", title="cp", heading_path=(), text="y", ordinal=0,
              encoding="cp1252")
    assert Chunk.from_dict(t.to_dict()) == t
    old = {k: v for k, v in c.to_dict().items() if k not in ("page_kind", "ocr", "encoding")}
    back = Chunk.from_dict(old)
    assert back.page_kind == "page" and not back.ocr
    p = Passage.from_dict(Passage(c, 1, 0.5).to_json())
    assert p.chunk.page_kind == "slide" and p.chunk.ocr and p.chunk.location == "slide 3"


@needs_tesseract
def test_pdf_whose_page_images_cannot_be_listed_loads_its_other_pages() -> None:
    # Found by tests/reliability/test_fuzz.py: a fuzzed fpdf2 PDF in which one page has no
    # text layer and a content stream pypdf cannot parse. Looking for images to OCR on that
    # page raised PdfReadError out of the loader; the page now counts as having no images.
    path = Path(__file__).parent / "data" / "damaged-content-stream.pdf"
    doc = load(path)
    assert doc.kind == "pdf" and any(s.text.strip() for s in doc.sections)
