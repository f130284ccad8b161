"""HTML pages (saved documentation): the main text without navigation, headers and footers,
with the page's headings as the heading path."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.ingest.encoding import decode_text
from assistant.ingest.plaintext import text_sections
from assistant.records import Document, Section

__all__ = ["load_html"]


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
    from bs4.element import NavigableString, Tag

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
    from bs4.element import NavigableString, Tag

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


def load_html(path: Path, data: bytes) -> Document:
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    decoded = decode_text(path, data)
    with warnings.catch_warnings():
        # A page whose whole text looks like a file name or URL (".html") is still a page:
        # bs4 warns on stderr that it may be a path, which is noise for the user (found by
        # tests/reliability/test_fuzz.py).
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
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
    raw = text_sections(lines, None, is_heading, stack)
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
