"""Document text as Markdown that renders literally.

Everything the app shows from a document (passage text, titles, headings) or from a user
(questions, answers built from passages, uploaded eval sets) goes through here before it
reaches ``st.markdown`` or a widget label. Streamlit never gets ``unsafe_allow_html``: a passage
holding ``<script>``, ``<img onerror=...>``, ``[x](javascript:...)`` or ``![](http://...)``
must show those characters, not run or fetch them.

Why escape instead of ``st.text``/``st.code``: the cited sentence has to be highlighted inside
its passage, which needs *our* Markdown around *their* text. So every ASCII punctuation
character of the document is backslash-escaped (CommonMark defines a backslash escape for
each of them, so the escaped text renders as the original characters), and only the emphasis
we add stays live.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["escape_markdown", "escape_inline", "passage_markdown", "answer_markdown",
           "find_spans"]

# Every ASCII punctuation character: CommonMark lets each be backslash-escaped, and escaping
# all of them (not a hand-picked "special" list) leaves nothing for a later Markdown extension
# (GFM tables, math, Streamlit's :color[...] directives) to interpret.
_PUNCT = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
# Leading blanks would make an indented code block; non-breaking spaces keep the indentation
# visible without being Markdown indentation.
_LEAD = re.compile(r"^[ \t]+")
# Unicode line and paragraph separators and other control characters become plain spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_WWW = re.compile(r"(?i)\bwww(?=\.)")
_JOIN = re.compile(r"[:@](?=\S)")
_MARKER = re.compile(r"(?<![\w`])\[(\d{1,3})\]")
_HL_OPEN, _HL_CLOSE = ":orange-background[**", "**]"


def escape_inline(text: str) -> str:
    """One line of literal text (labels, captions, table cells): newlines become spaces."""
    text = _CONTROL.sub(" ", str(text)).replace("\r", " ").replace("\n", " ")
    # Some extensions run after Markdown parsing, where an escaped character is plain text
    # again: emoji and icon shortcodes (":smile:", ":material/home:") and GFM's bare-URL and
    # e-mail autolinks ("https://...", "www.x.com", "a@b.com"). An invisible word joiner after
    # a colon or "@" that touches the next character, and after "www.", keeps the text as
    # typed and unlinked ("Note: text" stays plain, searchable text).
    text = _JOIN.sub("\\g<0>\u2060", text)
    text = _WWW.sub("\\g<0>\u2060", text)
    return _PUNCT.sub(r"\\\1", text)


def _escape_line(line: str) -> str:
    m = _LEAD.match(line)
    lead = ""
    if m:
        lead = m.group(0).replace("\t", "    ").replace(" ", "\u00a0")
        line = line[m.end():]
    return lead + escape_inline(line)


def escape_markdown(text: str) -> str:
    """Multi-line literal text: line breaks are kept (as hard breaks), blank lines separate
    paragraphs, nothing else is Markdown."""
    text = _CONTROL.sub(" ", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = re.split(r"\n[ \t]*\n", text)
    out = []
    for para in paragraphs:
        lines = [_escape_line(ln.rstrip()) for ln in para.split("\n")]
        lines = [ln for ln in lines if ln.strip()]
        if lines:
            # A backslash at the end of a line is a CommonMark hard line break.
            out.append("\\\n".join(lines))
    return "\n\n".join(out)


def find_spans(text: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans of ``text`` holding each quote, matched with any whitespace between
    words (a quote is a sentence of the passage, maybe re-flowed). Overlaps are merged."""
    spans: list[tuple[int, int]] = []
    for quote in quotes:
        words = quote.split()
        if not words:
            continue
        pattern = r"\s+".join(re.escape(w) for w in words)
        m = re.search(pattern, text)
        if m is None and len(words) > 1:
            # A composer may quote several sentences; find each one.
            from assistant.answer.text import split_sentences

            parts = [s.text for s in split_sentences(quote)]
            if len(parts) > 1:
                spans.extend(find_spans(text, parts))
            continue
        if m is not None:
            spans.append((m.start(), m.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def passage_markdown(text: str, quotes: Iterable[str] = ()) -> str:
    """A passage as literal text with the cited sentence(s) highlighted.

    The passage is cut at the highlight boundaries and at line breaks; each piece is escaped on
    its own, and only the cited pieces are wrapped in our highlight. A highlight never spans a
    line break (Markdown emphasis cannot), so a cited sentence re-flowed over two lines gets one
    highlight per line.
    """
    text = _CONTROL.sub(" ", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    spans = find_spans(text, quotes)
    marked = [False] * len(text)
    for s, e in spans:
        for i in range(s, e):
            marked[i] = True

    paragraphs_out: list[str] = []
    pos = 0
    for para in re.split(r"(\n[ \t]*\n)", text):
        if re.fullmatch(r"\n[ \t]*\n", para):
            pos += len(para)
            continue
        lines_out = []
        for line in para.split("\n"):
            start = pos
            pos += len(line) + 1
            if not line.strip():
                continue
            lines_out.append(_line_with_highlights(line, marked[start:start + len(line)]))
        pos -= 1  # the paragraph's last line had no trailing newline inside this piece
        if lines_out:
            paragraphs_out.append("\\\n".join(lines_out))
    return "\n\n".join(paragraphs_out)


def _line_with_highlights(line: str, marked: list[bool]) -> str:
    m = _LEAD.match(line)
    lead = ""
    offset = 0
    if m:
        lead = m.group(0).replace("\t", "    ").replace(" ", "\u00a0")
        offset = m.end()
    out = [lead]
    i = offset
    n = len(line.rstrip())
    while i < n:
        j = i
        while j < n and marked[j] == marked[i]:
            j += 1
        piece = line[i:j]
        if marked[i] and piece.strip():
            # Emphasis must not start or end on a blank; keep blanks outside the markup.
            core = piece.strip()
            left = piece[: len(piece) - len(piece.lstrip())]
            right = piece[len(piece.rstrip()):]
            out.append(escape_inline(left) + _HL_OPEN + escape_inline(core) + _HL_CLOSE
                       + escape_inline(right))
        else:
            out.append(escape_inline(piece))
        i = j
    return "".join(out)


def answer_markdown(text: str) -> str:
    """An answer: literal text with its citation markers ``[n]`` in bold, so they read as
    references to the passages listed below it."""
    # Markers become private-use placeholders (no punctuation, so escaping leaves them alone),
    # then our bold markup replaces them after the text is escaped.
    raw = str(text).replace("\ue000", "").replace("\ue001", "")
    raw = _MARKER.sub(lambda m: f"\ue000{m.group(1)}\ue001", raw)
    return re.sub("\ue000(\\d+)\ue001", r"**\\[\1\\]**", escape_markdown(raw))
