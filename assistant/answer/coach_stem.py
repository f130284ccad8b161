"""The stem of a pasted multiple-choice question, for the practice-question coach: the sentence
that asks (without its "(Choose two.)"), and the constraint of the scenario that decides between
the options ("labels arrive late", "least operational overhead"), named in every verdict."""

from __future__ import annotations

import re

from assistant.answer.base import TermStats
from assistant.answer.text import content_terms

__all__ = ["ask_sentence", "deciding_constraint"]

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
_CHOOSE = re.compile(r"\(?\b(choose|select|pick)\b[^.?!)]*[.)]?\)?", re.I)


def ask_sentence(stem: str) -> str:
    """The sentence that asks (usually the last one with a question mark)."""
    parts = [p.strip() for p in _SENT.split(_CHOOSE.sub(" ", stem)) if p.strip()]
    for p in reversed(parts):
        if p.endswith("?"):
            return p
    return parts[-1] if parts else stem


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
