"""What the extractive composer ranks and how it compares: the ``Candidate`` sentence and the
``ComposeContext`` of one question, worked examples that tell the question's own case, traps
that state the right answer, and near-duplicate detection. Split from compose.py, which keeps
the ranking and the answer's shape."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import assistant.answer.shape as shape
from assistant.answer.base import TermStats
from assistant.answer.extractive import ScoredSentence
from assistant.answer.text import content_terms
from assistant.records import Chunk

__all__ = ["ComposeContext", "Candidate", "recommended_terms", "explains", "worked_examples",
           "states_answer", "display_text", "echoes", "is_near_duplicate", "RECOMMENDS", "instructs",
           "INSTRUCT_BONUS",
           "ANSWER_STATED"]

RECOMMENDS = re.compile(
    r"^(use|route|enable|deploy|set|add|configure|store|move|train|run|keep|turn on|create|"
    r"schedule|log|send|split|raise|lower|increase|reduce|switch|replace|apply|export|import|"
    r"build|write|call|start|retrain|monitor|compare|grant|restrict|encrypt|mask|de-identify)\b|"
    r"\b(should|recommended|the fix is|the answer is|is the answer|best practice|points? to|"
    r"fits|suits|is the (right|best|better|simplest))\b", re.I)
_VERBS = (r"use|route|enable|deploy|set|add|configure|store|move|train|run|keep|turn on|create|"
          r"schedule|log|send|split|raise|lower|increase|reduce|switch|replace|apply|export|"
          r"import|build|write|call|start|retrain|monitor|compare|grant|restrict|encrypt|mask|"
          r"de-identify|pass|attach|register|upload|point|give|wrap|install|package|push|"
          r"undeploy|co-host|serve|remove|avoid|reuse|precompute|disable|share|validate|tune|"
          r"profile|check|inspect|read|cap|limit|shard|cache|redact|scan")
# An instruction, bare or after a short setting: "Deploy both ...", "On a Vertex AI endpoint,
# deploy both versions and set a split", "In the SDK, call `deploy()`".
_INSTRUCTS = re.compile(rf"^(?:(?:on|in|with|for|from|inside|within|after|before) [^,.;]{{3,60}},\s*)?"
                        rf"(?:{_VERBS})\b(?! (?:by|to|in|on|for|as)\b)", re.I)


INSTRUCT_BONUS = 0.1


def instructs(text: str) -> bool:
    """The sentence tells the reader what to do: what a how-to question asks for."""
    return bool(_INSTRUCTS.search(text))


ANSWER_STATED = re.compile(r"\b(the (best|better|right|correct) (answer|choice|fix|option) is|"
                            r"is the (best|better|right|correct) (answer|choice|fix))\b", re.I)

_DUP_JACCARD = 0.45
_DUP_COSINE = 0.76
class ComposeContext:
    """Term statistics plus what semantic scoring needs: the query's vector and a lookup of
    sentence vectors. Passed as the composer's ``stats`` so the Composer protocol stays the
    same and concurrent questions share nothing mutable."""

    def __init__(self, stats: TermStats | None, query_vector: np.ndarray | None,
                 sentences: Any | None, clause_vectors: np.ndarray | None = None,
                 second_ask_vector: np.ndarray | None = None,
                 chunk_at: Callable[[str, int], Chunk | None] | None = None) -> None:
        self.stats = stats
        self.query_vector = query_vector
        self.sentences = sentences
        self.clause_vectors = clause_vectors
        self.second_ask_vector = second_ask_vector  # twopart.py: a question's second ask
        self.chunk_at = chunk_at  # (source, ordinal) -> chunk: continuation.py reads onward

    def idf(self, term: str) -> float:
        return self.stats.idf(term) if self.stats is not None else 1.0


@dataclass
class Candidate:
    scored: ScoredSentence
    role: shape.SentenceRole
    sem: float | None
    vec: np.ndarray | None
    total: float
    contradicts: bool = False
    stated: bool = False  # states the answer: a worked example's, or the count "how many" asks for

    @property
    def text(self) -> str:
        return self.scored.sentence.text

    @property
    def rank(self) -> int:
        return self.scored.passage.rank



_RETELLS_SEM = 0.5  # a worked example whose situation sentences sit this close tells this case
_RETELLS_SHARE = 0.4
_WORKED_ANSWER_BONUS = 0.45


def _retells(c: Candidate, qterms: set[str]) -> bool:
    """A situation sentence of a worked example that tells the question's own situation:
    close in meaning, and most of its words are the question's ("A bank deploys a customer
    support chatbot on Gemini" for a question about a bank's Gemini support chatbot)."""
    text = re.sub(r"\([^)]*\)", " ", c.text)  # "(Agent Platform in the June 2026 guide)"
    terms = set(content_terms(text))
    return (c.sem or 0.0) >= _RETELLS_SEM and bool(terms) and \
        len(terms & qterms) / len(terms) >= _RETELLS_SHARE


# The opening of a worked example's story: "A bank deploys ...", "An online retailer trains ...".
_SETUP = re.compile(r"^(?:an?|one|the) (?:[\w-]+ ){0,3}?(?:company|team|bank|retailer|startup|insurer|"
                    r"hospital|firm|manufacturer|provider|agency|marketplace|platform|organization|"
                    r"business|lender|publisher|school|university|airline|shop|store)s? "
                    r"(?:\w+ )?(?:\w+s|has|is|wants)\b", re.I)


def worked_examples(cands: list[Candidate], qterms: set[str]) -> list[Candidate]:
    """A worked exam example ("A bank deploys a chatbot ... The best answer is ...") that
    tells the question's own situation: its stated answer is the answer, and its situation
    sentences only retell the question, so they are dropped."""
    by_rank: dict[int, list[Candidate]] = {}
    for c in cands:
        by_rank.setdefault(c.rank, []).append(c)
    drop: set[int] = set()
    for group in by_rank.values():
        answers = [c for c in group if ANSWER_STATED.search(c.text)]
        if not answers:
            continue
        first = min(c.scored.sentence.index for c in answers)
        story = [c for c in group if c.scored.sentence.index < first and c.role == "plain"
                 and not RECOMMENDS.search(c.text)]
        if not any(_retells(c, qterms) for c in story):
            # Another case's setup ("A bank deploys a customer support chatbot on Gemini")
            # says nothing about this question; its stated answer may still apply.
            drop.update(id(c) for c in story if _SETUP.match(c.text))
            continue
        for c in answers:
            c.total += _WORKED_ANSWER_BONUS
            c.stated = True
        drop.update(id(c) for c in story)
    return [c for c in cands if id(c) not in drop]


_TRAP_FIX = re.compile(r"\b(the (better|correct|right|real) (answer|fix|choice|approach) is|"
                       r"the fix is|the answer is)\b", re.I)
_TRAP_FIX_WORDS = 8  # "the fix is X" must say X fully enough to stand alone as the lead
_TRAP_LABEL = re.compile(r"^(trap|common mistake|pitfall)s?\s*:\s*", re.I)
_ECHO_NOVEL = 0.25


def states_answer(c: Candidate) -> bool:
    """A trap that also states the right answer ("...; the better answer is to keep the KFP
    SDK and run it on Vertex AI Pipelines"): it may lead, without its "Trap:" label."""
    m = _TRAP_FIX.search(c.text) if c.role == "trap" else None
    return m is not None and len(c.text[m.start():].split()) >= _TRAP_FIX_WORDS


def display_text(c: Candidate, lead: bool) -> str:
    """The quoted text: verbatim, except that a lead drops a "Trap:" label (the rest of the
    sentence is still verbatim from the passage) unless a quoted belief follows the label."""
    if lead and c.role == "trap":
        # "Trap: X; the better answer is Y": the lead is "The better answer is Y".
        m = _TRAP_FIX.search(c.text)
        body = c.text[m.start():] if m else _TRAP_LABEL.sub("", c.text)
        if not m and body[:1] in "\"\u201c":
            # 'Trap: "remove the sensitive column and the model is fair"; proxies ...': without
            # its label the quoted belief would read as the answer's own claim.
            return c.text
        return body[:1].upper() + body[1:] if body else c.text
    return c.text


def echoes(c: Candidate, qterms: set[str]) -> bool:
    terms = c.scored.terms
    return bool(terms) and len(terms - qterms) / len(terms) < _ECHO_NOVEL


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def is_near_duplicate(a: Candidate, b: Candidate) -> bool:
    """Says the same thing: stricter than the eval's redundancy metric (quality.repeats), so
    the composer leaves a margin: vectors closer than 0.76 with a third of the words shared,
    or mostly the same words, or two decision rules for the same choice. Contrasting decision
    rules are never duplicates."""
    if shape.contrasting(a.text, b.text):
        return False
    subject = shape.decision_subject(a.text)
    if subject is not None and subject == shape.decision_subject(b.text):
        # "Choose BigQuery ML when the data is already in BigQuery ..." from two passages:
        # the second rule for the same choice reads as a repeat, whatever its wording.
        return True
    ta, tb = a.scored.terms, b.scored.terms
    if not ta or not tb:
        return False
    small, big = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    contained = len(small & big) / len(small)
    if a.vec is not None and b.vec is not None and float(a.vec @ b.vec) >= _DUP_COSINE and \
            contained >= 0.34:
        return True
    return _jaccard(ta, tb) >= _DUP_JACCARD or contained >= 0.7


_OPENING_WORDS = 4  # a sentence is about what it names in its first few words


def recommended_terms(lead: Candidate, question_terms: set[str]) -> frozenset[str]:
    """The terms of what the lead rule recommends ("Choose bucketing or date shifting when
    ..." -> bucketing, date shifting) that the question does not already use; empty when the
    lead is not a decision rule."""
    subject = shape.decision_subject(lead.text)
    return frozenset(content_terms(subject)) - question_terms if subject else frozenset()


def explains(c: Candidate, recommended: frozenset[str]) -> bool:
    """The sentence is about what the lead rule recommends ("Bucketing (generalization)
    replaces exact values with ranges ..."): it says what the recommendation is or does, which
    is the support a reader wants next, even when it shares few words with the question.
    ``recommended`` comes from ``recommended_terms``."""
    if not recommended:
        return False
    return bool(recommended & set(content_terms(" ".join(c.text.split()[:_OPENING_WORDS]))))
