"""Facts mined from indexed chunks: a verbatim sentence plus the verbatim spans that state
something checkable (a choice rule, a scenario cue, a definition, a trap, a number).

Both flashcards and quiz items are built from these, so every span they show is a slice of a
sentence that is itself a slice of the chunk it names. The corpus is written to a house style
("Choose X over Y when ...", "Trap: ...", "X is a ...", 'Scenario cue: "..." points to X'), which
makes a handful of patterns enough; a sentence that fits none is still used for cloze cards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from assistant.answer.text import content_terms, split_sentences
from assistant.records import Chunk

__all__ = ["Fact", "FactKind", "Span", "mine", "sentences", "usable_sentence", "strip_article",
           "condition_only", "terms", "jaccard"]

FactKind = Literal["choose", "cue", "definition", "occurs", "trap", "limit"]


@dataclass(frozen=True)
class Span:
    """A verbatim slice of a quote: ``quote[start:end] == text``."""

    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Fact:
    kind: FactKind
    chunk: Chunk
    quote: str  # one verbatim sentence of chunk.text
    subject: Span  # X: the product, term or number the fact is about
    detail: Span  # the condition, cue, predicate or reason
    other: Span | None = None  # Y in "choose X over Y"
    sentence_index: int = 0


# Sentences that start with these lean on the previous sentence; quoted alone they mislead.
_DANGLING = re.compile(r"^(?:It|Its|This|That|These|Those|They|Their|Both|Either|Neither|Such|"
                       r"Here|There|Then|Also|Otherwise|Instead|However|Similarly|Likewise|"
                       r"The same|The other|The former|The latter|The second|The third|"
                       r"The first|In that case|In this case|In the first|In the second|"
                       r"In both|Without one|Without it|With one|With it)\b")
_WORDS = re.compile(r"\S+")


def usable_sentence(text: str) -> bool:
    n = len(_WORDS.findall(text))
    if n < 6 or n > 70:
        return False
    first = text.lstrip("*_\"'(")[:1]
    # A fragment left by chunk overlap starts lower-case; a sentence shown alone must not.
    if not (first.isupper() or first.isdigit() or first == "`"):
        return False
    return not _DANGLING.match(text.lstrip("*_\"'("))


def sentences(chunk: Chunk) -> Iterator[tuple[int, str]]:
    for s in split_sentences(chunk.text):
        # split_sentences returns verbatim substrings; keep them verbatim (only trim the ends).
        yield s.index, s.text


# --- patterns --------------------------------------------------------------------------

_X = r"(?P<x>[^;:]{2,90}?)"
_CHOOSE = re.compile(
    r"^(?:[A-Z][\w -]{0,30}: )?Choose " + _X +
    r"(?: (?:over|instead of|rather than) (?P<y>[^;:]{2,80}?))?"
    r"(?:,? instead)?,? (?:only )?(?:when|whenever|if) (?P<c>[^;]{12,400}?)\s*(?:[;.]|$)")
_RIGHT_CHOICE = re.compile(
    r"^(?P<x>[A-Z`][^;:,]{1,80}?) (?:is|are) (?:the|a|an) (?:\w+[ -]){0,3}?"
    r"(?:choice|answer|option|fit|path|tool|pick|way)s? (?:to choose |to use )?"
    r"(?:when|whenever|if) (?P<c>[^;]{12,400}?)\s*(?:[;.]|$)")
# "A new-data trigger fits when ...": the corpus's other way of stating a choice rule.
_FITS = re.compile(
    r"^(?P<x>[A-Z`][^;:,]{1,80}?) (?:fits|suits|works|is preferred|are preferred)(?: best)? "
    r"(?:when|whenever|if) (?P<c>[^;]{12,400}?)\s*(?:[;.]|$)")
# 'Scenario cue: "..." points to X' and bulleted '"...", or "..." point to X'.
_CUE = re.compile(r'"(?P<q>[^"]{12,240})"(?:,? (?:or|and) "[^"]{4,240}")* points? to '
                  r'(?P<x>[^;]{2,160}?)(?=;|\.?$)')
_DEFINITION = re.compile(
    r"^(?P<x>(?:The )?[A-Z`][^,;:()]{1,70}?)(?: \([^)]{2,80}\)|, [^,;]{2,80},)? (?:is|are) "
    r"(?:also |now )?(?P<p>(?:a|an|the|Google(?: Cloud)?'s|one of) [^;]{12,300}?)\s*(?:[;.]|$)")
# "Concept drift occurs when ...": how the corpus defines phenomena.
_OCCURS = re.compile(
    r"^(?P<x>[A-Z`][^;:,()]{1,60}?)(?: \([^)]{2,80}\)|, [^,;]{2,80},)? (?:occurs|happens|appears|"
    r"arises) (?:when|if) (?P<c>[^;]{12,300}?)\s*(?:[;.]|$)")
_TRAP = re.compile(r"^Trap: (?P<x>[^;]{8,300}?)(?:; | because | since )(?P<r>[^;]{8,300}?)\s*\.?$")
_NUMBER = re.compile(
    r"(?<![\w.$-])(?:\$ ?)?\d[\d,]*(?:\.\d+)?(?: ?(?:%|percent\b|per cent\b|"
    r"(?:GB|GiB|TB|MB|KB|ms|vCPUs?|minutes?|hours?|days?|weeks?|months?|seconds?|"
    r"milliseconds?|questions?|replicas?|nodes?|GPUs?|TPUs?|chips?|tokens?|characters?|"
    r"rows?|examples?|trials?|languages?|years?|USD|points?|runs?|steps?|files?|models?|"
    r"features?|regions?|times)\b))")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_LEAD_ARTICLE = re.compile(r"^(?:the|a|an) ", re.I)


def _span(quote: str, m: re.Match[str], group: str) -> Span:
    text = m.group(group)
    start = m.start(group)
    # Trim a trailing comma the lazy groups sometimes keep, and a closing quote mark only when
    # its opening one is not inside the span.
    stripped = text.rstrip(" ,")
    if stripped.endswith('"') and stripped.count('"') % 2 == 1:
        stripped = stripped[:-1].rstrip(" ,")
    return Span(stripped, start)


def mine(chunk: Chunk) -> list[Fact]:
    """All facts of one chunk, in sentence order."""
    out: list[Fact] = []
    for idx, quote in sentences(chunk):
        if not usable_sentence(quote):
            continue
        out.extend(_mine_sentence(chunk, idx, quote))
    return out


def _mine_sentence(chunk: Chunk, idx: int, quote: str) -> Iterator[Fact]:
    body = quote.lstrip("*_")
    off = len(quote) - len(body)

    def sp(m: re.Match[str], g: str) -> Span:
        s = _span(body, m, g)
        return Span(s.text, s.start + off)

    m = _CHOOSE.match(body) or _RIGHT_CHOICE.match(body) or _FITS.match(body)
    if m:
        other = sp(m, "y") if "y" in m.groupdict() and m.group("y") else None
        yield Fact("choose", chunk, quote, sp(m, "x"), sp(m, "c"), other, idx)
    for m in _CUE.finditer(body):
        yield Fact("cue", chunk, quote, sp(m, "x"), sp(m, "q"), None, idx)
    m = _DEFINITION.match(body)
    if m and not body.startswith(("Choose ", "Trap:")):
        yield Fact("definition", chunk, quote, sp(m, "x"), sp(m, "p"), None, idx)
    m = _OCCURS.match(body)
    if m:
        yield Fact("occurs", chunk, quote, sp(m, "x"), sp(m, "c"), None, idx)
    m = _TRAP.match(body)
    if m:
        yield Fact("trap", chunk, quote, sp(m, "x"), sp(m, "r"), None, idx)
    for m in _NUMBER.finditer(body):
        num = m.group(0)
        digits = num.strip("$ ").replace(",", "")
        if _YEAR.match(digits) or re.match(r"^\d\.\d$", digits):  # years, section ids (3.2)
            continue
        yield Fact("limit", chunk, quote, Span(num, m.start() + off), Span(quote, 0), None, idx)


_REASON = re.compile(r",? (?:because|since) ")


def condition_only(text: str) -> str:
    """The condition without the passage's reason ('the data is small, because X' -> 'the data
    is small'), for a question that must not hand over the reasoning."""
    return _REASON.split(text)[0]


def strip_article(text: str) -> str:
    return _LEAD_ARTICLE.sub("", text)


def terms(text: str) -> frozenset[str]:
    """Stemmed content terms, for near-duplicate tests."""
    return frozenset(content_terms(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0
