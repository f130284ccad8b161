"""Flashcards from indexed chunks: question/answer cards and cloze cards, each verified against
the verbatim quote it stores, near-duplicates merged.

Kinds (front -> answer, every answer a verbatim slice of the quote):

    definition  "What is X?"                        -> what the passage says X is
    choose      "When do you choose X over Y?"      -> the passage's condition
    scenario    "Which option do you choose when C?"-> X (only when X is a known product/setting)
    cue         'Scenario cue: "..." points to?'    -> X
    trap        'Why is this a trap: "<mistake>"?'  -> the passage's reason
    rename      "Which name replaced <old name>?"   -> the new name (syllabus.PRODUCTS)
    limit       sentence with a number blanked       -> the number (limits, defaults, shares)
    cloze       sentence with a key term blanked     -> the term
    qa          free question from an LLM backend    -> answer located in the quote

Generation is deterministic: chunks are read in (source, ordinal) order and a card's id is a
hash of (kind, front, answer), so re-generating from the same index gives the same ids and a
review history or an Anki note stays attached to its card.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from assistant import syllabus
from assistant.answer.text import STOPWORDS, content_terms
from assistant.records import Chunk
from assistant.study.facts import (
    Fact,
    condition_only,
    jaccard,
    mine,
    sentences,
    strip_article,
    terms,
    usable_sentence,
)
from assistant.study.families import find_members
from assistant.study.gate import BLANK, quality_problem
from assistant.study.verify import card_problem, locate

if TYPE_CHECKING:
    from assistant.index import Snapshot
    from assistant.study.llm import CardWriter

__all__ = ["Flashcard", "CardKind", "card_id", "generate_cards", "cards_for_chunk",
           "writer_cards", "dedupe", "ordered_chunks", "per_generation", "BLANK", "sample_cards"]

T = TypeVar("T")
CardKind = Literal["definition", "choose", "scenario", "cue", "trap", "rename", "limit", "cloze",
                   "qa", "curated", "own"]
# Within one sentence the first kind listed wins a near-duplicate merge: a question that names
# its subject teaches more than a cloze of the same sentence.
_KIND_ORDER: dict[str, int] = {k: i for i, k in enumerate(
    ("rename", "definition", "choose", "scenario", "cue", "trap", "qa", "limit", "cloze"))}
_MAX_CLOZE_PER_CHUNK = 3
_NEAR_DUPLICATE = 0.6  # Jaccard of stemmed front terms among cards with the same answer


@dataclass(frozen=True)
class Flashcard:
    id: str
    kind: CardKind
    front: str
    answer: str  # verbatim slice of ``quote``
    quote: str  # verbatim sentence of the chunk ``chunk_id``
    chunk_id: str
    source: str
    title: str
    heading: str
    section: str | None
    domain: int | None
    generator: str = "extractive"
    cloze: str = ""  # Anki cloze text ("... {{c1::term}} ...") for cloze and limit cards

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Flashcard:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def card_id(kind: str, front: str, answer: str) -> str:
    return hashlib.sha1(f"{kind}\x1f{front}\x1f{answer}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Draft:
    kind: CardKind
    front: str
    answer: str
    quote: str
    order: int  # sentence index, for a stable order inside a chunk
    cloze: str = ""


def _card(chunk: Chunk, d: _Draft, generator: str) -> Flashcard | None:
    if card_problem(d.front, d.answer, d.quote, chunk) is not None:
        return None
    return Flashcard(id=card_id(d.kind, d.front, d.answer), kind=d.kind, front=d.front,
                     answer=d.answer, quote=d.quote, chunk_id=chunk.id, source=chunk.source,
                     title=chunk.title, heading=chunk.heading or chunk.title,
                     section=chunk.section, domain=chunk.domain, generator=generator,
                     cloze=d.cloze)


# --- extractive drafts -------------------------------------------------------------------

_PRONOUN_SUBJECT = re.compile(r"^(?:these|this|those|that|it|they|one|each|both|either|such|"
                              r"the other|the same|another)\b", re.I)
_MAX_SUBJECT_WORDS = 12


def _clean_subject(text: str) -> str | None:
    if _PRONOUN_SUBJECT.match(text) or len(text.split()) > _MAX_SUBJECT_WORDS:
        return None
    return text


_COMMON_NOUN_PHRASE = re.compile(r"^[A-Z][a-z]+(?: [a-z][\w-]*)*$")


def _question_subject(text: str) -> str:
    """The subject as it reads inside a question: 'The current Feature Store' -> 'the current
    Feature Store', 'Network placement' -> 'network placement'; names keep their capitals
    ('Ray', 'Vertex AI Search', 'XRAI')."""
    if re.match(r"^(?:The|A|An) ", text):
        return text[0].lower() + text[1:]
    if _COMMON_NOUN_PHRASE.match(text) and (" " in text or text.endswith("ing")
                                             or _is_lowercase_term(text)):
        return text[0].lower() + text[1:]
    return text


def _is_lowercase_term(word: str) -> bool:
    """'Precision' at the start of a sentence is the family member 'precision'."""
    hits = find_members(word)
    return bool(hits) and hits[0][2].name[:1].islower() and hits[0][1] == len(word)


# "X is a poor fit for ...", "X is the natural choice ...": a judgement, not what X is.
_EVALUATIVE = re.compile(r"^(?:\S+ ){0,2}(?:poor|bad|wrong|good|natural|best|right|first|usual|"
                         r"common|frequent|main|key|only|last|cheapest|simplest|easiest)\b")


_NEXT_CLAUSE = re.compile(r",? (?:and|but|while|whereas) (?=[A-Z`])")


def _definition(f: Fact) -> _Draft | None:
    x = f.subject.text
    if re.match(r"^(?:A|An) ", x) or (x.startswith("The ") and not x[4:5].isupper()):
        return None  # "A BigQuery table is ...", "The guide is ...": not a term
    if x.split()[0].lower() in STOPWORDS:
        return None  # "On Google Cloud a typical stack is ...": the subject is not a term
    if len(f.detail.text.split()) < 5 or _clean_subject(x) is None \
            or _EVALUATIVE.match(f.detail.text):
        return None
    verb = "are" if re.search(rf"{re.escape(x)}\s*(?:\([^)]*\)|, [^,]*,)? are ", f.quote) else "is"
    # "X is a platform on Kubernetes, and GKE is ...": the answer stops where X's clause ends.
    answer = _NEXT_CLAUSE.split(f.detail.text)[0]
    return _Draft("definition", f"What {verb} {_question_subject(x)}?", answer, f.quote,
                  f.sentence_index)


def _choose(f: Fact) -> list[_Draft]:
    x = _clean_subject(f.subject.text)
    if x is None:
        return []
    # "Vertex AI Pipelines, called Agent Platform Pipelines in the June 2026 guide," -> keep
    # the question short; the answer (the condition) is what the card teaches.
    short = re.split(r",| \(", x)[0].strip()
    other = f" over {f.other.text}" if f.other is not None else ""
    out = [_Draft("choose", f"When do you choose {short}{other}?", f.detail.text, f.quote,
                  f.sentence_index)]
    if _is_option(short):
        cond = condition_only(f.detail.text)
        out.append(_Draft("scenario", f"Which option do you choose when {cond}?", short, f.quote,
                          f.sentence_index))
    return out


def _is_option(text: str) -> bool:
    """Is ``text`` (after an article) exactly one known product or setting?"""
    bare = strip_article(text)
    hits = find_members(bare)
    return bool(hits) and hits[0][0] == 0 and hits[0][1] == len(bare)


def _cue(f: Fact) -> _Draft:
    return _Draft("cue", f'Scenario cue: "{f.detail.text}". What does it point to?',
                  f.subject.text, f.quote, f.sentence_index)


def _trap(f: Fact) -> _Draft | None:
    first = f.subject.text.split()[0]
    if not (first.islower() and first.endswith("ing")):
        return None  # only "Trap: choosing X when Y; <reason>" reads as a question
    # "choosing `LINEAR_REG` for a yes/no outcome is wrong" -> the mistake alone.
    mistake = re.split(r",? (?:is|are) (?:the )?(?:wrong|rarely|never|not|a mistake|an error)\b",
                       f.subject.text)[0]
    # Quoted, because the mistake is sometimes a whole clause ("treating a restart as a new
    # run wastes hours"), which no "Why is ... a trap?" frame would fit. Typographic quotes:
    # the mistake itself often quotes a scenario phrase with straight ones.
    return _Draft("trap", f"Why is this a trap: \u201c{mistake}\u201d?", f.detail.text,
                  f.quote, f.sentence_index)


def _blank(quote: str, spans: list[tuple[int, int]]) -> tuple[str, str]:
    """(front with blanks, Anki cloze text) for the given spans of ``quote``."""
    front, cloze, pos = [], [], 0
    for a, b in sorted(spans):
        front.append(quote[pos:a] + BLANK)
        cloze.append(quote[pos:a] + "{{c1::" + quote[a:b] + "}}")
        pos = b
    front.append(quote[pos:])
    cloze.append(quote[pos:])
    return "".join(front), "".join(cloze)


def _limit(f: Fact) -> _Draft:
    front, cloze = _blank(f.quote, [(f.subject.start, f.subject.end)])
    return _Draft("limit", front, f.subject.text, f.quote, f.sentence_index, cloze)


_RENAME_CUE = re.compile(r"\b(?:formerly|renamed|rename|new name|name for|previously|now called|"
                         r"called|became|replaced|successor|predecessor|folded into)\b", re.I)


def _name_pattern(name: str) -> re.Pattern[str]:
    # "Vertex AI" must not match inside "Vertex AI Pipelines".
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-]| [A-Z][a-z])")


def _renames(idx: int, quote: str) -> list[_Draft]:
    if not _RENAME_CUE.search(quote):
        return []
    out = []
    for p in syllabus.PRODUCTS:
        new = _name_pattern(p.name).search(quote)
        if not new:
            continue
        for old_name in p.former:
            if old_name in p.name or p.name in old_name:
                continue  # "Agent Platform" is a short form, not a former name
            old = _name_pattern(old_name).search(quote)
            if not old:
                continue
            out.append(_Draft("rename", f"Which name replaced {old.group(0)}?", new.group(0),
                              quote, idx))
            if old_name == p.former[0]:
                out.append(_Draft("rename", f"What was {new.group(0)} called before its rename?",
                                  old.group(0), quote, idx))
    return out


_BACKTICK = re.compile(r"`[^`]{2,60}`")
_GENERIC_FAMILIES = frozenset({"hardware", "metrics", "data_formats"})
_MAX_BLANKS = 2
_MAX_CLOZE_WORDS = 45


def _cloze(idx: int, quote: str) -> _Draft | None:
    """Blank the first key term (a known product or setting, else a code identifier) whose
    removal leaves a sentence that still asks something."""
    hits = find_members(quote)
    candidates: list[tuple[int, str, list[tuple[int, int]]]] = []
    seen: set[str] = set()
    for start, end, member, fam in hits:
        if member.name in seen:
            continue
        seen.add(member.name)
        spans = _merge([(m.start(), m.end()) for m in member.pattern.finditer(quote)])
        candidates.append((int(fam.key in _GENERIC_FAMILIES), quote[start:end], spans))
    for m in _BACKTICK.finditer(quote):
        candidates.append((1, m.group(0)[1:-1], [(m.start(), m.end())]))
    # A product or setting first; "GPU" or "accuracy" only when the sentence has nothing more
    # specific (a blank for a generic word is a guessing game, not a memory test).
    candidates.sort(key=lambda c: c[0])
    if len(quote.split()) > _MAX_CLOZE_WORDS:
        return None  # a blank in a 60-word sentence tests reading, not memory
    for _, answer, spans in candidates:
        if len(spans) > _MAX_BLANKS:
            continue
        front, cloze = _blank(quote, spans)
        if len(content_terms(front.replace(BLANK, " "))) < 5:
            continue
        return _Draft("cloze", front, answer, quote, idx, cloze)
    return None


_DECISION = re.compile(r"\b(?:choose|when|instead|rather than|unlike|trap|because|default|"
                       r"requires?|must|only|cannot|best|cue|points? to)\b", re.I)


def _cloze_value(quote: str) -> int:
    return len({m.name for _, _, m, _ in find_members(quote)}) + len(_DECISION.findall(quote))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def _drafts(chunk: Chunk) -> list[_Draft]:
    drafts: list[_Draft] = []
    for f in mine(chunk):
        if f.kind == "definition":
            d = _definition(f)
            drafts.extend([d] if d else [])
        elif f.kind == "choose":
            drafts.extend(_choose(f))
        elif f.kind == "cue":
            drafts.append(_cue(f))
        elif f.kind == "occurs" and _clean_subject(f.subject.text):
            drafts.append(_Draft("definition", f"When does {_question_subject(f.subject.text)} "
                                 "occur?", f.detail.text, f.quote, f.sentence_index))
        elif f.kind == "trap":
            d = _trap(f)
            drafts.extend([d] if d else [])
        elif f.kind == "limit":
            drafts.append(_limit(f))
    used = {d.order for d in drafts}
    clozes: list[tuple[int, _Draft]] = []
    for idx, quote in sentences(chunk):
        if not usable_sentence(quote):
            continue
        drafts.extend(_renames(idx, quote))
        if idx not in used:  # a sentence that already made a card is not taught twice
            d = _cloze(idx, quote)
            if d is not None:
                clozes.append((_cloze_value(quote), d))
    # The chunk's most decision-laden sentences make its cloze cards.
    clozes.sort(key=lambda vd: (-vd[0], vd[1].order))
    drafts.extend(d for _, d in clozes[:_MAX_CLOZE_PER_CHUNK])
    # One number per sentence is enough: a list of six percentages makes one card, not six.
    out, numbered = [], set()
    for d in drafts:
        if d.kind == "limit":
            if d.order in numbered:
                continue
            numbered.add(d.order)
        out.append(d)
    out.sort(key=lambda d: (d.order, _KIND_ORDER[d.kind]))
    return out


def cards_for_chunk(chunk: Chunk) -> list[Flashcard]:
    """Verified extractive cards of one chunk (before cross-chunk de-duplication)."""
    return [c for d in _drafts(chunk) if (c := _card(chunk, d, "extractive")) is not None]


def writer_cards(chunk: Chunk, writer: CardWriter) -> list[Flashcard]:
    """A writer's (LLM's) drafts for one chunk that pass verification. The quote and answer are
    first anchored in the passage, so a card stores the passage's words, not the model's."""
    out = []
    for draft in writer.propose(chunk):
        quote = locate(draft.quote, chunk.text)
        answer = locate(draft.answer, quote) if quote else None
        if quote is None or answer is None:
            continue
        c = _card(chunk, _Draft("qa", " ".join(draft.front.split()), answer, quote, 0),
                  writer.name)
        if c is not None:
            out.append(c)
    return out


# --- de-duplication ----------------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(strip_article(text.lower().strip(" .`\"'")).split())


def dedupe(cards: Iterable[Flashcard]) -> list[Flashcard]:
    """Drop exact repeats (same id: a sentence in two overlapping chunks) and near-duplicates:
    the same answer to a question worded almost alike, or the same question with an answer
    worded almost alike (one sentence written twice in slightly different words). The first
    card in corpus order is kept, so the result is stable."""
    kept: list[Flashcard] = []
    ids: set[str] = set()
    by_answer: dict[str, list[frozenset[str]]] = {}
    by_front: dict[str, list[frozenset[str]]] = {}
    for c in cards:
        if c.id in ids:
            continue
        front_terms = terms(c.front.replace(BLANK, " "))
        answer_terms = terms(c.answer)
        same_answer = by_answer.setdefault(_norm(c.answer), [])
        same_front = by_front.setdefault(_norm(c.front), [])
        if any(jaccard(front_terms, t) >= _NEAR_DUPLICATE for t in same_answer) or \
                any(jaccard(answer_terms, t) >= _NEAR_DUPLICATE for t in same_front):
            continue
        same_answer.append(front_terms)
        same_front.append(answer_terms)
        ids.add(c.id)
        kept.append(c)
    return kept


# --- the public entry point --------------------------------------------------------------

def ordered_chunks(snapshot: Snapshot) -> list[Chunk]:
    """Chunks in a fixed order that does not depend on how the index stored them."""
    return sorted(snapshot.chunks, key=lambda c: (c.source, c.ordinal, c.id))


_CACHE: dict[tuple[str, int], tuple[weakref.ref[Snapshot], Any]] = {}
_CACHE_LOCK = threading.Lock()


def per_generation(name: str, snapshot: Snapshot, compute: Callable[[], T]) -> T:
    """``compute()`` once per snapshot (one published index generation, loaded). What is
    derived from an immutable generation never changes, and the app asks again on every rerun.
    Keyed by the snapshot object itself: two index folders can both hold a "g000001" of the
    same collection name, so names alone would mix them up."""
    key = (name, id(snapshot))
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0]() is snapshot:
            return hit[1]
    value = compute()
    with _CACHE_LOCK:
        for k in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
            del _CACHE[k]  # snapshots that are gone (an ingest replaced them)
        _CACHE[key] = (weakref.ref(snapshot), value)
    return value


def _all_extractive(snapshot: Snapshot) -> list[Flashcard]:
    return per_generation("cards", snapshot, lambda: dedupe(
        c for chunk in ordered_chunks(snapshot) for c in cards_for_chunk(chunk)
        if quality_problem(c) is None))


def _wanted(domain: int | None, section: str | None, c_domain: int | None,
            c_section: str | None) -> bool:
    return (domain is None or c_domain == domain) and (section is None or c_section == section)


def generate_cards(snapshot: Snapshot, *, domain: int | None = None,
                   section: str | None = None,
                   writer: CardWriter | None = None) -> list[Flashcard]:
    """Verified, de-duplicated flashcards of the indexed chunks, optionally of one domain or
    section. With a ``writer`` (an LLM backend), its drafts are added after the extractive
    cards of the same chunks and pass the same verification."""
    cards = [c for c in _all_extractive(snapshot)
             if _wanted(domain, section, c.domain, c.section)]
    if writer is None:
        return cards
    extra = [c for chunk in ordered_chunks(snapshot)
             if _wanted(domain, section, chunk.domain, chunk.section)
             for c in writer_cards(chunk, writer) if quality_problem(c) is None]
    return dedupe([*cards, *extra])


def sample_cards(cards: list[Flashcard], count: int, *, seed: int = 0) -> list[Flashcard]:
    """``count`` cards spread over the whole selection, not its first sections; the same seed
    gives the same cards, kept in corpus order. All of them when ``count`` is not smaller."""
    if count >= len(cards):
        return cards
    keep = set(random.Random(seed).sample(range(len(cards)), count))
    return [c for i, c in enumerate(cards) if i in keep]
