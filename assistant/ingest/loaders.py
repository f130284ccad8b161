"""Loaders: one function per format, each turning a file into a ``Document`` of sections.
Markdown lives here with the dispatch; plain text, HTML and PDF have a module each
(``plaintext``, ``html``, ``pdf``).

Every loader raises a subclass of ``IngestError`` with a one-line reason for bad input; the
ingest pipeline reports it as ``path: reason`` and goes on with the other files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    IngestError,
    TooLargeError,
    UnsupportedFormatError,
)
from assistant.ingest.encoding import decode_text
from assistant.ingest.html import load_html
from assistant.ingest.ocr import tesseract_path
from assistant.ingest.office import load_docx, load_pptx
from assistant.ingest.pdf import load_pdf
from assistant.ingest.plaintext import clean_text, load_text, md_heading, read_text_bytes
from assistant.records import Document, Section

__all__ = ["SUPPORTED_SUFFIXES", "load_document", "parse_markdown", "read_text_bytes",
           "split_front_matter"]

_FENCE = re.compile(r"^\s*(```|~~~)")


# --- Markdown ----------------------------------------------------------------------------


_YAML_MAX_DEPTH = 64


class _TooDeep(Exception):
    pass


class _FrontMatterLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
    """SafeLoader with a fixed nesting limit. PyYAML composes nested collections recursively,
    so without one the interpreter's stack decided: the same file failed as "nested too
    deeply" in one process and as a syntax error further on in another (whose stack was
    shallower at the call)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > _YAML_MAX_DEPTH:
                raise _TooDeep
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            raw = "\n".join(lines[1:i])
            try:
                meta = yaml.load(raw, Loader=_FrontMatterLoader) if raw.strip() else {}
            except yaml.YAMLError as err:
                mark = getattr(err, "problem_mark", None)
                where = f" at line {mark.line + 2}" if mark is not None else ""
                raise CorruptDocumentError(path, f"front matter is not valid YAML{where}") from None
            except (_TooDeep, RecursionError):
                raise CorruptDocumentError(path, "front matter is nested too deeply to read; "
                                                 "use flat 'key: value' lines") from None
            if meta is None:
                meta = {}
            if not isinstance(meta, dict):
                raise CorruptDocumentError(path, "front matter must be a YAML mapping (key: value)")
            return meta, "\n".join(lines[i + 1:])
    raise CorruptDocumentError(path, "front matter opened with '---' but never closed")


def parse_markdown(path: Path, text: str) -> tuple[dict[str, Any], str | None, list[Section]]:
    """Front matter, the first H1 (if any) and the sections under each heading path.

    The first H1 is the document title, not part of heading paths; "##" and deeper build the
    path. Headings inside fenced code blocks are code, not structure.
    """
    meta, body = split_front_matter(path, text)
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    h1: str | None = None
    buf: list[str] = []
    in_fence = False

    def flush() -> None:
        content = clean_text("\n".join(buf))
        if content:
            sections.append(Section(tuple(h for _, h in stack), content))
        buf.clear()

    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            buf.append(line)
            continue
        m = None if in_fence else md_heading(line)
        if not m:
            buf.append(line)
            continue
        flush()
        level, heading = m[0], m[1].strip()
        if level == 1 and h1 is None and not stack:
            h1 = heading
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading))
    flush()
    return meta, h1, sections


def _scalar(value: Any) -> str | None:
    """A front-matter value as text, or None unless it is a plain scalar. Never ``str()`` of a
    collection: YAML aliases share one list many times over ("billion laughs"), so a few
    hundred bytes of front matter can stand for a list whose text runs to gigabytes."""
    if value is None or isinstance(value, (list, dict, set, tuple)):
        return None
    return str(value)


def _load_markdown(path: Path, data: bytes) -> Document:
    decoded = decode_text(path, data)
    meta, h1, sections = parse_markdown(path, decoded.text)
    title = (_scalar(meta.get("title")) if meta.get("title") else None) or h1 \
        or path.stem.replace("-", " ").replace("_", " ")
    domain = meta.get("domain")
    sources = meta.get("sources") or []
    sources = sources if isinstance(sources, list) else [sources]
    return Document(
        source=str(path),
        title=title,
        sections=sections,
        domain=int(domain) if isinstance(domain, int) and not isinstance(domain, bool) else None,
        section=_scalar(meta.get("section")),
        guide_version=_scalar(meta["guide_version"]) if meta.get("guide_version") else None,
        sources=[t for t in map(_scalar, sources) if t is not None],
        kind="markdown",
        encoding=decoded.encoding,
    )


# --- dispatch ----------------------------------------------------------------------------

SUPPORTED_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".pdf": "pdf",
                      ".docx": "docx", ".pptx": "pptx",
                      ".html": "html", ".htm": "html", ".txt": "text", ".text": "text"}


def load_document(path: Path, *, max_bytes: int, max_pages: int,
                  ocr_command: str | None = None) -> Document:
    """Read and parse one file. Raises ``IngestError`` subclasses with one-line reasons.

    ``ocr_command`` is the Tesseract binary (``Settings.tesseract_cmd``) used for PDF pages
    without a text layer; None, or a command that is not installed, turns OCR off."""
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise UnsupportedFormatError(
            path, f"unsupported file type '{path.suffix or '(none)'}'; supported: "
                  + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise TooLargeError(path, f"{size / 1e6:.1f} MB is over the limit of "
                                      f"{max_bytes / 1e6:.0f} MB; raise ASSISTANT_MAX_FILE_MB "
                                      "or split the file")
        with path.open("rb") as fh:
            # Read at most one byte past the limit: a file that grows after stat() is bounded too.
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise IngestError(path, "the file disappeared during ingest; run ingest again") from None
    except IsADirectoryError:
        raise IngestError(path, "is a directory") from None
    except PermissionError:
        raise IngestError(path, "permission denied; check the file's permissions") from None
    except OSError as err:
        raise IngestError(path, f"cannot be read ({err.strerror or type(err).__name__})") from None
    if len(data) > max_bytes:
        raise TooLargeError(path, f"over the limit of {max_bytes / 1e6:.0f} MB")
    if not data.strip():
        raise EmptyDocumentError(path, "the file is empty")
    try:
        if kind == "markdown":
            doc = _load_markdown(path, data)
        elif kind == "pdf":
            doc = load_pdf(path, data, max_pages, ocr_command)
        elif kind == "docx":
            doc = load_docx(path, data)
        elif kind == "pptx":
            doc = load_pptx(path, data)
        elif kind == "html":
            doc = load_html(path, data)
        else:
            doc = load_text(path, data)
    except RecursionError:
        # A parser that recurses per nesting level (YAML, a PDF object tree) hit the stack
        # limit: the file is hostile or broken, and callers get the same one-line error as
        # for any other unreadable file.
        raise CorruptDocumentError(path, "structure nested too deeply to read; re-export or "
                                         "simplify the file") from None
    if not any(s.text.strip() for s in doc.sections):
        if kind != "pdf":
            reason = "no text content"
        elif tesseract_path(ocr_command) is None:
            reason = "no extractable text (a scanned PDF needs OCR first)"
        else:
            reason = "no extractable text, and OCR found none in the page images"
        raise EmptyDocumentError(path, reason)
    return doc
