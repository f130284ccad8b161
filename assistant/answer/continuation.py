"""Sentences that lean on their neighbours, for the extractive composer.

- A connective continues the sentence before it ("Cost also matters: ...", "This ..."), and a
  list item finishes its list's opening sentence ("sensitive data such as PII, through its
  integration with Sensitive Data Protection;" under "Model Armor screens text for five kinds
  of risk:"). Either reads badly as the first sentence of an answer.
- A sentence that ends its paragraph right before a list, and announces it ("Model Armor
  screens text for five kinds of risk:", "... include the following."), opens that list.
  When it is the lead, the list is the answer: the same lead followed by three unrelated
  points leaves the reader asking which five. ``announced_items`` returns the list, verbatim
  and in the material's order, to stand as the points. When the announcing sentence ends its
  chunk, the list opens the next chunk of the same section, which is read for this alone (it
  is not a candidate for other sentences of the answer).
- A plain sentence that ends by counting what it is about ("Vertex AI Experiments organizes
  tracking on two levels.") is explained by the rest of its paragraph, which
  ``announced_sentences`` returns to lead the points.
- A list item chosen as a supporting point is read after its list's opening sentence
  (``with_openers``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.answer.candidates import Candidate
from assistant.answer.extractive import ScoredSentence
from assistant.answer.text import Sentence, content_terms, split_sentences
from assistant.records import Chunk, Passage

__all__ = ["points_back", "is_fragment", "announced_items", "announced_sentences", "MAX_ITEMS",
           "MAX_WORDS", "ChunkAt", "with_openers"]

_CONNECTIVE = re.compile(r"^(\w+ also\b|\w+ instead\b|also|however|but|and|so|then|for example|"
                         r"(?:second|third|finally|last|next)(?=,)|secondly|thirdly|lastly|"
                         r"this|that|these|those|it|they|its|their|here|there|examples? (are|is|include)|"
                         r"(choose|use|prefer|pick|apply|consider|combine) (these|those|this|them|"
                         r"it|both|such)|the same (\w+ )?(applies|holds|rule))\b", re.I)

# A product's own name ("BigQuery", "AutoML", "TPU"): "BigQuery also offers `AI.FORECAST`"
# states a fact about BigQuery; only a common noun ("Cost also matters") continues a thought.
_NAME_WORD = re.compile(r"^(?:\w+[A-Z]\w*|[A-Z]{2,}\w*)\s+also\b")

# "The documentation says this integration is unavailable for jobs on TPUs": a generic noun
# behind a demonstrative, inside the sentence, names something an earlier sentence introduced.
# Read first, the sentence is about nothing the reader can see.
_REFERS_BACK = re.compile(r"\b(?:this|these|those)\s+(?:integration|features?|options?|approach|"
                          r"settings?|service|tool|method|capability|mode|pattern|technique|"
                          r"product|API|function|checks|tests|steps|rules)\b"
                          r"|\b(?:tuned|trained|done|built|used|served) this way\b"
                          r"|\b(?:replaces?|extends?|follows?|repeats?) (?:that|this) "
                          r"(?:model|design|setup|approach|idea)\b"
                          r"|\bthe same (?:checks|tests|steps|rules)\b", re.I)

# What an opening sentence says to announce its list: a closing colon, "the following", or a
# count ("five kinds of risk", "several conditions"). A list after a sentence that announces
# nothing ("exam answers often combine it with other controls.") elaborates some other point.
_ANNOUNCES = re.compile(r":\s*$|\b(?:the following|as follows|includes?|several|multiple|two|"
                        r"three|four|five|six|seven|eight|these)\b", re.I)

# A list longer than this reads as a section to look up, not as an answer's points.
MAX_ITEMS = 8
MAX_WORDS = 200


def points_back(text: str) -> bool:
    """The sentence continues another ("Cost also matters", "Choose these changes when ...",
    "Examples are ...", "... says this integration is unavailable ..."): it reads badly as the
    first sentence of an answer."""
    if _CONNECTIVE.match(text) and not _NAME_WORD.match(text):
        return True
    m = _REFERS_BACK.search(text)
    # "TFDV implements these checks: it computes statistics, ..." says what they are.
    resolved = m is not None and m.group(0).lower().startswith(("this", "these", "those")) \
        and text[m.end():].lstrip().startswith(":")
    return m is not None and m.start() > 0 and not resolved


def is_fragment(c: Candidate) -> bool:
    """A list item that continues its list's opening sentence: it can support an answer, but
    read first it makes no sense."""
    return c.scored.sentence.bullet and c.text[:1].islower()


def with_openers(points: list[Candidate], lead: Candidate) -> list[Candidate]:
    """A list item chosen as a point makes no sense alone ("text contained inside PDF files,
    so that documents are screened ..."): the sentence that opens its list ("Model Armor
    screens text for five kinds of risk:") is quoted right before it, unless the answer
    already has it."""
    have = {lead.text, *(p.text for p in points)}
    out: list[Candidate] = []
    for p in points:
        if is_fragment(p):
            before = [s for s in split_sentences(p.scored.passage.chunk.text)
                      if s.index < p.scored.sentence.index and not s.bullet]
            if before and _ANNOUNCES.search(before[-1].text) and before[-1].text not in have:
                out.append(_quoted(p, before[-1]))
                have.add(before[-1].text)
        out.append(p)
    return out


def _after(lead: Candidate) -> list[Sentence]:
    """The sentences that follow the lead in its own passage, all of them: the composer's
    candidates leave out very short sentences ("malicious URLs;") that still belong here."""
    index = lead.scored.sentence.index
    return [s for s in split_sentences(lead.scored.passage.chunk.text) if s.index > index]


def _quoted(lead: Candidate, s: Sentence, passage: Passage | None = None) -> Candidate:
    """A sentence of the lead's passage (or of ``passage``) as a point: quoted verbatim under
    that passage's marker."""
    scored = ScoredSentence(passage or lead.scored.passage, s, frozenset(content_terms(s.text)),
                            0.0, 0.0)
    return Candidate(scored, "plain", None, None, 0.0)


ChunkAt = Callable[[str, int], Chunk | None]


def _next_in_section(lead: Candidate, passages: Sequence[Passage],
                     chunk_at: ChunkAt | None) -> Passage | None:
    """The chunk right after the lead's in the same section, as a passage: the retrieved one
    if it is among ``passages``, else looked up (cited after every passage read)."""
    c = lead.scored.passage.chunk
    for p in passages:
        if p.chunk.source == c.source and p.chunk.ordinal == c.ordinal + 1:
            return p if p.chunk.heading_path == c.heading_path else None
    nxt = chunk_at(c.source, c.ordinal + 1) if chunk_at is not None else None
    if nxt is None or nxt.heading_path != c.heading_path:
        return None
    rank = max([p.rank for p in passages] + [lead.rank]) + 1
    return Passage(nxt, rank, lead.scored.passage.score, via=lead.rank)


def announced_items(lead: Candidate, passages: Sequence[Passage] = (),
                    chunk_at: ChunkAt | None = None) -> list[Candidate]:
    """The list that directly follows the lead in its own passage, or, when the lead ends its
    chunk, that opens the next chunk of its section (``passages`` read, or ``chunk_at``), in
    order; empty when the lead is itself a list item, when a paragraph follows it, or when the
    list is too long to stand as the points."""
    if lead.scored.sentence.bullet or not _ANNOUNCES.search(lead.text):
        return []  # an item of a list, or a sentence the list merely follows
    after: list[tuple[Sentence, Passage | None]] = [(s, None) for s in _after(lead)]
    if not after:
        nxt = _next_in_section(lead, passages, chunk_at)
        after = [(s, nxt) for s in split_sentences(nxt.chunk.text)] if nxt is not None else []
    items: list[Candidate] = []
    words = 0
    for s, where in after:
        if not s.bullet:
            break  # the list ended (or never began): a paragraph follows
        items.append(_quoted(lead, s, where))
        words += len(s.text.split())
        if len(items) > MAX_ITEMS or words > MAX_WORDS:
            # Too long to stand as an answer's points, and cutting it short would misstate
            # it ("five kinds" and three shown): the composer's own points stay.
            return []
    return items


# "Vertex AI Experiments organizes tracking on two levels.": a sentence that ends by counting
# what it is about announces an explanation, which the rest of its paragraph gives.
_COUNTS = re.compile(r"\b(?:two|three|four|five|six|several)\s+(?:[\w-]+\s+){0,2}[\w-]+s[.:]\s*$",
                     re.I)
_PARAGRAPH_SENTENCES = 3


def announced_sentences(lead: Candidate) -> list[Candidate]:
    """The rest of the lead's paragraph (up to three sentences), when the lead ends by
    announcing a count of things; empty otherwise."""
    if lead.role != "plain" or lead.scored.sentence.bullet or not _COUNTS.search(lead.text):
        return []
    text = lead.scored.passage.chunk.text
    out: list[Candidate] = []
    prev_end = lead.scored.sentence.start + len(lead.text)
    for s in _after(lead):
        if s.bullet or "\n" in text[prev_end:s.start] or len(out) >= _PARAGRAPH_SENTENCES:
            break  # the paragraph ended
        out.append(_quoted(lead, s))
        prev_end = s.start + len(s.text)
    return out
