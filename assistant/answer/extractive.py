"""The default composer: no LLM, no network, deterministic.

It scores every sentence of the retrieved passages against the question (idf-weighted overlap
of stemmed content terms, plus a prior for higher-ranked passages and a bonus for sentences
that read like the kind of answer asked for), picks a few complementary ones, and orders them
so the best answer comes first and the rest follow in the passage's own order. Every sentence is
verbatim from its passage and carries that passage's marker, so every claim is traceable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer.base import TermStats
from assistant.answer.text import (
    Sentence,
    content_terms,
    question_sentences,
    split_sentences,
)
from assistant.records import Passage

__all__ = ["ScoredSentence", "score_sentences", "query_weights", "longer_name"]

# The composer (shaping, semantic scoring, de-duplication) lives in answer/compose.py; this
# module keeps the lexical sentence scorer that the abstention rule also uses.

_MAX_SENTENCES = 4
_MAX_WORDS = 110
_PASSAGES_READ = 5

_DEFINITION_Q = re.compile(r"^\s*(what\s+(is|are|does)|define|meaning of|what's)\b", re.I)
_CHOICE_Q = re.compile(r"\b(when|which|should|choose|prefer|instead|rather|best|over|vs|versus|"
                       r"what should you do)\b", re.I)
_CHOICE_S = re.compile(r"\b(choose|prefer|pick|use .* when|when you need|instead of|rather than|"
                       r"is the (right|best|better)|(right|best|correct) answer|points? to)\b", re.I)
_SCENARIO_Q = re.compile(r"what should (you|we|i) do\??\s*$|which (approach|option|service|product)"
                         r" should", re.I)
_DEFINITION_S = re.compile(r"\b(is|are|means|refers to|stands for)\b", re.I)
_TRAP_Q = re.compile(r"\b(trap|mistake|wrong|pitfall|avoid)\b", re.I)
_LEADING_PRONOUN = re.compile(r"^(it|this|that|these|those|they|its)\b", re.I)


@dataclass(frozen=True)
class ScoredSentence:
    passage: Passage
    sentence: Sentence
    terms: frozenset[str]
    coverage: float  # idf-weighted share of the question's terms this sentence contains
    score: float


_GENERIC_ASK = frozenset(content_terms(
    "which what service product approach option solution tool method strategy architecture "
    "use using recommend choose should would best most likely first next do you they we team "
    "company"))


def query_weights(question: str, stats: TermStats | None) -> dict[str, float]:
    """idf weight per question term; terms of the sentence that carries the actual ask weigh
    more. In a long exam scenario most terms describe the situation; the ask ("Which
    DATA_SPLIT_METHOD should you use?") names what the answer must contain."""
    terms = content_terms(question)
    weights = {t: (stats.idf(t) if stats is not None else 1.0) for t in dict.fromkeys(terms)}
    sentences = [x for x in question_sentences(question) if x.strip()]
    if len(sentences) > 1:
        for sentence in reversed(sentences):
            # "Which service should they use?" names no topic: the ask is the sentence before.
            ask = set(content_terms(sentence)) - _GENERIC_ASK
            if len(ask) >= 2:
                for t in ask:
                    weights[t] = weights.get(t, 1.0) * 1.6
                break
    return weights


def longer_name(opening: list[str], weights: dict[str, float]) -> bool:
    """"Vertex AI Vizier is ..." for "What is Vertex AI?": the asked name runs on into a longer
    one, another product's, before the sentence says what it is ("Vertex AI, and now Agent
    Platform, is ..." does not: a comma ends the name)."""
    seen: set[str] = set()
    for i, w in enumerate(opening):
        terms = set(content_terms(w))
        if not terms <= weights.keys():
            # "Quantization-aware training is ..." for "What is quantization?": a compound
            # that completes the asked name with more words is a longer name.
            return "-" in w and seen | (terms & weights.keys()) >= weights.keys()
        seen |= terms
        if seen >= weights.keys():
            after = opening[i + 1] if i + 1 < len(opening) else ""
            return not re.search(r"[,;:)(]$", w) and after[:1].isupper() and \
                not set(content_terms(after)) <= weights.keys()
    return False


def score_sentences(question: str, passages: Sequence[Passage],
                    weights: dict[str, float]) -> list[ScoredSentence]:
    total = sum(weights.values()) or 1.0
    is_def = bool(_DEFINITION_Q.search(question))
    is_choice = bool(_CHOICE_Q.search(question))
    is_scenario = bool(_SCENARIO_Q.search(question))
    wants_trap = bool(_TRAP_Q.search(question))
    out: list[ScoredSentence] = []
    for p in [p for p in passages if p.rank <= _PASSAGES_READ or p.via is not None]:
        heading_terms = set(content_terms(" ".join(p.chunk.heading_path)))
        for s in split_sentences(p.chunk.text):
            words = len(s.text.split())
            if words < 4:
                continue
            terms = frozenset(content_terms(s.text))
            hit = sum(w for t, w in weights.items() if t in terms)
            coverage = hit / total
            # The heading tells what a sentence is about even when the sentence does not
            # repeat the topic name: give it partial credit for terms only the heading has.
            head_hit = sum(w for t, w in weights.items() if t in heading_terms and t not in terms)
            score = coverage + 0.35 * head_hit / total
            # Retrieval's judgement of the whole passage (a section's opening chunk, read
            # for a retrieved later chunk, ranks just behind that chunk).
            score += 0.12 / (p.rank if p.via is None else p.via + 0.5)
            score += 0.04 / (1 + s.index)  # a passage's first sentences usually state its point
            if is_def and coverage > 0:
                # "X is ..." where X is what was asked about: the sentence that defines it.
                opening = s.text.split()[:16]
                head_terms = set(content_terms(" ".join(opening[:8])))
                if _DEFINITION_S.search(" ".join(opening)) and set(weights) <= head_terms | {"mean"} \
                        and not longer_name(opening, weights):
                    score += 0.25
                elif _DEFINITION_S.search(s.text[:120]):
                    score += 0.05
            if is_choice and _CHOICE_S.search(s.text):
                # An exam scenario asks for a decision: sentences that state one answer it.
                score += 0.15 if is_scenario else 0.08
            if s.text.startswith("Trap") and not wants_trap:
                score -= 0.12  # a warning about wrong answers is not the answer
            # A sentence that only restates the question (a scenario echo) answers nothing.
            novel = len(terms - weights.keys())
            if terms and novel / len(terms) < 0.25:
                score -= 0.15
            if _LEADING_PRONOUN.match(s.text):
                score -= 0.06  # reads badly out of context
            if words > 60:
                score -= 0.05 * math.log(words / 60 + 1)
            out.append(ScoredSentence(p, s, terms, coverage, score))
    out.sort(key=lambda x: (-x.score, x.passage.rank, x.sentence.index))
    return out


def __getattr__(name: str) -> object:
    # ExtractiveComposer moved to answer/compose.py (which imports this module's scorer);
    # resolved lazily so the old import path keeps working without an import cycle.
    if name == "ExtractiveComposer":
        from assistant.answer.compose import ExtractiveComposer

        return ExtractiveComposer
    raise AttributeError(name)
