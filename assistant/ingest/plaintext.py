"""Plain text: decoding text files safely, Markdown-style and numbered headings, and grouping
lines under headings (shared by the text, PDF and Markdown loaders)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from assistant.ingest.encoding import decode_text
from assistant.records import Document, Section

__all__ = ["read_text_bytes", "md_heading", "clean_text", "text_sections", "plain_heading",
           "NUMBERED_HEADING", "load_text"]

# Only the opening "#"s are matched by a regex; the optional closing "#"s are stripped in
# Python (``md_heading``). The one-regex form ``^(#{1,6})\s+(.+?)\s*#*\s*$`` backtracks in
# cubic time on a heading followed by a long run of blanks: a 20 KB line took minutes.
_HEADING_OPEN = re.compile(r"(#{1,6})\s+")
# A short line that starts like a numbered heading: "Section 2: ...", "2.1 Prototyping ...".
NUMBERED_HEADING = re.compile(r"^(section\s+\d+\b.*|\d+(\.\d+){0,2}\.?\s+[A-Z].*)$", re.I)


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


def clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Per line, not re.sub(r"[ \t]+\n"): that regex rescans a long run of blanks from each of
    # its positions (quadratic; a 1 MB run took minutes).
    text = "\n".join(line.rstrip(" \t\f\v") for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- plain text --------------------------------------------------------------------------


def text_sections(lines: list[str], page: int | None,
                   is_heading: Callable[[str, str | None], int],
                   stack: list[tuple[int, str]]) -> list[Section]:
    """Group lines under headings. ``is_heading(line, next_line)`` returns a level or 0.

    ``stack`` is shared across calls so a PDF section that continues on the next page keeps
    its heading path.
    """
    out: list[Section] = []
    buf: list[str] = []

    def flush() -> None:
        content = clean_text("\n".join(buf))
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


def plain_heading(line: str, nxt: str | None) -> int:
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
    if NUMBERED_HEADING.match(s) and not s.endswith((".", ",", ";")) and len(s.split()) <= 14:
        return 1 if s.lower().startswith("section") else 2
    return 0


def _strip_hashes(heading: str) -> str:
    m = md_heading(heading)
    return m[1] if m else heading


def load_text(path: Path, data: bytes) -> Document:
    decoded = decode_text(path, data)
    text = decoded.text
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # Strip Markdown-style "#" prefixes from headings so the path reads cleanly.
    stack: list[tuple[int, str]] = []
    sections = text_sections(lines, None, plain_heading, stack)
    sections = [Section(tuple(_strip_hashes(h) for h in s.heading_path), s.text, s.page)
                for s in sections]
    return Document(source=str(path), title=path.stem.replace("-", " ").replace("_", " "),
                    sections=sections, kind="text", encoding=decoded.encoding)
