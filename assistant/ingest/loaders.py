"""Loaders: one function per format, each turning a file into a ``Document`` of sections.

Every loader raises a subclass of ``IngestError`` with a one-line reason for bad input; the
ingest pipeline reports it as ``path: reason`` and goes on with the other files.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from assistant.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    IngestError,
    TooLargeError,
    UnsupportedFormatError,
)
from assistant.ingest.encoding import decode_text
from assistant.ingest.office import load_docx, load_pptx
from assistant.ingest.pdf_tables import PositionedRun, Table, find_tables, run_position
from assistant.ingest.ocr import MAX_OCR_PAGES, OcrFailed, ocr_page, tesseract_path
from assistant.records import Document, Section

__all__ = ["SUPPORTED_SUFFIXES", "load_document", "parse_markdown", "read_text_bytes"]

# Only the opening "#"s are matched by a regex; the optional closing "#"s are stripped in
# Python (``md_heading``). The one-regex form ``^(#{1,6})\s+(.+?)\s*#*\s*$`` backtracks in
# cubic time on a heading followed by a long run of blanks: a 20 KB line took minutes.
_HEADING_OPEN = re.compile(r"(#{1,6})\s+")
_FENCE = re.compile(r"^\s*(```|~~~)")
# A short line that starts like a numbered heading: "Section 2: ...", "2.1 Prototyping ...".
_NUMBERED_HEADING = re.compile(r"^(section\s+\d+\b.*|\d+(\.\d+){0,2}\.?\s+[A-Z].*)$", re.I)


def read_text_bytes(path: Path, data: bytes) -> str:
    """Decode a text file in any common encoding, refusing binary junk with a clear reason
    (``assistant.ingest.encoding``)."""
    return decode_text(path, data).text


def md_heading(line: str) -> tuple[int, str] | None:
    """``(level, text)`` of an ATX heading line ("## Title ##"), or None."""
    m = _HEADING_OPEN.match(line)
    if m is None:
        return None
    body = line[m.end():]
    if not body:
        # Only blanks after the "#"s: the old regex needed two (one for \s+, one for .+?).
        blanks = line[len(m.group(1)):]
        return (len(m.group(1)), blanks[-1]) if len(blanks) >= 2 else None
    text = body.rstrip().rstrip("#").rstrip()
    return len(m.group(1)), text or body[:1]  # "## ##" -> "#", as the lazy regex gave


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Per line, not re.sub(r"[ \t]+\n"): that regex rescans a long run of blanks from each of
    # its positions (quadratic; a 1 MB run took minutes).
    text = "\n".join(line.rstrip(" \t\f\v") for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- Markdown ----------------------------------------------------------------------------


_YAML_MAX_DEPTH = 64


class _TooDeep(Exception):
    pass


class _FrontMatterLoader(yaml.SafeLoader):
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


def _split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
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
    meta, body = _split_front_matter(path, text)
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    h1: str | None = None
    buf: list[str] = []
    in_fence = False

    def flush() -> None:
        content = _clean("\n".join(buf))
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


# --- plain text --------------------------------------------------------------------------


def _text_sections(lines: list[str], page: int | None,
                   is_heading: Callable[[str, str | None], int],
                   stack: list[tuple[int, str]]) -> list[Section]:
    """Group lines under headings. ``is_heading(line, next_line)`` returns a level or 0.

    ``stack`` is shared across calls so a PDF section that continues on the next page keeps
    its heading path.
    """
    out: list[Section] = []
    buf: list[str] = []

    def flush() -> None:
        content = _clean("\n".join(buf))
        if content:
            out.append(Section(tuple(h for _, h in stack), content, page))
        buf.clear()

    skip_next = False
    for i, line in enumerate(lines):
        if skip_next:
            skip_next = False
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        level = is_heading(line, nxt)
        if level <= 0:
            buf.append(line)
            continue
        flush()
        if nxt is not None and re.fullmatch(r"\s*(=+|-+)\s*", nxt or "") and line.strip():
            skip_next = True  # setext underline
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, line.strip().rstrip(":")))
    flush()
    return out


def _plain_heading(line: str, nxt: str | None) -> int:
    s = line.strip()
    if not s or len(s) > 100:
        return 0
    if nxt is not None and s and re.fullmatch(r"\s*=+\s*", nxt) and len(nxt.strip()) >= 3:
        return 1
    if nxt is not None and s and re.fullmatch(r"\s*-+\s*", nxt) and len(nxt.strip()) >= 3:
        return 2
    m = md_heading(s)
    if m:
        return m[0]
    if _NUMBERED_HEADING.match(s) and not s.endswith((".", ",", ";")) and len(s.split()) <= 14:
        return 1 if s.lower().startswith("section") else 2
    return 0


def _strip_hashes(heading: str) -> str:
    m = md_heading(heading)
    return m[1] if m else heading


def _load_text(path: Path, data: bytes) -> Document:
    decoded = decode_text(path, data)
    text = decoded.text
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # Strip Markdown-style "#" prefixes from headings so the path reads cleanly.
    stack: list[tuple[int, str]] = []
    sections = _text_sections(lines, None, _plain_heading, stack)
    sections = [Section(tuple(_strip_hashes(h) for h in s.heading_path), s.text, s.page)
                for s in sections]
    return Document(source=str(path), title=path.stem.replace("-", " ").replace("_", " "),
                    sections=sections, kind="text", encoding=decoded.encoding)


# --- HTML --------------------------------------------------------------------------------

_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form",
              "iframe", "svg", "template", "button", "select", "object", "embed", "canvas")
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "menu", "menubar"}
_NAV_WORDS = {"nav", "navbar", "sidebar", "breadcrumb", "breadcrumbs", "menu", "toc",
              "cookie", "cookies", "footer", "header", "skip-link"}
_BLOCK_TAGS = ("p", "div", "li", "ul", "ol", "pre", "blockquote", "section", "article",
               "table", "tr", "dt", "dd", "dl", "figure", "figcaption", "main", "br", "hr")
_MARK = "\u241e"  # a marker character that does not occur in real documents


_HEADING_LEVEL = {f"h{n}": n for n in range(1, 7)}


def _html_dropped(tag: Any) -> bool:
    """Whether a tag is page furniture (scripts, navigation, menus, hidden parts)."""
    if tag.name in _DROP_TAGS:
        return True
    attrs = tag.attrs or {}
    role = str(attrs.get("role", "")).lower()
    cls = attrs.get("class", [])
    tokens = set(" ".join(cls if isinstance(cls, list) else [str(cls)]).lower().split())
    tokens.add(str(attrs.get("id", "")).lower())
    return role in _DROP_ROLES or bool(tokens & _NAV_WORDS) or attrs.get("aria-hidden") == "true"


def _kept_tags(top: Any) -> Iterator[Any]:
    """Tags under ``top`` in document order, skipping dropped subtrees. Iterative, and the
    tree is never modified: bs4's decompose/insert/``tag.decomposed`` each walk a subtree, so
    mutating a 10,000-deep ``<div>`` nest took quadratic time (minutes)."""
    from bs4 import Tag

    stack = list(reversed(top.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, Tag) and not _html_dropped(node):
            yield node
            stack.extend(reversed(node.contents))


def _is_text(node: Any, types: Any) -> bool:
    """bs4's get_text rule: only strings of exactly the container's text types (no comments,
    doctypes or processing instructions)."""
    return type(node) is types if isinstance(types, type) else type(node) in types


def _kept_text(tag: Any) -> str:
    """``tag.get_text(" ", strip=True)`` without the dropped parts."""
    from bs4 import NavigableString, Tag

    types = tag.interesting_string_types or Tag.MAIN_CONTENT_STRING_TYPES
    out: list[str] = []
    stack = list(reversed(tag.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, NavigableString):
            if _is_text(node, types) and node.strip():
                out.append(node.strip())
        elif isinstance(node, Tag) and not _html_dropped(node):
            stack.extend(reversed(node.contents))
    return " ".join(out)


def _html_lines(root: Any) -> list[str]:
    """The text of ``root`` with a line break around each block and a marked line per heading
    (the outermost heading wins when headings nest)."""
    from bs4 import NavigableString, Tag

    types = root.interesting_string_types or Tag.MAIN_CONTENT_STRING_TYPES
    parts: list[str] = []
    stack: list[tuple[Any, bool]] = [(c, False) for c in reversed(root.contents)]
    while stack:
        node, closing = stack.pop()
        if closing:
            parts.append("\n")
        elif isinstance(node, NavigableString):
            if _is_text(node, types):
                parts.append(str(node))
        elif isinstance(node, Tag) and not _html_dropped(node):
            level = _HEADING_LEVEL.get(node.name)
            if level:
                parts.append(f"\n{_MARK}{level}{_MARK}{_kept_text(node)}\n")
                continue
            if node.name in _BLOCK_TAGS:
                parts.append("\n")
                stack.append((node, True))
            stack.extend((c, False) for c in reversed(node.contents))
    return [re.sub(r"[ \t\xa0]+", " ", ln).strip() for ln in "".join(parts).split("\n")]


def _load_html(path: Path, data: bytes) -> Document:
    from bs4 import BeautifulSoup

    decoded = decode_text(path, data)
    soup = BeautifulSoup(decoded.text, "html.parser")
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    # The main content: the first <main>, <article> or role="main" outside page furniture, else
    # the <body>, else the whole page.
    first: dict[str, Any] = {}
    for tag in _kept_tags(soup):
        key = tag.name if tag.name in ("main", "article", "body") else (
            "role" if tag.attrs.get("role") == "main" else None)
        if key is not None:
            first.setdefault(key, tag)
    root = first.get("main") or first.get("article") or first.get("role") or first.get("body") \
        or soup
    h1 = next((t for t in _kept_tags(root) if t.name == "h1"), None)
    h1_text = _kept_text(h1) if h1 is not None else ""
    if not title and h1 is not None:
        title = h1_text
    lines = _html_lines(root)

    def is_heading(line: str, _nxt: str | None) -> int:
        m = re.match(f"^{_MARK}(\\d){_MARK}(.*)$", line)
        return int(m.group(1)) if m else 0

    stack: list[tuple[int, str]] = []
    raw = _text_sections(lines, None, is_heading, stack)
    strip = re.compile(f"^{_MARK}\\d{_MARK}")
    sections: list[Section] = []
    for s in raw:
        path_ = tuple(strip.sub("", h) for h in s.heading_path)
        # The H1 names the page, like the title; keep only deeper headings in the path, as for
        # Markdown. Compare with the H1 too: a saved page's <title> often adds " | Site name".
        if path_ and path_[0] in {t for t in (title, h1_text) if t}:
            path_ = path_[1:]
        # Paragraph breaks: join non-empty lines of one block with single newlines.
        sections.append(Section(path_, s.text, None))
    return Document(source=str(path), title=title or path.stem, sections=sections, kind="html",
                    encoding=decoded.encoding)


# --- PDF ---------------------------------------------------------------------------------


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


def _load_pdf(path: Path, data: bytes, max_pages: int, ocr_command: str | None = None
              ) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, \
        PdfReadError

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
            return _plain_heading(s, None) if _NUMBERED_HEADING.match(s) else 0

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
        out.extend(_text_sections(lines[start:at], page, is_heading, stack))
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
    out.extend(_text_sections(lines[start:], page, is_heading, stack))
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


# --- dispatch ----------------------------------------------------------------------------

SUPPORTED_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".pdf": "pdf",
                      ".html": "html", ".htm": "html", ".txt": "text", ".text": "text",
                      ".docx": "docx", ".pptx": "pptx"}


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
            doc = _load_pdf(path, data, max_pages, ocr_command)
        elif kind == "docx":
            doc = load_docx(path, data)
        elif kind == "pptx":
            doc = load_pptx(path, data)
        elif kind == "html":
            doc = _load_html(path, data)
        else:
            doc = _load_text(path, data)
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
