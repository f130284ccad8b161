"""Checking what an LLM wrote before it is shown as an answer.

The model's text is untrusted in the same way a document is. In order:

1. ``MarkerFilter`` drops markers that point to no passage while tokens stream, so a user
   watching the live text never sees a citation that leads nowhere.
2. ``check_output`` normalises marker styles ("claim. [1]", "[1, 2]", "[passage 1]"), removes
   markers to passages the model was not shown (``renumber_check``), then reads sentence by
   sentence:
   - a marker stays only if its passage contains a fair share of the sentence's content words
     (``MIN_SUPPORT``): a number pasted after an unrelated sentence is not a citation;
   - a sentence containing a word or address that only removed injection text asked for
     (``Payload``) is dropped, whatever it cites;
   - a claim sentence left without a marker is dropped: no claim is shown as grounded without a
     citation. Sentences without content words beyond the question ("Sure.") are not claims.
3. The composer decides on the fallback when nothing cited survives (see ``llm.py``).

Support is measured with the same stemmed content terms as the extractive composer; it is a
lexical check, so it catches wrong and invented citations, not subtle paraphrase errors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.answer.base import MARKER, renumber_check
from assistant.answer.prompts import ABSTAIN_PHRASE, CONTROL_TOKENS, REMOVED, Payload
from assistant.answer.text import content_terms, split_sentences
from assistant.records import Citation, Passage

__all__ = ["MarkerFilter", "Checked", "check_output", "normalise_markers", "strip_payload",
           "is_abstention", "quote_for", "citations_for", "MIN_SUPPORT", "MIN_SUPPORT_EACH"]

# Share of a sentence's content terms that its cited passages must contain together, and that
# each cited passage must contain alone. Tuned to keep close paraphrase (which keeps the nouns)
# and drop a marker after a sentence about something else.
MIN_SUPPORT = 0.5
MIN_SUPPORT_EACH = 0.25


class MarkerFilter:
    """Streams text through, holding back only an unfinished ``[...`` until it is known to be a
    marker; markers to passages not in ``valid`` are dropped on the fly."""

    _MAX_HOLD = 12  # "[passage 12]" is the longest marker form we normalise

    def __init__(self, valid: set[int]) -> None:
        self.valid = valid
        self._held = ""

    def feed(self, delta: str) -> str:
        text = self._held + delta
        self._held = ""
        out: list[str] = []
        i = 0
        while i < len(text):
            j = text.find("[", i)
            if j < 0:
                out.append(text[i:])
                break
            out.append(text[i:j])
            k = text.find("]", j)
            if k < 0:
                if len(text) - j <= self._MAX_HOLD:
                    self._held = text[j:]  # may become a marker with the next delta
                else:
                    out.append(text[j:])
                break
            token = text[j:k + 1]
            m = MARKER.fullmatch(token)
            if m is None or int(m.group(1)) in self.valid:
                out.append(token)
            i = k + 1
        return "".join(out)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return held


_MULTI = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})+)\s*\]")
_WORDY = re.compile(r"\[\s*(?:passage|source|doc(?:ument)?)\s*#?\s*(\d{1,3})\s*\]", re.I)
_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d{1,3}\])+)")


def normalise_markers(text: str) -> str:
    """One marker style: ``[1] [2]`` before the sentence's full stop, so a sentence and its
    citations split together."""
    text = CONTROL_TOKENS.sub(" ", text)
    text = _WORDY.sub(lambda m: f"[{m.group(1)}]", text)
    text = _MULTI.sub(lambda m: " ".join(f"[{n.strip()}]" for n in re.split(r"[,;]", m.group(1))),
                      text)
    return _AFTER_STOP.sub(_move_before_stop, text)


def _move_before_stop(m: re.Match[str]) -> str:
    markers = " ".join(f"[{n}]" for n in MARKER.findall(m.group(2)))
    return f" {markers}{m.group(1)}"


_ABSTAIN = re.compile(r"\b(?:material|passages?|context|sources?)\s+(?:does|do)\s+not\s+"
                      r"(?:cover|contain|answer|mention|say)", re.I)


def is_abstention(text: str) -> bool:
    """The model said the passages do not answer (the phrase the rules ask for, or close)."""
    t = " ".join(text.split())
    return t.startswith(ABSTAIN_PHRASE[:-1]) or (len(t) < 160 and bool(_ABSTAIN.search(t)))


@dataclass
class Checked:
    text: str  # only cited claims (and non-claim sentences) remain
    cited: list[int]  # passage numbers, in order of first use
    notes: list[str] = field(default_factory=list)
    unverified: str = ""  # the model's text with bad markers and payload removed, uncited kept


def _units(text: str) -> list[tuple[int, int]]:
    """Sentence spans of model output, by line then by sentence end. Own splitter (not
    ``split_sentences``) because table rows and code lines in model output are claims too."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        a = start
        for m in re.finditer(r"(?<=[.!?])\s+(?=\S)", line):
            spans.append((a, start + m.start()))
            a = start + m.end()
        spans.append((a, start + len(line)))
    return spans


def _terms(text: str) -> set[str]:
    return set(content_terms(MARKER.sub(" ", text)))


def _has_payload(sentence: str, payload: Payload) -> bool:
    if not payload:
        return False
    low = sentence.lower()
    return any(u in low for u in payload.urls) or bool(_terms(sentence) & payload.terms)


def strip_payload(text: str, payload: Payload) -> tuple[str, int]:
    """Remove sentences carrying injected payload; returns the text and how many went."""
    if not payload:
        return text, 0
    drop = [(a, b) for a, b in _units(text) if _has_payload(text[a:b], payload)]
    return _cut(text, drop), len(drop)


def _cut(text: str, spans: Sequence[tuple[int, int]]) -> str:
    for a, b in sorted(spans, reverse=True):
        text = text[:a] + text[b:]
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def check_output(raw: str, shown: Sequence[Passage], question: str,
                 payload: Payload = Payload()) -> Checked:  # noqa: B008 - Payload is frozen
    text, _, notes = renumber_check(normalise_markers(raw), shown)
    text = text.replace(REMOVED, "")
    unverified, n_payload = strip_payload(text, payload)
    if n_payload:
        notes.append(f"removed {n_payload} sentence{'s' if n_payload > 1 else ''} that repeated "
                     "text from an instruction found in a document")
    passage_terms = {p.rank: set(content_terms(p.chunk.embed_text())) for p in shown}
    q_terms = set(content_terms(question))
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    unsupported: list[str] = []
    uncited = 0
    for a, b in _units(unverified):
        sentence = unverified[a:b]
        terms = _terms(sentence)
        markers = [int(n) for n in MARKER.findall(sentence)]
        if markers and terms:
            union = set().union(*(passage_terms[n] for n in markers))
            keep = [n for n in dict.fromkeys(markers)
                    if len(terms & passage_terms[n]) / len(terms) >= MIN_SUPPORT_EACH]
            if len(terms & union) / len(terms) < MIN_SUPPORT:
                keep = []
            if len(keep) < len(set(markers)):
                unsupported += [f"[{n}]" for n in dict.fromkeys(markers) if n not in keep]
                sentence = MARKER.sub(  # used at once, inside this iteration
                    lambda m: m.group(0) if int(m.group(1)) in keep else "", sentence)  # noqa: B023
                markers = keep
        if not markers and terms - q_terms:
            uncited += 1
            edits.append((a, b, ""))
        elif sentence != unverified[a:b]:
            edits.append((a, b, re.sub(r"[ \t]+([.,;:!?])", r"\1", sentence)))
    if unsupported:
        notes.append("removed citation" + ("s " if len(unsupported) > 1 else " ")
                     + ", ".join(dict.fromkeys(unsupported))
                     + " (the passage does not contain what the sentence says)")
    if uncited:
        notes.append(f"dropped {uncited} sentence{'s' if uncited > 1 else ''} that cited no "
                     "passage")
    out = unverified
    for a, b, rep in sorted(edits, reverse=True):
        out = out[:a] + rep + out[b:]
    out = _cut(out, [])
    cited = list(dict.fromkeys(int(n) for n in MARKER.findall(out)))
    if not _terms(out) - q_terms:
        cited = []  # only markers and question words left: nothing was actually answered
    return Checked(out, cited, notes, unverified)


def quote_for(n: int, passage: Passage, answer: str) -> str:
    """The passage sentence closest to what the answer says with [n]: shown as the quote."""
    claims = " ".join(s for s in re.split(r"(?<=[.!?])\s+", answer) if f"[{n}]" in s)
    want = _terms(claims)
    best, best_hits = "", 0
    for s in split_sentences(passage.chunk.text):
        hits = len(want & set(content_terms(s.text)))
        if hits > best_hits:
            best, best_hits = s.text, hits
    return best


def citations_for(cited: Sequence[int], shown: Sequence[Passage], answer: str) -> list[Citation]:
    by_rank = {p.rank: p for p in shown}
    return [Citation(n, by_rank[n].chunk, quote_for(n, by_rank[n], answer))
            for n in sorted(cited) if n in by_rank]
