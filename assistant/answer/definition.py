"""What a definition question ("What is X?", "What is X and when should I use it?") asks about,
and whether a sentence opens with that subject: the sentence that says what X is."""

from __future__ import annotations

import re

from assistant.answer.extractive import longer_name
from assistant.answer.shape import DEFINE_AND
from assistant.answer.text import content_terms

__all__ = ["definition_subject", "opens_with", "expands_acronym"]

_DEF_Q = re.compile(r"^\s*(?:what\s+(?:is|are|does)|define|meaning of|what's)\s+(?:an?\s+|the\s+)?"
                    r"(.+?)(?:\s+(?:do|mean|in [^?]+|on [^?]+|for [^?]+))?\s*\??\s*$", re.I)
_DIGIT = re.compile(r"(?<![\w.])(\d)(?![\w.])")
_DIGIT_SPAN = 40  # the asked number sits in the subject, near the sentence's start
# "Retrieval-augmented generation (RAG) lets ..." for "What is RAG?": the long name, then the
# asked short one in parentheses.
_LONG_THEN_SHORT = re.compile(r"^[^(),.;:]{3,60}?\(([^()]{2,30})\)")


# "What is the role of the TFX ExampleValidator component?" asks what ExampleValidator is for.
_ROLE_OF = re.compile(r"^(?:the\s+)?(?:role|purpose|job|function|point|use)\s+of\s+(?:the\s+|an?\s+)?",
                      re.I)
# Words that place a name rather than name it: "the TFX ExampleValidator component" is
# introduced by the material as "ExampleValidator compares ...".
_PLACING = frozenset(content_terms("tfx vertex ai agent platform google cloud component "
                                   "components service feature tool step"))


def definition_subject(question: str) -> list[str] | None:
    m = DEFINE_AND.search(question) or _DEF_Q.match(question)
    asked = _ROLE_OF.sub("", m.group(1)) if m else ""
    terms = content_terms(asked)
    # "What is MLOps level 1?": a one-digit number is no term, and without it "MLOps level 0
    # is a manual process" opens with the subject too. It is kept as "#1" and matched by text.
    return terms + [f"#{d}" for d in _DIGIT.findall(asked)] if terms else None


def opens_with(text: str, subject: list[str]) -> bool:
    """The sentence opens with the subject (allowing an article and a parenthesised name)."""
    body = re.sub(r"^(the|a|an)\s+", "", text.strip(), flags=re.I)
    digits = [t[1:] for t in subject if t.startswith("#")]
    if digits:
        if not all(re.search(rf"\b{d}\b", body[:_DIGIT_SPAN]) for d in digits):
            return False
        subject = [t for t in subject if not t.startswith("#")]
    first = content_terms(body.split()[0]) if body.split() else []
    if first and len(subject) > 1 and first[0] == subject[-1] and \
            re.match(r"^\S+\s+(is|are|means|refers to)\b", body, re.I):
        return True  # "What is a model version alias?": "An alias is a mutable pointer ..."
    if expands_acronym(text, subject):
        return True
    own = [t for t in subject if t not in _PLACING]
    if first and len(own) == 1 and len(subject) > 1 and first[0] == own[0] and \
            re.match(r"^\S+\s+[a-z]+s\b", body):
        return True  # "ExampleValidator compares ..." for "the TFX ExampleValidator component"
    if not first or first[0] != subject[0]:
        return False
    head = content_terms(re.sub(r"\([^)]*\)", " ", body)[:120])[:len(subject) + 1]
    # "What is Vertex AI?": "Vertex AI Vizier is ..." is about another product.
    return all(t in head for t in subject) and not longer_name(body.split()[:16], dict.fromkeys(subject, 1.0))


def expands_acronym(text: str, subject: list[str]) -> bool:
    """The sentence opens by spelling out the asked short name: "Retrieval-augmented generation
    (RAG) lets ..." for "What is RAG?". The embedding model reads the acronym poorly, so this
    sentence scores low by meaning although it is the definition."""
    short = _LONG_THEN_SHORT.match(re.sub(r"^(the|a|an)\s+", "", text.strip(), flags=re.I))
    return short is not None and content_terms(short.group(1)) == subject
