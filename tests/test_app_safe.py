"""Text safety and upload names: pure functions the pages rely on."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from assistant.ingest.uploads import sanitize_filename
from assistant.ui.safe import answer_markdown, escape_inline, escape_markdown, find_spans, passage_markdown

_UNESCAPED_PUNCT = re.compile(r"""(?<!\\)[!"#$%&'()*+,\-./:;<=>?@\[\]^_`{|}~]""")


def _unescape(md: str) -> str:
    """What a CommonMark renderer shows for our escaped text (and markup we add removed)."""
    md = md.replace(":orange-background[**", "").replace("**]", "")
    md = md.replace("\u2060", "").replace("\u00a0", " ")
    md = re.sub(r"\\\n", "\n", md)
    return re.sub(r"\\(.)", r"\1", md)


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![pixel](http://example.com/p.png)",
    "**bold** _it_ `code` ~~s~~ $x$ :red[r] :smile: # h | a | b |",
    "&lt;b&gt; &amp; &#60;",
])
def test_escape_inline_leaves_no_live_markup(text):
    out = escape_inline(text)
    assert not _UNESCAPED_PUNCT.search(out.replace("\u2060", ""))
    assert _unescape(out) == text


@hsettings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200))
def test_escape_inline_roundtrips_any_line(text):
    line = " ".join(text.replace("\r", " ").replace("\n", " ").split())
    out = escape_inline(line)
    assert not _UNESCAPED_PUNCT.search(out.replace("\u2060", ""))
    shown = _unescape(out)
    # Control characters become spaces; everything else shows as typed.
    assert " ".join(shown.split()) == " ".join(
        re.sub(r"[\x00-\x1f\x7f\u2028\u2029]", " ", line).split())


def test_escape_markdown_keeps_lines_and_no_code_block():
    text = "# Title\n    indented <b>x</b>\n- item\n\n1. first"
    out = escape_markdown(text)
    # Leading blanks are non-breaking spaces (no indented code block), lines are hard breaks.
    assert "\u00a0\u00a0\u00a0\u00a0indented" in out
    assert out.split("\n\n")[0].count("\\\n") == 2
    assert _unescape(out) == "# Title\n    indented <b>x</b>\n- item\n\n1. first"


def test_highlight_wraps_only_the_cited_sentence():
    text = ("Skew is a <gap>. It is detected with *baselines* [1]. "
            "The third sentence\nwraps over a line.")
    out = passage_markdown(text, ["It is detected with *baselines* [1].",
                                  "The third sentence wraps over a line."])
    assert out.count(":orange-background[**") == 3  # one sentence, and one split by a line break
    assert ":orange-background[**It is detected with \\*baselines\\* \\[1\\]\\.**]" in out
    assert out.startswith("Skew is a \\<gap\\>\\. ")
    assert _unescape(out) == text


def test_highlight_of_a_quote_not_in_the_passage_changes_nothing():
    text = "Plain passage text."
    assert passage_markdown(text, ["Not there."]) == escape_markdown(text)
    assert find_spans(text, ["", "Not there."]) == []


def test_answer_markers_are_bold_and_the_rest_literal():
    out = answer_markdown("Use <TPU> [1]. Also `a[2]` and x[3] [12]")
    assert "**\\[1\\]**" in out and "**\\[12\\]**" in out
    assert "**\\[2\\]**" not in out and "**\\[3\\]**" not in out  # code and indices are not markers
    assert "\\<TPU\\>" in out


@pytest.mark.parametrize("name, expected", [
    ("notes.md", "notes.md"),
    ("../../etc/passwd.md", "passwd.md"),
    ("..\\..\\windows\\system.ini.txt", "system.ini.txt"),
    ("/abs/path/guide.pdf", "guide.pdf"),
    ("C:\\Users\\me\\guide.pdf", "guide.pdf"),
    ("a\x00b.md", "ab.md"),
    ("..", "upload"),
    ("...md", "upload.md"),
    (".hidden.md", "hidden.md"),
    ("con.txt", "_con.txt"),
    ("LPT1", "_LPT1"),
    ("nul.tar.md", "_nul.tar.md"),
    ("fullwidth\uff0f..\uff0fslash.md", "slash.md"),
    ("we<ird>|na*me?.html", "we_ird__na_me_.html"),
    ("", "upload"),
])
def test_sanitize_filename(name, expected):
    assert sanitize_filename(name) == expected


@hsettings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_sanitized_names_are_always_plain(name):
    out = sanitize_filename(name)
    assert out and len(out) <= 137
    assert "/" not in out and "\\" not in out and "\x00" not in out
    assert ".." not in out and not out.startswith(".")
    assert out not in (".", "..")
