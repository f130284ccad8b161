"""PDF files: text per page with pypdf, headings from numbering and font hints, and limits on
pages, decoded content and extracted text (a hostile PDF is refused in one line)."""

from __future__ import annotations

import dataclasses
import io
import logging
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.errors import (
    CorruptDocumentError,
    EncryptedDocumentError,
    IngestError,
    TooLargeError,
)
from assistant.ingest.ocr import MAX_OCR_PAGES, OcrFailed, ocr_page, tesseract_path
from assistant.ingest.pdf_tables import PositionedRun, Table, find_tables, run_position
from assistant.ingest.plaintext import NUMBERED_HEADING, plain_heading, text_sections
from assistant.records import Document, Section

__all__ = ["load_pdf"]


def _quiet_pypdf() -> None:
    """pypdf logs a warning per defect it repairs ("EOF marker not found"). With no logging
    configured, Python prints those to stderr, so a bad file would show several stray lines
    besides our one-line reason. A NullHandler stops that fallback; an application that does
    configure logging still receives them through the root logger."""
    log = logging.getLogger("pypdf")
    if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(logging.NullHandler())


# What a PDF may expand to. The file-size limit says little: FlateDecode packs a run ~1000:1,
# many pages may share one content stream, and one small form XObject may be drawn thousands of
# times. pypdf stops a single stream at 75 MB decoded, but parsing even 60 MB of content took
# 50 s and 1.1 GB, and a 1 KB file of 5,000 form calls ran for minutes. Real pages decode to
# tens of KB and carry a few thousand characters (2,000 dense pages: ~6 million); extraction
# runs at ~1.3 million characters a second, so the text budget also bounds the time.
_MAX_PAGE_CONTENT_MB = 10  # decoded content streams of one page
_MAX_PDF_CONTENT_MB = 200  # ... of all pages (a stream shared by pages counts for each)
_MAX_PDF_TEXT_MB = 16  # extracted text of the document, in millions of characters


class _TextBudgetExceeded(MemoryError):
    """Raised by the text visitor once the document's text passes ``_MAX_PDF_TEXT_MB``. A
    MemoryError because pypdf swallows other exceptions raised inside a form XObject (and lets
    this one through), and forms drawn again and again are how a tiny PDF expands."""


def _page_content_bytes(page: Any) -> int:
    """Decoded size of a page's content streams. pypdf keeps the decoded data, so text
    extraction does not decode them a second time."""
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    total = 0
    for stream in contents if isinstance(contents, list) else [contents]:
        get_data = getattr(stream.get_object(), "get_data", None)
        if get_data is not None:
            total += len(get_data())
    return total


def _check_pdf_content(path: Path, reader: Any) -> None:
    """Refuse a PDF whose page content decodes to more than the limits, before any of it is
    parsed (parsing is what takes the time and the memory)."""
    from pypdf.errors import LimitReachedError

    total = 0
    try:
        for number, page in enumerate(reader.pages, start=1):
            try:
                size = _page_content_bytes(page)
            except LimitReachedError:
                raise TooLargeError(path, f"page {number} expands beyond the PDF reader's safety "
                                          "limits when decompressed; re-export the PDF") from None
            except Exception:  # noqa: BLE001 - a damaged stream: extraction reports it below
                size = 0
            if size > _MAX_PAGE_CONTENT_MB * 1_000_000:
                raise TooLargeError(path, f"page {number}'s content expands beyond "
                                          f"{_MAX_PAGE_CONTENT_MB} MB when decompressed; "
                                          "re-export the PDF or leave that page out")
            total += size
            if total > _MAX_PDF_CONTENT_MB * 1_000_000:
                raise TooLargeError(path, f"the pages' content expands beyond "
                                          f"{_MAX_PDF_CONTENT_MB} MB when decompressed (by page "
                                          f"{number}); split or re-export the PDF")
    except IngestError:
        raise
    except Exception:  # noqa: BLE001 - a damaged page tree: the extraction loop reports it
        return


_PASSWORD = "password-protected PDF; remove the password and add it again"


def load_pdf(path: Path, data: bytes, max_pages: int, ocr_command: str | None = None
             ) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import (
        DependencyError,
        FileNotDecryptedError,
        LimitReachedError,
        PdfReadError,
    )

    _quiet_pypdf()

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise CorruptDocumentError(path, "not a PDF file (no %PDF header); check the file type")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many "encrypted" PDFs only carry owner restrictions (no printing, no copying)
            # and open with an empty user password; AES needs pypdf's crypto extra.
            if not reader.decrypt(""):
                raise EncryptedDocumentError(path, _PASSWORD)
        n_pages = len(reader.pages)
    except IngestError:
        raise
    except FileNotDecryptedError:
        raise EncryptedDocumentError(path, _PASSWORD) from None
    except DependencyError:
        raise CorruptDocumentError(path, "encrypted PDF, and the 'cryptography' package that "
                                         "opens it is missing; run scripts/setup.sh") from None
    except (PdfReadError, Exception) as err:  # noqa: BLE001 - pypdf raises many types on junk
        raise CorruptDocumentError(path, f"not a readable PDF ({type(err).__name__}); "
                                         "re-export or re-download it") from None
    if n_pages == 0:
        # A PDF with no pages is a damaged page tree in practice (writers never produce one).
        raise CorruptDocumentError(path, "no readable pages (the page tree is damaged); "
                                         "re-export or re-download it")
    if n_pages > max_pages:
        raise TooLargeError(path, f"{n_pages} pages is over the limit of {max_pages}; split the "
                                  "PDF or raise ASSISTANT_MAX_PDF_PAGES")

    _check_pdf_content(path, reader)
    tesseract = tesseract_path(ocr_command)
    ocr_pages: set[int] = set()  # page numbers whose text came from OCR
    ocr_tried = [0]  # pages with images handed to OCR
    pages: list[tuple[str, list[tuple[str, float]]]] = []
    placed: list[list[PositionedRun]] = []  # per page: runs with their position, for tables
    size_chars: Counter[float] = Counter()
    text_budget = [_MAX_PDF_TEXT_MB * 1_000_000]  # characters left, shared by all pages
    too_much_text = TooLargeError(path, f"the PDF's text expands beyond {_MAX_PDF_TEXT_MB} "
                                        "million characters (large text repeated across pages "
                                        "or forms, as in a PDF bomb); split or re-export the PDF")
    for page in reader.pages:
        runs: list[tuple[str, float]] = []
        at: list[PositionedRun] = []

        def visit(text: str, cm: Any, tm: Any, _font: Any, size: float,
                  runs: list[tuple[str, float]] = runs, at: list[PositionedRun] = at) -> None:
            # Counted as the text arrives, so the budget also stops a page while pypdf is
            # still building its text (a form drawn 5,000 times is one page).
            text_budget[0] -= len(text)
            if text_budget[0] < 0:
                raise _TextBudgetExceeded()
            if not text.strip():
                return
            try:
                scale = math.hypot(float(tm[2]), float(tm[3])) * math.hypot(float(cm[2]), float(cm[3]))
            except (TypeError, ValueError, IndexError):
                scale = 1.0
            eff = round(float(size or 0) * (scale or 1.0), 1)
            runs.append((" ".join(text.split()), eff))
            xy = run_position(cm, tm)
            if xy is not None:
                at.append(PositionedRun(text, xy[0], xy[1]))
            size_chars[eff] += len(text.strip())

        try:
            text = page.extract_text(visitor_text=visit) or ""
        except Exception as err:  # noqa: BLE001 - one bad page must not sink the document
            if text_budget[0] < 0:  # whatever pypdf made of our exception on the way out
                raise too_much_text from None
            if isinstance(err, LimitReachedError):  # e.g. pypdf's parsing budget of a page
                raise TooLargeError(path, f"page {len(pages) + 1} expands beyond the PDF "
                                          "reader's safety limits; re-export the PDF") from None
            raise CorruptDocumentError(path, f"page {len(pages) + 1} cannot be read "
                                             f"({type(err).__name__}); re-export the PDF") from None
        if text_budget[0] < 0:  # pypdf swallowed the visitor's exception somewhere
            raise too_much_text
        if not text.strip() and tesseract is not None:
            text = _ocr_pdf_page(path, tesseract, page, len(pages) + 1, ocr_pages, ocr_tried)
            text_budget[0] -= len(text)
        pages.append((text, runs))
        placed.append(at)

    body_size = size_chars.most_common(1)[0][0] if size_chars else 0.0
    heading_sizes = sorted({s for _, runs in pages for _, s in runs
                            if body_size and s >= body_size * 1.15}, reverse=True)
    level_of = {s: i + 1 for i, s in enumerate(heading_sizes[:3])}

    stack: list[tuple[int, str]] = []
    sections: list[Section] = []
    open_table: dict[str, Any] = {}  # a table running over a page break (_pdf_page_sections)
    for number, (text, runs) in enumerate(pages, start=1):
        big = {r: level_of.get(s, 3) for r, s in runs if s in level_of and len(r) <= 120}

        def is_heading(line: str, _nxt: str | None, big: dict[str, int] = big) -> int:
            s = " ".join(line.split())
            if not s or len(s) > 120:
                return 0
            if s in big:
                return big[s]
            return plain_heading(s, None) if NUMBERED_HEADING.match(s) else 0

        found = _pdf_page_sections(text.split("\n"), number, is_heading, stack,
                                   find_tables(placed[number - 1]), open_table)
        if number in ocr_pages:
            found = [dataclasses.replace(sec, ocr=True) for sec in found]
        sections.extend(found)

    title = ""
    try:
        meta = reader.metadata
        title = str(meta.title).strip() if meta and meta.title else ""
    except Exception:  # noqa: BLE001 - broken metadata is not worth failing the file
        title = ""
    if not title:
        title = next((s.heading_path[0] for s in sections if s.heading_path),
                     path.stem.replace("-", " ").replace("_", " "))
    return Document(source=str(path), title=title, sections=sections, kind="pdf")


def _pdf_page_sections(lines: list[str], page: int,
                       is_heading: Callable[[str, str | None], int],
                       stack: list[tuple[int, str]], tables: list[Table],
                       open_table: dict[str, Any]) -> list[Section]:
    """A page's sections, with each table found in its text (``pdf_tables``) as a section of
    its own whose header row the chunker repeats.

    A table that ends one page and goes on at the top of the next (same columns, its first
    row not the header: the writer did not repeat it) keeps the earlier header. ``open_table``
    carries that table's columns and header from page to page."""
    norm = [" ".join(ln.split()) for ln in lines]
    out: list[Section] = []
    start = 0
    carried = open_table.pop("table", None)  # (columns, header) of a table that ended a page
    for table in tables:
        texts = table.line_texts()
        at = next((i for i in range(start, len(norm) - len(texts) + 1)
                   if norm[i] == texts[0] and norm[i:i + len(texts)] == texts), None)
        if at is None:  # pypdf's text shows the rows differently: leave them as text
            continue
        before = [ln for ln in norm[start:at] if ln]
        out.extend(text_sections(lines[start:at], page, is_heading, stack))
        layout = tuple(round(c) for c in table.columns)
        rows = [" | ".join(r) for r in table.rows]
        # At most a running header line above it: the top of the page.
        if carried is not None and carried[0] == layout and start == 0 and len(before) <= 1 \
                and rows[0] != carried[1]:
            header = carried[1]
        else:
            header, rows = rows[0], rows[1:]
        carried = None
        out.append(Section(tuple(h for _, h in stack), "\n".join(rows), page,
                           table_header=header))
        start = at + len(texts)
        if not any(norm[start:]) or len([ln for ln in norm[start:] if ln]) <= 1:
            open_table["table"] = (layout, header)  # ends the page (but for a page number)
    out.extend(text_sections(lines[start:], page, is_heading, stack))
    return out


def _ocr_pdf_page(path: Path, tesseract: str, page: Any, number: int, ocr_pages: set[int],
                  ocr_tried: list[int]) -> str:
    """OCR text of a page without a text layer ("" when it draws no readable image)."""
    def count() -> None:
        ocr_tried[0] += 1
        if ocr_tried[0] > MAX_OCR_PAGES:
            raise TooLargeError(path, f"over {MAX_OCR_PAGES} scanned pages to read by OCR; "
                                      "split the PDF")

    try:
        text = ocr_page(tesseract, page, count)
    except OcrFailed as err:
        raise CorruptDocumentError(path, f"page {number}: {err}; check the scan or add a text "
                                         "layer with an OCR tool") from None
    if text.strip():
        ocr_pages.add(number)
    return text
