"""What the question says was already tried and fell short: "Request-response logging to
BigQuery is already enabled, but the table holds no stack traces", "They already train in
bfloat16 mixed precision, yet the job runs out of memory". Exam scenarios state such a fact
to rule the tried thing out, so a sentence about it ("Request-response logging stores a
sample of requests ...") shares the most words with the question and is still not the
answer. It should not lead; it may still follow as context. The same holds for a method that
needs what the question says is absent (``needs_denied``), and for a sentence that recommends
or opens with what the question's stated requirements rule out (``ruled_out``: "Choose GKE
when ..." for a team with "no Kubernetes experience", with the coach's rule-outs)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from assistant.answer.coach_polarity import needs
from assistant.answer.coach_ruleouts import stem_rule_outs
from assistant.answer.product import asks_for_product
from assistant.answer.shape import decision_subject
from assistant.answer.text import UMBRELLA, content_terms, question_sentences

__all__ = ["tried_things", "about_tried", "needs_denied", "ruled_out", "TRIED_PENALTY",
           "recommends_what_they_have"]

TRIED_PENALTY = 0.3
# "<subject> ... already <done>, but|yet|however ...", within one sentence.
_TRIED = re.compile(r"(?P<before>[^.;?!]*?)\balready\b(?P<after>[^.;?!]*?)[,;]?\s+"
                    r"(?:but|yet|however)\b", re.I)
_LEAD_TERMS = 3  # a sentence is about what its first words name


def tried_things(question: str) -> list[frozenset[str]]:
    """The terms of each thing the question says was already done and fell short: the
    clause's subject and what was done to it."""
    out = []
    for m in _TRIED.finditer(question):
        before = re.split(r"[,:]", m.group("before"))[-1]
        terms = frozenset(content_terms(before) + content_terms(m.group("after")))
        if terms:
            out.append(terms)
    return out


def about_tried(text: str, role: str, tried: list[frozenset[str]]) -> bool:
    """The sentence is about a tried thing: what a decision rule recommends, or else the
    first words of the sentence, are all among that thing's terms."""
    if not tried:
        return False
    head = decision_subject(text) if role == "decision" else None
    terms = set(content_terms(head) if head else content_terms(text)[:_LEAD_TERMS])
    return bool(terms) and any(terms <= t for t in tried)


# "Which option stores 8-bit weights without needing a representative dataset?": a method that
# needs what the question says is absent ("Full integer quantization ..., which needs a small
# representative dataset to calibrate ...") is ruled out as firmly as a thing already tried.
_DENIED_NEED_TERMS = 2


def needs_denied(text: str, denied: set[str] | frozenset[str]) -> bool:
    """The sentence states a need whose object the question denies (``rulefit.denied_terms``:
    words it uses only after "no", "without", ...): at least two of the need's words. So does
    a rule that recommends what the question denies: "Choose a prebuilt serving container
    when ..." for "a library version that no prebuilt container supports". (Extending this to
    a plain sentence's opening words cost a dev4 keyword.)"""
    if not denied:
        return False
    rec = decision_subject(text)
    if rec is not None and len(set(content_terms(rec)) & denied) >= _DENIED_NEED_TERMS:
        return True
    return any(len(scope & denied) >= _DENIED_NEED_TERMS for _, scope in needs(text))


_OPENING_WORDS = 6  # a plain sentence is about what it names first
# "<scenario> points to <recommendation>; <another scenario> points to ...": the first one.
_POINTS_TO = re.compile(r"\bpoints? to\b([^;]*)", re.I)


@lru_cache(maxsize=16)
def _rule_outs(question: str) -> Callable[[str], list[str]]:
    return stem_rule_outs(question)  # one question's sentences are scored in a row


# An ask that is not a choice of product or approach: "How should they change the CREATE MODEL
# statement?", "Which setting should they change?", "What is the most likely cause?".
_NOT_A_CHOICE = re.compile(r"\b(change|adjust|set|tune|configure|fix|cause|reason|setting|"
                           r"parameter|option|field|flag|argument|statement|clause|call)s?\b", re.I)


@lru_cache(maxsize=16)  # one question's sentences are scored in a row
def _non_choice_terms(question: str) -> frozenset[str] | None:
    """The question's terms when its ask is not a choice of product or approach, else None."""
    if asks_for_product(question) or not _NOT_A_CHOICE.search(question_sentences(question)[-1]):
        return None
    return frozenset(content_terms(question))


def recommends_what_they_have(text: str, role: str, question: str) -> bool:
    """A decision rule that recommends what the question already uses, for an ask that is not
    a choice ("trained an ARIMA_PLUS model ... Which setting should they change?" is not
    answered by "Choose BigQuery ML `ARIMA_PLUS` when ..."): the rule decides another case."""
    qterms = _non_choice_terms(question) if role == "decision" else None
    if qterms is None:
        return False
    rec = decision_subject(text)
    terms = set(content_terms(rec)) - UMBRELLA if rec else set()
    return bool(terms) and terms <= qterms


def ruled_out(text: str, role: str, question: str) -> bool:
    """A decision rule or exam cue whose recommendation, or a plain sentence whose opening
    words, the question's own requirements rule out (``coach_ruleouts``): "GKE scales model
    servers ..." for a team with "no Kubernetes experience" is another scenario's answer,
    however well its words match. So is a rule that recommends what the question already
    uses, when the ask is not a choice (``recommends_what_they_have``)."""
    if role == "decision":
        rec = decision_subject(text)
    elif role == "cue":
        m = _POINTS_TO.search(text)
        rec = m.group(1) if m else None
    elif role == "plain":
        rec = " ".join(text.split()[:_OPENING_WORDS])  # "GKE scales model servers ..."
    else:
        return False
    if recommends_what_they_have(text, role, question):
        return True
    return rec is not None and bool(rec.strip()) and bool(_rule_outs(question)(rec))
