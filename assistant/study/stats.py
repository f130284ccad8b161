"""Coverage of the study tools per guide subsection: the curated bank and deck, and the
verified cards and quiz items the generators derive from the index, against the project's
targets (per subsection of the current guide: 12 bank items, 15 deck cards; 15 generated cards
and 5 generated quiz items)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant import syllabus
from assistant.study.cards import Flashcard, generate_cards
from assistant.study.curated import bank_items, deck_cards
from assistant.study.quiz import QuizItem, quiz_pool

if TYPE_CHECKING:
    from assistant.index import Snapshot

__all__ = ["SectionStats", "coverage", "format_coverage", "MIN_CARDS", "MIN_QUIZ", "MIN_BANK",
           "MIN_DECK"]

MIN_CARDS = 15
MIN_QUIZ = 5
MIN_BANK = 12
MIN_DECK = 15


@dataclass(frozen=True)
class SectionStats:
    section: str
    name: str
    domain: int
    in_current_guide: bool  # targets apply to the exam subsections of the current guide
    chunks: int
    cards: int
    quiz_items: int
    kinds: dict[str, int] = field(default_factory=dict)
    bank: int = 0  # curated practice items
    deck: int = 0  # curated flashcards

    @property
    def meets_target(self) -> bool:
        return not self.in_current_guide or (
            self.cards >= MIN_CARDS and self.quiz_items >= MIN_QUIZ
            and self.bank >= MIN_BANK and self.deck >= MIN_DECK)

    def to_json(self) -> dict[str, Any]:
        return {"section": self.section, "name": self.name, "domain": self.domain,
                "in_current_guide": self.in_current_guide, "chunks": self.chunks,
                "bank": self.bank, "deck": self.deck,
                "cards": self.cards, "quiz_items": self.quiz_items, "kinds": dict(self.kinds),
                "meets_target": self.meets_target}


def _key(section: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in section.split("."))
    except ValueError:
        return (999,)


def coverage(snapshot: Snapshot, cards: list[Flashcard] | None = None,
             items: list[QuizItem] | None = None, bank: list[QuizItem] | None = None,
             deck: list[Flashcard] | None = None) -> list[SectionStats]:
    """One row per subsection of the current guide (and of "about the exam"), then any other
    section the index holds (e.g. a subsection only the October 2024 guide had)."""
    cards = generate_cards(snapshot) if cards is None else cards
    items = quiz_pool(snapshot) if items is None else items
    bank = bank_items(snapshot) if bank is None else bank
    deck = deck_cards(snapshot) if deck is None else deck
    n_bank = Counter(i.section for i in bank if i.section)
    n_deck = Counter(c.section for c in deck if c.section)
    chunks = Counter(c.section for c in snapshot.chunks if c.section)
    n_cards = Counter(c.section for c in cards if c.section)
    n_items = Counter(i.section for i in items if i.section)
    kinds: dict[str, Counter[str]] = {}
    for c in cards:
        kinds.setdefault(c.section or "", Counter())[c.kind] += 1
    g = syllabus.current_guide()
    exam = {sub.id for s in g.sections for sub in s.subsections}
    rows: list[SectionStats] = []
    listed: set[str] = set()
    for sec in (syllabus.GENERAL, *g.sections):
        for sub in sec.subsections:
            listed.add(sub.id)
            rows.append(SectionStats(sub.id, sub.name, sec.domain, sub.id in exam,
                                     chunks[sub.id], n_cards[sub.id], n_items[sub.id],
                                     dict(sorted(kinds.get(sub.id, Counter()).items())),
                                     bank=n_bank[sub.id], deck=n_deck[sub.id]))
    for sid in sorted(set(chunks) - listed, key=_key):
        found: syllabus.Subsection | None = None
        for version in syllabus.GUIDES:
            found = found or syllabus.subsection(sid, version)
        rows.append(SectionStats(sid, found.name if found else "(not in any guide)",
                                 syllabus.section_of(sid), False, chunks[sid], n_cards[sid],
                                 n_items[sid], dict(sorted(kinds.get(sid, Counter()).items())),
                                 bank=n_bank[sid], deck=n_deck[sid]))
    return rows


def format_coverage(rows: list[SectionStats]) -> str:
    lines = [f"{'section':<8}{'name':<52}{'chunks':>7}{'bank':>6}{'deck':>6}{'gen.cards':>10}"
             f"{'gen.quiz':>9}  status", "-" * 110]
    for r in rows:
        if r.in_current_guide:
            status = "ok" if r.meets_target else (
                f"BELOW TARGET ({MIN_BANK} bank, {MIN_DECK} deck, {MIN_CARDS} generated cards, "
                f"{MIN_QUIZ} generated quiz items)")
        else:
            status = "about the exam" if r.domain == 0 else "older guide"
        lines.append(f"{r.section:<8}{r.name[:50]:<52}{r.chunks:>7}{r.bank:>6}{r.deck:>6}"
                     f"{r.cards:>10}{r.quiz_items:>9}  {status}")
    short = [r.section for r in rows if not r.meets_target]
    lines.append("-" * 110)
    lines.append(
        f"total: {sum(r.bank for r in rows)} curated practice items, "
        f"{sum(r.deck for r in rows)} curated cards; generated: {sum(r.cards for r in rows)} "
        f"verified cards, {sum(r.quiz_items for r in rows)} quiz items; "
        + (f"below target: {', '.join(short)}" if short else
           f"every subsection of the current guide has >= {MIN_BANK} bank items, "
           f">= {MIN_DECK} deck cards, >= {MIN_CARDS} generated cards and >= {MIN_QUIZ} "
           "generated quiz items"))
    return "\n".join(lines)
