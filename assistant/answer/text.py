"""Text helpers shared by the answer composers, the eval metrics and the study tools:
sentence splitting that keeps sentences verbatim (so a cited sentence can be found in its
passage), and stemmed content terms for overlap scoring."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Sentence", "split_sentences", "question_sentences", "content_terms", "stem",
           "STOPWORDS", "UMBRELLA", "normalize_ws", "without_dates", "states_figure", "NEGATION",
           "NEGATION_OR_TOO", "the_ask", "heading_terms"]

# One negation vocabulary for every module that reads polarity (the coach's stem and option
# scopes, the composer's rule fit). "n't" is matched on its own so that "can't", "doesn't" and
# "isn't" need no list. "Too big to fit" and "nothing requires" also deny, but only the rule-fit
# comparison, which pairs sentences by polarity, reads them that way (``NEGATION_OR_TOO``).
_NEGATION_WORDS = r"not|no|never|without|cannot|nobody|none|unable|neither|nor"
NEGATION = re.compile(rf"\b({_NEGATION_WORDS})\b|n't\b", re.I)
NEGATION_OR_TOO = re.compile(rf"\b({_NEGATION_WORDS}|nothing|too \w+ to)\b|n't\b", re.I)

# Words that carry no topic: question words, auxiliaries, and generic exam phrasing.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
use used using uses want wants need needs should shall must may might one ones way ways
tell explain describe difference differ differs between vs versus best better good get
give gives thing things something anyone someone kind sort please know like does did
question questions answer answers exam pmle google cloud gcp got gets getting take takes taking took
""".split()) | frozenset(__import__("bm25s.stopwords", fromlist=["STOPWORDS_EN"]).STOPWORDS_EN)

_ABBREV = ("e.g.", "i.e.", "vs.", "etc.", "approx.", "cf.", "Inc.", "No.", "U.S.", "Dr.", "Mr.")
_PROTECT = "\u2024"  # one-dot leader: stands in for an abbreviation's dot while splitting
_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9`\"'(\[*_])")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# The same token pattern as bm25s, so that terms here and in the BM25 vocabulary line up.
_WORD = re.compile(r"(?u)\b\w\w+\b")


@dataclass(frozen=True)
class Sentence:
    text: str  # verbatim substring of the passage (bullet markers stripped)
    start: int  # character offset in the passage
    index: int  # position among the passage's sentences
    bullet: bool = False


def normalize_ws(text: str) -> str:
    return " ".join(text.split())


_DATE = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+"
                   r"(?:\d{1,2},?\s+)?(?:19|20)\d\d\b|\b(?:19|20)\d\d-\d\d(?:-\d\d)?\b", re.I)


_DIGIT = re.compile(r"\d")
# "valid for two years", "three or more years": a number word with a unit is a figure too ("one" is
# left out: "one model", "one of the options" are not figures).
_NUMBER_WORD = re.compile(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                          r"fifteen|twenty|thirty|forty|fifty|sixty|ninety|hundred)\s+"
                          r"(?:or (?:more|fewer|less)\s+)?(?:minutes?|hours?|days?|weeks?|months?|"
                          r"years?|questions?|percent)\b", re.I)


def without_dates(text: str) -> str:
    """The text with its dates ("June 2026", "2026-06-01") blanked: a date is not a figure."""
    return _DATE.sub(" ", text)


def states_figure(text: str) -> bool:
    """The text holds a number that is not part of a date: digits, or a number word with its
    unit ("two years")."""
    bare = without_dates(text)
    return bool(_DIGIT.search(bare) or _NUMBER_WORD.search(bare))


_QUESTION_SPLIT = re.compile(r"(?<=[.!?])\s+")


def question_sentences(text: str) -> list[str]:
    """The sentences of a user's question, split at any end mark. Unlike ``split_sentences``
    it does not protect abbreviations or need a capital after the mark: users write "what now?
    the model..." and a question is short enough that a rare wrong split costs nothing. Never
    empty: a blank question gives ``[""]``."""
    return _QUESTION_SPLIT.split(text.strip())


# "After training a k-means model in BigQuery ML, how do I ...?": the ask follows the setting.
_LEAD_IN = re.compile(r"^\s*(?:after|in|for|when|once|before|with|using|on|from|within|given|if)\b"
                      r"[^,?]{2,120},\s+(?=(?:how|what|which|when|why|where|who|can|could|should|"
                      r"is|are|do|does)\b)", re.I)


def the_ask(question: str) -> str:
    """The question's last sentence without a setting that leads into the ask ("In a tuning
    job, how should I ...?" asks "how should I ...?")."""
    return _LEAD_IN.sub("", question_sentences(question)[-1])


@lru_cache(maxsize=1024)
def _heading_terms(heading: tuple[str, ...]) -> frozenset[str]:
    return frozenset(content_terms(" ".join(heading)))


def heading_terms(heading: Sequence[str]) -> frozenset[str]:
    """The content terms of a section's heading path. The composer asks for them several times
    per candidate sentence, and a passage's sentences share one heading: cached."""
    return _heading_terms(tuple(heading))


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of a Markdown passage, each a verbatim substring of ``text``.

    Bullet items are sentences of their own; fenced code and table rows are skipped (they do
    not read as an answer).
    """
    out: list[Sentence] = []
    in_fence = False
    offset = 0
    para: list[tuple[str, int]] = []

    def flush_para() -> None:
        if not para:
            return
        start = para[0][1]
        end = para[-1][1] + len(para[-1][0])
        block = text[start:end]
        _split_block(block, start, out)
        para.clear()

    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            flush_para()
            in_fence = not in_fence
            continue
        if in_fence or not stripped or stripped.startswith(("|", "#", ">")) and \
                not stripped.startswith("> "):
            flush_para()
            continue
        m = _BULLET.match(line)
        if m:
            flush_para()
            first = len(out)
            para.append((line[m.end():], line_start + m.end()))
            flush_para()
            for k in range(first, len(out)):  # every sentence of the item, not only its last
                out[k] = Sentence(out[k].text, out[k].start, out[k].index, bullet=True)
            continue
        para.append((line, line_start))
    flush_para()
    return [Sentence(s.text, s.start, i, s.bullet) for i, s in enumerate(out)]


def _split_block(block: str, base: int, out: list[Sentence]) -> None:
    protected = block
    for ab in _ABBREV:
        protected = protected.replace(ab, ab.replace(".", _PROTECT))
    pos = 0
    for m in _SENT_END.finditer(protected):
        _emit(block, base, pos, m.start(), out)
        pos = m.end()
    _emit(block, base, pos, len(block), out)


def _emit(block: str, base: int, a: int, b: int, out: list[Sentence]) -> None:
    piece = block[a:b]
    lead = len(piece) - len(piece.lstrip())
    piece = piece.strip()
    if len(piece) < 3:
        return
    out.append(Sentence(piece, base + a + lead, len(out)))


_STEM_LOCK = threading.Lock()
_STEMMER = None


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    global _STEMMER
    if _STEMMER is None:
        with _STEM_LOCK:
            if _STEMMER is None:
                import Stemmer

                _STEMMER = Stemmer.Stemmer("english")
    with _STEM_LOCK:  # PyStemmer objects are not documented as thread-safe
        return _STEMMER.stemWord(word)


def content_terms(text: str) -> list[str]:
    """Stemmed, lower-cased content words in order (duplicates kept)."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


# The umbrella words of Google's product names ("Vertex AI Search", "Agent Platform Pipelines"):
# two products that share them are still different products.
UMBRELLA = frozenset(content_terms("vertex ai agent platform google cloud gemini enterprise"))
