"""Whether a decision rule's condition, or the scenario an exam cue quotes, is the question's
situation, judged by meaning as well as by shared words.

'Scenario cue: "transcribe call-center recordings and separate agent from customer" points to
Speech-to-Text with diarization' is the answer to "Analysts want written transcripts in which
each line is attributed to the agent or to the caller", yet the two share one word, so the word
test (``shape.quote_match``) drops the cue and a generic sentence about Cloud Storage leads. The
pieces (a rule's "when ..." clause, a cue's quotes) are embedded at ingest with the sentences
(``sentvec``), so a question still costs one embedding; an index built before that has no
vectors for them, and the word test decides alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.answer.shape import quote_match, quotes
from assistant.answer.text import NEGATION_OR_TOO, content_terms, split_sentences

__all__ = ["rule_pieces", "meaning_fit", "question_targets", "condition_fit", "Targets",
           "denied_terms", "condition_denies"]

# The condition of a decision rule: "Choose Reduction Server when <a multi-node GPU job waits
# on gradient communication>". ("for" is left out: "Choose X for Y" names a use, and most
# "for" clauses are not conditions.)
_CONDITION = re.compile(r"\b(?:when|if|whenever)\s+(.{12,300})$", re.I)
_DECISION = re.compile(r"^(choose|prefer|pick|use|reach for|go with)\b|\bpoints? to\b|"
                       r"\b(fits|suits|wins|is the first choice)\b", re.I)
_MIN_WORDS = 3
# Cosine of a piece with the closest question sentence: at LO it fits not at all, at HI fully.
# Chosen on the three dev sets: the pieces that restate the question's situation sat at
# 0.60-0.64 there, while generic rules on the same topic ("Every commit to the training code
# should be tested ...") reached 0.50-0.57, so a generic rule can still win a little credit.
LO = 0.45
HI = 0.62


def rule_pieces(text: str) -> list[str]:
    """The quoted scenarios of a rule or cue, or else its "when ..." condition: the parts to
    compare with the question's situation. Empty for a sentence that is neither."""
    if not _DECISION.search(text):
        return []
    found = [q for q in quotes(text) if len(q.split()) >= _MIN_WORDS]
    if found:
        return found
    m = _CONDITION.search(text)
    if m and len(m.group(1).split()) >= _MIN_WORDS:
        return [m.group(1).rstrip(" .")]
    return []


# Sentence vectors barely see negation: "Model fits on one GPU, training is too slow" sits
# closer to "Our model is too big to fit in a single GPU's memory" than "Model does not fit in
# a single accelerator's memory" does. A piece is compared only with question sentences of the
# same polarity ("too big to" counts as a negation).
def _negated(text: str) -> bool:
    return bool(NEGATION_OR_TOO.search(text))


@dataclass(frozen=True)
class Targets:
    """The unit vectors a piece is compared with, with the polarity of the text of each: the
    whole question and each of its sentences (a long scenario's own vector is diluted by its
    story, so a piece that restates one sentence is found by that sentence's vector)."""

    matrix: np.ndarray
    negated: np.ndarray  # per row: True/False, or None for a row of either polarity


def question_targets(question: str, query_vector: np.ndarray | None,
                     clauses: np.ndarray | None) -> Targets | None:
    rows: list[np.ndarray] = []
    texts: list[str] = []
    if query_vector is not None:
        rows.append(np.asarray(query_vector, dtype=np.float32)[None, :])
        texts.append(question)
    if clauses is not None and len(clauses):
        parts = [x.text for x in split_sentences(question)]
        if len(parts) == len(clauses):  # the service embeds exactly these sentences
            rows.append(np.asarray(clauses, dtype=np.float32))
            texts += parts
    if not rows:
        return None
    m = np.vstack(rows)
    m = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)
    polarity: list[bool | None] = [_negated(t) for t in texts]
    if query_vector is not None and len(texts) > 1:
        polarity[0] = None  # the whole scenario mixes both polarities: compared with any piece
    return Targets(m, np.array(polarity, dtype=object))


def meaning_fit(pieces: list[str], vectors: Any, targets: Targets | None) -> float | None:
    """0..1: how closely the best piece restates one sentence of the question (of the same
    polarity); None when no piece has a vector (the caller keeps its word test)."""
    if targets is None or vectors is None:
        return None
    best: float | None = None
    for piece in pieces:
        v = vectors.get(piece)
        neg = _negated(piece)
        same = np.array([p is None or p == neg for p in targets.negated], dtype=bool)
        if v is None or not same.any():
            continue
        cos = float(np.max((targets.matrix @ np.asarray(v, dtype=np.float32))[same]))
        best = cos if best is None else max(best, cos)
    if best is None:
        return None
    return min(1.0, max(0.0, (best - LO) / (HI - LO)))


# A denial reaches from its negation word to the end of its clause: in "The default weights are
# fine, and nothing requires the model to run inside the agency's own network" the second clause
# denies running inside the network; in "a private endpoint, because branch systems must not use
# the public internet" only "use the public internet" is denied, not the private endpoint.
# A bare comma does not end a denial ("needs no training, validation or lineage" denies all
# three), nor does "and" before a noun; "and" before a new subject does: "no drift alerts have
# fired and the input distributions look stable" affirms the stable inputs. So does "and" before
# a verb of the same subject: "has almost no labeled pairs and wants a usable prototype quickly"
# denies the labeled pairs, not the prototype.
_CLAUSE_BREAK = re.compile(r"[;:()]|,\s*(?:and|so|yet)\b|\b(?:because|since|although|though|but|"
                           r"whereas|while|so that|which|who)\b|"
                           r"\band\s+(?=(?:the|its|their|a|an|it|they|we|she|he|this|there)\b)|"
                           r"\band\s+(?=(?:wants?|needs?|must|has|have|is|are|requires?|prefers?|"
                           r"plans?|expects?|asks?|uses?|can|cannot|should|will|would|hopes?|"
                           r"aims?)\b)", re.I)


def denied_terms(question: str) -> set[str]:
    """Terms the question uses only inside a denial ("nothing requires the model to run inside
    the network", "no GPUs"). A rule whose condition is made of these words is another
    scenario's answer: the question says its condition does not hold."""
    said: set[str] = set()
    denied: set[str] = set()
    for s in split_sentences(question):
        for clause in _CLAUSE_BREAK.split(s.text):
            m = NEGATION_OR_TOO.search(clause)
            cut = m.end() if m else len(clause)
            said.update(content_terms(clause[:m.start()] if m else clause))
            denied.update(content_terms(clause[cut:]))
    return denied - said


def _contradicted(cond: str, qterms: set[str], denied: set[str] | frozenset[str],
                  weights: dict[str, float], idf_of: Callable[[str], float] | None) -> bool:
    """The question denies at least two of the condition's words, and these weigh at least as
    much as the words it affirms: "when the weights must run inside your own network" against
    "nothing requires the model to run inside the agency's own network"."""
    terms = set(content_terms(cond))
    no = terms & denied
    if len(no) < 2:
        return False
    w = (lambda t: idf_of(t)) if idf_of is not None else (lambda t: weights.get(t, 3.0))
    return sum(map(w, no)) >= sum(map(w, (terms & qterms) - denied))


# "served on GKE instead of a Vertex AI endpoint": the question sets those words aside.
_SET_ASIDE = re.compile(r"\b(?:instead of|rather than|other than)\s+([^,;.?]{3,60})", re.I)


def condition_denies(text: str, question: str, qterms: set[str],
                     denied: set[str] | frozenset[str]) -> bool:
    """The rule's condition denies two or more things the question affirms: "Choose plain
    Dataflow when serving does not need the same logic, or when the model is not a TensorFlow
    model" for "the same preprocessing at training and online prediction for a TensorFlow
    model". (``denied`` is what the question itself denies; those words affirm nothing, nor do
    the words after its "instead of".) Every negation counts, "should not" too: limiting it to
    negations of fact ("does not", "is not") lost the two bank stems this rule gained."""
    m = _WORD_CONDITION.search(text)
    if not m or not _DECISION.search(text):
        return False
    cond = re.sub(r"[\"\u201c][^\"\u201d]*[\"\u201d]", " ", m.group(1))  # quoted wording is the scenario's
    aside = {t for a in _SET_ASIDE.findall(question) for t in content_terms(a)}
    # What the condition denies is read the way a question's denials are (``denied_terms``).
    return len((denied_terms(cond) & qterms) - set(denied) - aside) >= 2


# The word test's condition: everything after "when", "if", "whenever" or "for".
_WORD_CONDITION = re.compile(r"\b(?:when|if|whenever|for)\s+(.*)$", re.I)
_CONDITION_FULL = 0.25  # share of the condition's (idf-weighted) terms that earns the full bonus
_CONDITION_FLOOR = -0.5  # a rule whose condition the question does not state at all


def condition_fit(text: str, qterms: set[str], weights: dict[str, float],
                  idf_of: Callable[[str], float] | None, meaning: float = 0.0,
                  denied: set[str] | frozenset[str] = frozenset()) -> float:
    """How far a decision rule's condition is the question's situation, from -0.5 (none of
    it: the rule is another scenario's answer and should not lead because it says "Choose")
    to 1.0: by shared words, or by ``meaning`` (``meaning_fit``), whichever is higher. A rule
    without a stated condition keeps the full decision bonus. ``denied`` (``denied_terms``)
    are words the question says only in denial: they do not state an affirmative condition.
    (``meaning`` already pairs sentences by polarity.)"""
    m = _WORD_CONDITION.search(text)
    if not m:
        return 1.0
    cond = m.group(1)
    if denied and not _negated(cond):
        if _contradicted(cond, qterms, denied, weights, idf_of):
            return _CONDITION_FLOOR
        qterms = qterms - denied
    fit = max(meaning, min(1.0, quote_match(cond, qterms, weights, idf_of) / _CONDITION_FULL))
    return _CONDITION_FLOOR + (1.0 - _CONDITION_FLOOR) * fit
