"""Coverage of the study tools per guide subsection: verified cards and quiz items the index
yields, against the project's targets (15 cards and 5 quiz items per subsection of the current
guide)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant import syllabus
from assistant.study.cards import Flashcard, generate_cards
from assistant.study.quiz import QuizItem, quiz_pool

if TYPE_CHECKING:
    from assistant.index import Snapshot

__all__ = ["SectionStats", "coverage", "format_coverage", "MIN_CARDS", "MIN_QUIZ"]

MIN_CARDS = 15
MIN_QUIZ = 5


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

    @property
    def meets_target(self) -> bool:
        return not self.in_current_guide or (self.cards >= MIN_CARDS
                                             and self.quiz_items >= MIN_QUIZ)

    def to_json(self) -> dict[str, Any]:
        return {"section": self.section, "name": self.name, "domain": self.domain,
                "in_current_guide": self.in_current_guide, "chunks": self.chunks,
                "cards": self.cards, "quiz_items": self.quiz_items, "kinds": dict(self.kinds),
                "meets_target": self.meets_target}


def _key(section: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in section.split("."))
    except ValueError:
        return (999,)


def coverage(snapshot: Snapshot, cards: list[Flashcard] | None = None,
             items: list[QuizItem] | None = None) -> list[SectionStats]:
    """One row per subsection of the current guide (and of "about the exam"), then any other
    section the index holds (e.g. a subsection only the October 2024 guide had)."""
    cards = generate_cards(snapshot) if cards is None else cards
    items = quiz_pool(snapshot) if items is None else items
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
                                     dict(sorted(kinds.get(sub.id, Counter()).items()))))
    for sid in sorted(set(chunks) - listed, key=_key):
        found: syllabus.Subsection | None = None
        for version in syllabus.GUIDES:
            found = found or syllabus.subsection(sid, version)
        rows.append(SectionStats(sid, found.name if found else "(not in any guide)",
                                 syllabus.section_of(sid), False, chunks[sid], n_cards[sid],
                                 n_items[sid], dict(sorted(kinds.get(sid, Counter()).items()))))
    return rows


def format_coverage(rows: list[SectionStats]) -> str:
    lines = [f"{'section':<8}{'name':<62}{'chunks':>7}{'cards':>7}{'quiz':>6}  status",
             "-" * 100]
    for r in rows:
        if r.in_current_guide:
            status = "ok" if r.meets_target else \
                f"BELOW TARGET ({MIN_CARDS} cards, {MIN_QUIZ} quiz items)"
        else:
            status = "about the exam" if r.domain == 0 else "older guide"
        lines.append(f"{r.section:<8}{r.name[:60]:<62}{r.chunks:>7}{r.cards:>7}"
                     f"{r.quiz_items:>6}  {status}")
    total_cards = sum(r.cards for r in rows)
    total_items = sum(r.quiz_items for r in rows)
    short = [r.section for r in rows if not r.meets_target]
    lines.append("-" * 100)
    lines.append(f"total: {total_cards} verified cards, {total_items} quiz items; "
                 + (f"below target: {', '.join(short)}" if short else
                    f"every subsection of the current guide has >= {MIN_CARDS} cards and "
                    f">= {MIN_QUIZ} quiz items"))
    return "\n".join(lines)
