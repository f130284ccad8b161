"""Exam-style practice questions: a short scenario, four options from one family of products or
settings, exactly one correct, every option with a one-line rationale quoted from a passage.

Where items come from: a sentence that states a choice rule ("Choose X over Y when C"), a
scenario cue ('"C" points to X') or a definition ("X is the ...", "X occurs when C") makes the
stem (C) and the correct option (X). The three
distractors are other members of X's family (families.py) for which the corpus has a sentence
saying what *they* are for ("Choose D when ...", '"..." points to D', "D is a ..."); that
sentence is the distractor's rationale. A candidate distractor without such a sentence, or one
that the correct sentence itself recommends, is never offered.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant import syllabus
from assistant.records import Chunk
from assistant.study.cards import ordered_chunks, per_generation
from assistant.study.facts import (
    Fact,
    condition_only,
    jaccard,
    mine,
    strip_article,
    terms,
)
from assistant.study.families import Family, Member, families, find_members, option_label

if TYPE_CHECKING:
    from assistant.index import Snapshot

__all__ = ["QuizOption", "QuizItem", "draw_quiz", "draw_from", "quiz_pool", "allocate"]

_OPTIONS = 4
_TOO_SIMILAR = 0.5  # a distractor whose own rule shares this much with the stem could be right
_CONTRAST = re.compile(r"\b(?:over|rather than|instead of|not|not to|than|unlike)\s+"
                       r"(?:an?\s+|the\s+)?$", re.I)


@dataclass(frozen=True)
class QuizOption:
    text: str
    correct: bool
    rationale: str  # verbatim sentence of the cited chunk: why this option is (not) the answer
    chunk_id: str
    source: str
    section: str | None
    heading: str

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "correct": self.correct, "rationale": self.rationale,
                "chunk_id": self.chunk_id, "source": self.source, "section": self.section,
                "heading": self.heading}


@dataclass(frozen=True)
class QuizItem:
    id: str
    domain: int | None
    section: str | None
    family: str
    stem: str
    options: tuple[QuizOption, ...]
    answer_index: int  # the (first) keyed option
    chunk_id: str  # the passage the correct answer rests on
    source: str
    kind: str = "choose"  # "choose" (a choice rule), "cue" (a scenario cue) or "bank" (curated)
    multiple: bool = False  # multiple select: every option with ``correct`` is a key
    difficulty: str | None = None  # easy | medium | hard (curated items)

    @property
    def correct(self) -> QuizOption:
        return self.options[self.answer_index]

    @property
    def keys(self) -> tuple[int, ...]:
        return tuple(i for i, o in enumerate(self.options) if o.correct)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "domain": self.domain, "section": self.section,
                "family": self.family, "kind": self.kind, "stem": self.stem,
                "multiple": self.multiple, "difficulty": self.difficulty,
                "options": [o.to_json() for o in self.options],
                "answer_index": self.answer_index, "chunk_id": self.chunk_id,
                "source": self.source}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> QuizItem:
        opts = tuple(QuizOption(**o) for o in d["options"])
        return cls(id=d["id"], domain=d["domain"], section=d["section"], family=d["family"],
                   stem=d["stem"], options=opts, answer_index=d["answer_index"],
                   chunk_id=d["chunk_id"], source=d["source"], kind=d.get("kind", "choose"),
                   multiple=bool(d.get("multiple", False)), difficulty=d.get("difficulty"))


# --- support: what the corpus says each member is for -----------------------------------

@dataclass(frozen=True)
class _Support:
    fact: Fact
    rank: int  # choose 0, cue/occurs 1, definition 2: how directly it says what it is for


_SUPPORT_RANK = {"choose": 0, "cue": 1, "occurs": 1, "definition": 2}


def _lead_member(subject: str) -> Member | None:
    """The member a subject is about: the first one named, within its first words ("a monthly
    schedule rather than daily runs" -> schedule). Other members the subject names are in the
    correct option's quote and so never become its distractors (``_recommended_in``)."""
    bare = strip_article(subject)
    hits = find_members(bare)
    if not hits or len(bare[:hits[0][0]].split()) > 1:
        return None
    return hits[0][2]


def _supports(chunks: list[Chunk]) -> tuple[list[tuple[Fact, Member]], dict[str, list[_Support]]]:
    sources: list[tuple[Fact, Member]] = []
    support: dict[str, list[_Support]] = {}
    for chunk in chunks:
        for f in mine(chunk):
            if f.kind not in _SUPPORT_RANK:
                continue
            m = _lead_member(f.subject.text)
            if m is None or not _usable(f, m):
                continue
            support.setdefault(m.name, []).append(_Support(f, _SUPPORT_RANK[f.kind]))
            sources.append((f, m))
    return sources, support


_RENAMING = re.compile(r"\b(?:name|names|called|formerly|renamed)\b", re.I)


def _usable(f: Fact, m: Member) -> bool:
    if f.kind == "definition":
        # "Model Armor floor settings are ..." defines the settings, not Model Armor; and "X is
        # the June 2026 name for Y" says nothing about what X is for.
        bare = strip_article(f.subject.text)
        whole = m.pattern.fullmatch(bare) is not None
        return whole and not _RENAMING.search(f.detail.text) and len(f.detail.text.split()) >= 5
    if f.kind == "cue":
        return len(f.detail.text.split()) >= 4  # '"Prompt injection" points to' is no scenario
    return True


def _recommended_in(member: Member, quote: str) -> bool:
    """Does the correct sentence mention ``member`` other than as the thing to avoid?"""
    for mt in member.pattern.finditer(quote):
        if not _CONTRAST.search(quote[max(0, mt.start() - 20):mt.start()]):
            return True
    return False


def _stem(f: Fact, fam: Family) -> str:
    if f.kind == "cue":
        return (f'A scenario about {fam.topic} contains the cue "{f.detail.text}". '
                "Which option does this cue point to?")
    if f.kind == "definition":
        return f"Among {fam.topic}, which option is {f.detail.text}?"
    if f.kind == "occurs":
        return f"Among {fam.topic}, which one occurs when {f.detail.text}?"
    cond = condition_only(f.detail.text)
    return f"A team is weighing {fam.topic}. Which option should it choose when {cond}?"


def _stable_hash(*parts: str) -> int:
    return int(hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:12], 16)


def _option(label: str, correct: bool, f: Fact) -> QuizOption:
    c = f.chunk
    return QuizOption(text=label, correct=correct, rationale=f.quote, chunk_id=c.id,
                      source=c.source, section=c.section,
                      heading=c.heading or c.title)


def _rationale(m: Member, f: Fact, correct: Member, stem_terms: frozenset[str],
               support: dict[str, list[_Support]]) -> tuple[int, Fact] | None:
    """The best sentence saying what distractor ``m`` is for, with how near it is to the
    question's passage (0 same section, 1 same domain, 2 elsewhere); None if there is none."""
    best: tuple[tuple[int, int, int], Fact] | None = None
    for s in support.get(m.name, []):
        if s.fact.quote == f.quote or jaccard(terms(s.fact.detail.text), stem_terms) \
                >= _TOO_SIMILAR:
            continue  # its own rule reads like this question: it could be right too
        if s.rank == 0 and correct.mentioned_in(s.fact.quote):
            continue  # "choose D over <correct> when ..." argues for D, not against it
        near = 0 if s.fact.chunk.section == f.chunk.section else \
            1 if s.fact.chunk.domain == f.chunk.domain else 2
        key = (near, s.rank, _stable_hash(f.quote, m.name, s.fact.quote))
        if best is None or key < best[0]:
            best = (key, s.fact)
    return (best[0][0], best[1]) if best else None


def _build(f: Fact, correct: Member, support: dict[str, list[_Support]]) -> QuizItem | None:
    candidates = [fam for fam in families() if any(m.name == correct.name for m in fam.members)]
    # The family most talked about in the same passage is the one the question is about.
    candidates.sort(key=lambda fam: -sum(m.mentioned_in(f.chunk.text) for m in fam.members))
    for fam in candidates:
        stem = _stem(f, fam)
        if correct.mentioned_in(stem):
            continue
        stem_terms = terms(stem)
        picks: list[tuple[int, Member, Fact]] = []
        for m in fam.members:
            if m.name == correct.name or m.mentioned_in(stem) or _recommended_in(m, f.quote):
                continue
            found = _rationale(m, f, correct, stem_terms, support)
            if found is not None:
                picks.append((found[0], m, found[1]))
        if len(picks) < _OPTIONS - 1:
            continue
        # Nearest passages first (same section, then domain); a stable hash breaks ties.
        picks.sort(key=lambda p: (p[0], _stable_hash(f.quote, p[1].name)))
        chosen = picks[:_OPTIONS - 1]
        labels = [option_label(correct), *(option_label(m) for _, m, _ in chosen)]
        if len({lb.lower() for lb in labels}) < _OPTIONS:
            continue
        options = [_option(labels[0], True, f),
                   *(_option(option_label(m), False, sf) for _, m, sf in chosen)]
        item_id = hashlib.sha1(f"quiz\x1f{stem}\x1f{labels[0]}".encode()).hexdigest()[:16]
        random.Random(item_id).shuffle(options)  # a stable, item-specific option order
        answer = next(i for i, o in enumerate(options) if o.correct)
        return QuizItem(id=item_id, domain=f.chunk.domain, section=f.chunk.section,
                        family=fam.key, stem=stem, options=tuple(options), answer_index=answer,
                        chunk_id=f.chunk.id, source=f.chunk.source, kind=f.kind)
    return None


def _dedupe(items: list[QuizItem]) -> list[QuizItem]:
    kept: list[QuizItem] = []
    seen: dict[str, list[frozenset[str]]] = {}
    for it in items:
        stem_terms = terms(it.stem)
        group = seen.setdefault(it.correct.text, [])
        if any(jaccard(stem_terms, t) >= 0.6 for t in group):
            continue
        group.append(stem_terms)
        kept.append(it)
    return kept


def quiz_pool(snapshot: Snapshot) -> list[QuizItem]:
    """Every quiz item the index supports, in corpus order (computed once per generation)."""
    def build() -> list[QuizItem]:
        sources, support = _supports(ordered_chunks(snapshot))
        return _dedupe([it for f, m in sources if (it := _build(f, m, support)) is not None])
    return per_generation("quiz", snapshot, build)


def allocate(count: int, weights: dict[int, float]) -> dict[int, int]:
    """Split ``count`` questions across domains in proportion to their weights (largest
    remainder, ties to the lower domain), e.g. 10 over the June 2026 weights."""
    total = sum(weights.values())
    if total <= 0 or count <= 0:
        return {d: 0 for d in weights}
    exact = {d: count * w / total for d, w in weights.items()}
    out = {d: int(x) for d, x in exact.items()}
    rest = count - sum(out.values())
    for d in sorted(exact, key=lambda d: (-(exact[d] - out[d]), d))[:rest]:
        out[d] += 1
    return out


def draw_quiz(snapshot: Snapshot, *, domain: int | None = None, count: int = 10,
              seed: int | None = None, weighted: bool = False,
              section: str | None = None) -> list[QuizItem]:
    """``count`` generated items (see ``draw_from``)."""
    return draw_from(quiz_pool(snapshot), domain=domain, count=count, seed=seed,
                     weighted=weighted, section=section)


def draw_from(items: list[QuizItem], *, domain: int | None = None, count: int = 10,
              seed: int | None = None, weighted: bool = False,
              section: str | None = None) -> list[QuizItem]:
    """``count`` items drawn at random (reproducibly with ``seed``) from one domain or section,
    or from the whole exam; ``weighted`` spreads the draw over the exam sections by their
    weight in the current guide. A ``count`` larger than the pool returns the pool whole."""
    rng = random.Random(seed)
    pool = [it for it in items
            if (domain is None or it.domain == domain)
            and (section is None or it.section == section)]
    if not weighted or domain is not None or section is not None:
        return rng.sample(pool, min(count, len(pool)))
    g = syllabus.current_guide()
    by_domain = {s.domain: [it for it in pool if it.domain == s.domain] for s in g.sections}
    plan = allocate(count, {s.domain: float(s.weight) for s in g.sections})
    drawn: list[QuizItem] = []
    for d, n in plan.items():
        drawn.extend(rng.sample(by_domain[d], min(n, len(by_domain[d]))))
    # A domain with too few items gives its share to the others rather than shrinking the quiz.
    rest = [it for it in pool if it not in drawn and it.domain in by_domain]
    drawn.extend(rng.sample(rest, min(count - len(drawn), len(rest))))
    rng.shuffle(drawn)
    return drawn
