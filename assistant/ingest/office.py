"""Word (.docx) and PowerPoint (.pptx) loaders, with python-docx and python-pptx.

- DOCX: "Title" styled text (or the document property) is the title; "Heading N" paragraphs
  build the heading path; body paragraphs and tables are kept in document order.
- PPTX: each slide's title is its heading and its number plays the part of the page
  (``Document.page_kind = "slide"``); text boxes, tables and grouped shapes are read in
  reading order; speaker notes become their own section under "<title> > Speaker notes".
- Tables: one line per row, cells joined with " | "; the first row is the header and the
  chunker repeats it at the top of every chunk of the table (``Section.table_header``).

Both formats are zip files, so before either library sees the bytes the archive is checked
against the same kind of limits as any upload: entry count and expanded size (a zip bomb is a
few KB that inflates to gigabytes).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from assistant.errors import CorruptDocumentError, EncryptedDocumentError, IngestError, TooLargeError
from assistant.records import Document, Section

__all__ = ["load_docx", "load_pptx", "check_zip", "MAX_ZIP_ENTRIES", "MAX_ZIP_EXPANDED_MB",
           "MAX_ZIP_XML_MB"]

MAX_ZIP_ENTRIES = 10_000  # parts in one file (a 500-slide deck has ~3,000)
MAX_ZIP_EXPANDED_MB = 500  # everything unpacked, images included
MAX_ZIP_XML_MB = 30  # the XML parts unpacked: parsed, 20 MB took 14 s and 300 MB
NOTES_HEADING = "Speaker notes"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc/.ppt, and password-protected OOXML


def check_zip(path: Path, data: bytes, kind: str) -> None:
    """Refuse an archive that is not a zip, or that unpacks beyond the limits. Uses the sizes
    the zip directory declares; ``zipfile`` never inflates an entry past its declared size, so
    a lying directory cannot get more through."""
    if data.startswith(_OLE_MAGIC):
        # Office saves a password-protected document as an encrypted OLE container.
        raise EncryptedDocumentError(path, f"password-protected or old-format {kind} file; "
                                           "remove the password or save it as ."
                                           f"{kind.lower()}, and add it again")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - BadZipFile, NotImplementedError (odd versions), ...
        raise CorruptDocumentError(path, f"not a valid {kind} file (damaged or not a zip "
                                         "archive); open and save it again") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise TooLargeError(path, f"{len(infos)} parts inside the {kind} file, over the "
                                      f"limit of {MAX_ZIP_ENTRIES}; split the file")
        total = sum(i.file_size for i in infos)
        xml = sum(i.file_size for i in infos if i.filename.endswith((".xml", ".rels")))
    if total > MAX_ZIP_EXPANDED_MB * 1_000_000:
        raise TooLargeError(path, f"expands to {total / 1e6:.0f} MB when unzipped, over the "
                                  f"limit of {MAX_ZIP_EXPANDED_MB} MB; split the file")
    if xml > MAX_ZIP_XML_MB * 1_000_000:
        raise TooLargeError(path, f"its text parts expand to {xml / 1e6:.0f} MB when unzipped, "
                                  f"over the limit of {MAX_ZIP_XML_MB} MB; split the file")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _row_cells(cells: Iterable[Any]) -> list[str]:
    """Cell texts of a row; a merged cell (returned once per grid column it spans) once."""
    out: list[str] = []
    last: Any = None
    for cell in cells:
        key = getattr(cell, "_tc", None)
        if key is not None and key is last:
            continue
        last = key
        out.append(_one_line(cell.text))
    return out


def _table_section(heading_path: tuple[str, ...], rows: list[list[str]], page: int | None
                   ) -> Section | None:
    lines = [" | ".join(r) for r in rows if any(c for c in r)]
    if not lines:
        return None
    if len(lines) == 1:
        return Section(heading_path, lines[0], page)
    return Section(heading_path, "\n".join(lines[1:]), page, table_header=lines[0])


def _open(path: Path, kind: str, opener: Any, data: bytes) -> Any:
    try:
        return opener(io.BytesIO(data))
    except (KeyError, ValueError, zipfile.BadZipFile) as err:
        # python-docx/pptx raise these for a zip without the right parts (an .xlsx renamed).
        raise CorruptDocumentError(path, f"not a {kind} document ({type(err).__name__}); open "
                                         "it in its program and save it again") from None
    except Exception as err:  # noqa: BLE001 - lxml and the OPC reader raise many types on junk
        raise CorruptDocumentError(path, f"{kind} file cannot be read ({type(err).__name__}); "
                                         "open it in its program and save it again") from None


# --- DOCX --------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)


def _docx_level(paragraph: Any, style_names: dict[str, str]) -> int:
    """0 for body text, 1-9 for "Heading N", -1 for the "Title" style. The style id is read
    from the paragraph's XML and named from a table built once: python-docx's
    ``paragraph.style`` searches the styles part on every call (2 ms each; a 20 MB document
    took 7 minutes)."""
    try:
        sid = paragraph._p.style
    except Exception:  # noqa: BLE001 - odd XML: body text
        return 0
    if not sid:
        return 0
    name = style_names.get(sid, sid).strip()
    if name.lower() == "title":
        return -1
    m = _HEADING_STYLE.match(name) or _HEADING_STYLE.match(name.replace("Heading", "Heading "))
    return int(m.group(1)) if m else 0


def _style_names(d: Any) -> dict[str, str]:
    try:
        return {str(st.style_id): str(st.name or "") for st in d.styles}
    except Exception:  # noqa: BLE001 - a damaged styles part: fall back to the ids
        return {}


def _guarded(kind: str, load: Any, path: Path, data: bytes) -> Document:
    """Any failure inside python-docx/pptx on a damaged part (a missing attribute, an odd
    number) is one line about the file, never a traceback out of ingest."""
    try:
        doc: Document = load(path, data)
        return doc
    except (IngestError, MemoryError, RecursionError):
        raise
    except Exception as err:  # noqa: BLE001 - the libraries raise many types on junk
        raise CorruptDocumentError(path, f"{kind} file cannot be read ({type(err).__name__}); "
                                         "open it in its program and save it again") from None


def load_docx(path: Path, data: bytes) -> Document:
    check_zip(path, data, "DOCX")
    return _guarded("Word", _load_docx, path, data)


def load_pptx(path: Path, data: bytes) -> Document:
    check_zip(path, data, "PPTX")
    return _guarded("PowerPoint", _load_pptx, path, data)


def _load_docx(path: Path, data: bytes) -> Document:
    import docx
    from docx.table import Table

    d = _open(path, "Word", docx.Document, data)
    style_names = _style_names(d)
    title = _one_line(str(d.core_properties.title or ""))
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    buf: list[str] = []

    def flush() -> None:
        text = "\n".join(buf).strip()
        if text:
            sections.append(Section(tuple(h for _, h in stack), text))
        buf.clear()

    for block in d.iter_inner_content():
        if isinstance(block, Table):
            flush()
            rows = [_row_cells(r.cells) for r in block.rows]
            sec = _table_section(tuple(h for _, h in stack), rows, None)
            if sec is not None:
                sections.append(sec)
            continue
        text = _one_line(block.text)
        if not text:
            continue
        level = _docx_level(block, style_names)
        if level == -1 and not title:
            title = text
            continue
        if level <= 0:
            buf.append(text)
            continue
        flush()
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text))
    flush()
    return Document(source=str(path), title=title or path.stem.replace("-", " ").replace("_", " "),
                    sections=sections, kind="docx")


# --- PPTX --------------------------------------------------------------------------------


def _shapes_in_order(shapes: Iterable[Any]) -> Iterator[Any]:
    """Shapes top to bottom, then left to right; the shapes of a group in place of it."""
    from pptx.shapes.group import GroupShape

    def key(s: Any) -> tuple[int, int]:
        return (int(s.top or 0), int(s.left or 0))

    for shape in sorted(shapes, key=key):
        if isinstance(shape, GroupShape):
            yield from _shapes_in_order(shape.shapes)
        else:
            yield shape


def _frame_lines(frame: Any) -> list[str]:
    lines = []
    for para in frame.paragraphs:
        text = _one_line("".join(run.text for run in para.runs) or para.text)
        if text:
            lines.append(text)
    return lines


def _load_pptx(path: Path, data: bytes) -> Document:
    import pptx

    deck = _open(path, "PowerPoint", pptx.Presentation, data)
    title = _one_line(str(deck.core_properties.title or ""))
    sections: list[Section] = []
    for number, slide in enumerate(deck.slides, start=1):
        title_shape = slide.shapes.title
        slide_title = _one_line(title_shape.text_frame.text) \
            if title_shape is not None and title_shape.has_text_frame else ""
        heading = slide_title or f"Slide {number}"
        if not title and slide_title:
            title = slide_title
        body: list[str] = []
        tables: list[Section] = []
        for shape in _shapes_in_order(slide.shapes):
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            if getattr(shape, "has_table", False) and shape.has_table:
                rows = [_row_cells(r.cells) for r in shape.table.rows]
                sec = _table_section((heading,), rows, number)
                if sec is not None:
                    tables.append(sec)
            elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                body.extend(_frame_lines(shape.text_frame))
        if body:
            sections.append(Section((heading,), "\n".join(body), number))
        elif not tables and slide_title:
            # A title-only slide (a section divider) still says something searchable.
            sections.append(Section((heading,), slide_title, number))
        sections.extend(tables)
        if slide.has_notes_slide:
            frame = slide.notes_slide.notes_text_frame
            notes = "\n".join(_frame_lines(frame)) if frame is not None else ""
            if notes:
                sections.append(Section((heading, NOTES_HEADING), notes, number))
    return Document(source=str(path), title=title or path.stem.replace("-", " ").replace("_", " "),
                    sections=sections, kind="pptx", page_kind="slide")
