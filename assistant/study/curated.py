"""The curated bank and deck as the quiz items and flashcards the study tools serve.

The YAML files cite passages by corpus file and heading (what an author can write by hand); the
quiz JSON, the app and the review store want the indexed chunk that holds the passage. This
module resolves each citation to that chunk in the loaded index generation: the chunk of the
cited file under the cited heading that contains the most of the rationale's key terms (or the
card's quote). A citation no chunk of the index contains is dropped with its item or card, so a
stale index can shrink the bank but never serve an uncited rationale.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.records import Chunk
from assistant.study.bank import BankItem, Citation, DeckCard, load_bank, load_deck, normalize
from assistant.study.cards import Flashcard, per_generation
from assistant.study.quiz import QuizItem, QuizOption

if TYPE_CHECKING:
    from assistant.index import Snapshot

__all__ = ["bank_items", "deck_cards", "resolve"]


def _by_source(snapshot: Snapshot) -> dict[str, list[Chunk]]:
    out: dict[str, list[Chunk]] = defaultdict(list)
    for c in snapshot.chunks:
        out[c.source].append(c)
    return out


def resolve(chunks: dict[str, list[Chunk]], cite: Citation, *, quote: str = "") -> Chunk | None:
    """The indexed chunk a citation points at, or None when no chunk states it.

    Sections longer than one chunk are split, so "under the heading" means any chunk whose
    heading path ends with the cited heading; among those the one holding most key terms wins
    (ties: document order). A card's quote must sit whole in one chunk.
    """
    heading = cite.heading.strip()
    pool = [c for c in chunks.get(cite.source, ())
            if c.heading_path and c.heading_path[-1].strip() == heading]
    best: Chunk | None = None
    best_hits = 0
    for c in sorted(pool, key=lambda c: c.ordinal):
        text = normalize(c.text)
        if quote:
            if normalize(quote) in text:
                return c
            continue
        hits = sum(normalize(t) in text for t in cite.terms)
        if hits > best_hits:
            best, best_hits = c, hits
    if quote or not cite.terms:
        return best
    # Terms split across two chunks of one section still count: the section states them.
    joined = " ".join(normalize(c.text) for c in pool)
    return best if all(normalize(t) in joined for t in cite.terms) else None


def _quiz_item(item: BankItem, chunks: dict[str, list[Chunk]]) -> QuizItem | None:
    options = []
    for o in item.options:
        chunk = resolve(chunks, o.cite)
        if chunk is None:
            return None
        options.append(QuizOption(text=o.text, correct=o.correct, rationale=o.rationale,
                                  chunk_id=chunk.id, source=chunk.source, section=chunk.section,
                                  heading=chunk.heading))
    keys = item.keys
    key = options[keys[0]]
    return QuizItem(id=item.id, domain=item.domain, section=item.section, family="bank",
                    stem=item.stem, options=tuple(options), answer_index=keys[0],
                    chunk_id=key.chunk_id, source=key.source, kind="bank",
                    multiple=item.multiple, difficulty=item.difficulty)


def bank_items(snapshot: Snapshot, root: Path | None = None) -> list[QuizItem]:
    """The curated bank, resolved against this index generation (computed once per
    generation)."""
    def build() -> list[QuizItem]:
        chunks = _by_source(snapshot)
        return [q for it in load_bank(root) if (q := _quiz_item(it, chunks)) is not None]
    return per_generation(f"bank:{root}", snapshot, build)


def _flashcard(card: DeckCard, chunks: dict[str, list[Chunk]]) -> Flashcard | None:
    chunk = resolve(chunks, card.cite, quote=card.quote)
    if chunk is None:
        return None
    return Flashcard(id=card.id, kind="curated", front=card.front, answer=card.back,
                     quote=card.quote, chunk_id=chunk.id, source=chunk.source, title=chunk.title,
                     heading=chunk.heading, section=card.section, domain=card.domain,
                     generator="curated")


def deck_cards(snapshot: Snapshot, root: Path | None = None) -> list[Flashcard]:
    """The curated deck, each card tied to the chunk that holds its quote."""
    def build() -> list[Flashcard]:
        chunks = _by_source(snapshot)
        return [f for c in load_deck(root) if (f := _flashcard(c, chunks)) is not None]
    return per_generation(f"deck:{root}", snapshot, build)
