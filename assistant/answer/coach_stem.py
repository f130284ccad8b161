"""The stem of a pasted multiple-choice question, for the practice-question coach: the sentence
that asks (without its "(Choose two.)"), and the constraint of the scenario that decides between
the options ("labels arrive late", "least operational overhead"), named in every verdict."""

from __future__ import annotations

import re

from assistant.answer.base import TermStats
from assistant.answer.text import content_terms

__all__ = ["ask_sentence", "deciding_constraint", "negative_ask", "excluded_terms"]

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
_CHOOSE = re.compile(r"\(?\b(choose|select|pick)\b[^.?!)]*[.)]?\)?", re.I)


def ask_sentence(stem: str) -> str:
    """The sentence that asks (usually the last one with a question mark)."""
    parts = [p.strip() for p in _SENT.split(_CHOOSE.sub(" ", stem)) if p.strip()]
    for p in reversed(parts):
        if p.endswith("?"):
            return p
    return parts[-1] if parts else stem


# An ask that wants the exception: "Which statement is NOT true?", "... EXCEPT", "Which step can
# it skip?", "Which practice should you avoid?". The coach then picks the option the material
# does not support (or argues against), and says so.
_NEGATIVE_ASK = re.compile(
    r"\b(?:NOT|EXCEPT)\b|\bexcept\b|\b(?:is|are)(?:n't| not) (?:true|correct|valid|accurate|"
    r"recommended|supported|needed|required|necessary|appropriate|part of|one of|among|a (?:good|"
    r"valid|benefit|reason|requirement))\b|\bleast (?:likely|appropriate|suitable|useful)\b"
    r"|\b(?:can|could|may) (?:\w+ ){0,3}skip\b|\bshould (?:\w+ ){0,2}avoid\b|\bunnecessary\b"
    r"|\b(?:incorrect|false|untrue|invalid)\b")


def negative_ask(stem: str) -> bool:
    """True when the question asks for the option that is *not* right (see _NEGATIVE_ASK)."""
    ask = ask_sentence(stem)
    # "Which two ... should you do so that it does not ...": a negation after "so that",
    # "without", "to avoid" describes the goal, not the kind of answer wanted.
    if re.match(r"\s*why\b", ask, re.I):
        return False  # "Why did the change not help?" asks for a cause
    head = re.split(r"\b(?:so that|such that|without|to avoid|to prevent|in order)\b", ask,
                    maxsplit=1, flags=re.I)[0]
    return bool(_NEGATIVE_ASK.search(head))


# Parts of the stem that describe what is *not* meant ("as opposed to testing code", "she is not
# asking how runs are grouped", "rather than on a schedule"): their words describe the wrong
# options, so they must not make a sentence look relevant.
_EXCLUDE = re.compile(
    r"\b(?:as opposed to|rather than|other than|not asking (?:about |how |whether |"
    r"which |what )?|not about|is not (?:about|asking)|not interested in)\s+([^.;?!]*?)"
    r"(?=[.;?!]|,\s+(?:only|but|and|so)\b|\s+but\b|$)", re.I)


def excluded_terms(stem: str) -> set[str]:
    """Content terms that occur in the stem only inside an exclusion (see _EXCLUDE)."""
    inside: set[str] = set()
    rest = stem
    for m in _EXCLUDE.finditer(stem):
        inside.update(content_terms(m.group(1)))
        rest = rest.replace(m.group(0), " ")
    return inside - set(content_terms(rest))


_CONSTRAINT_WORDS = re.compile(
    r"\b(least|lowest|minimi[sz]e|minimal|fewest|no one|without|must|only|cannot|can't|late|"
    r"delay(ed)?|quick(ly|est)?|fast(est)?|cheap(est)?|cost|latency|overhead|managed|"
    r"real[- ]time|offline|batch|streaming|regulat\w*|privacy|personal|no code|sql|few|"
    r"small|large|scarce|imbalanc\w*|bursty|low|high|never|not|requirement|require[sd]?)\b",
    re.I)


def _clauses(stem: str) -> list[str]:
    text = _CHOOSE.sub(" ", stem)
    pieces = re.split(r"(?<=[.;?!])\s+|,\s+(?:and|but|so|while|because)\s+|;\s*|,\s+(?=which|"
                      r"where|so that|but)", text)
    out = []
    for p in pieces:
        p = p.strip(" ,.;")
        if len(p.split()) >= 3:
            out.append(p)
    return out


def deciding_constraint(stem: str, sentence: str, stats: TermStats | None) -> str:
    """The stem's clause that the deciding sentence speaks to: most shared rare terms, with a
    bonus for words that state a requirement ("least overhead", "labels arrive late")."""
    s_terms = set(content_terms(sentence))
    ask = ask_sentence(stem)
    best, best_score = "", -1.0
    for clause in _clauses(stem):
        if clause.rstrip("?") == ask.rstrip("?") and len(_clauses(stem)) > 1:
            continue  # the ask itself is not a constraint
        terms = set(content_terms(clause))
        if not terms:
            continue
        shared = sum((stats.idf(t) if stats is not None else 1.0) for t in terms & s_terms)
        bonus = 1.5 * len(_CONSTRAINT_WORDS.findall(clause))
        score = shared + bonus
        if score > best_score:
            best, best_score = clause, score
    best = best or ask
    words = best.split()
    if len(words) > 16:
        best = " ".join(words[:16]) + " ..."
    return best
