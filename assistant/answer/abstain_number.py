"""A question that asks for a figure ("What is the maximum number of feature views in one
online store?", "How many pipeline runs can execute concurrently by default?") is answered only
by a sentence that states one: a number (not a date) next to what was asked about, and, for a
maximum, minimum or default, a word that says which ("up to", "at least", "by default").
Passages about the same product without that figure are the reason such questions got a
confident, irrelevant answer: the material explains Feature Store but never gives its limits.

Like the price check in ``abstain``, this is an exact check and runs before the similarity
floors. On the three dev sets (evals/pmle.jsonl, pmle_dev2.jsonl, pmle_dev3.jsonl) it fires on
eight unanswerable questions (five that no other rule declined) and on no answerable one; an
answerable figure question whose answer sentence shares even one of the asked-about words
with a number passes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer.coach_stem import ask_sentence
from assistant.answer.text import content_terms, states_figure
from assistant.records import Passage

__all__ = ["asked_figure", "states_the_figure", "asking_sentence", "counted_figure"]

_ASK = re.compile(r"\b(how many|how much|how long|how large|how big|how often|maximum|minimum|"
                  r"max|min|largest|smallest|longest|shortest|limit|limits|quota|default|at most|"
                  r"at least|up to)\b", re.I)
_KIND = {"maximum": "max", "max": "max", "largest": "max", "longest": "max", "up to": "max",
         "at most": "max", "limit": "max", "limits": "max", "quota": "max", "minimum": "min",
         "min": "min", "smallest": "min", "shortest": "min", "at least": "min", "default": "default"}
# "limit the damage", "limits who can read it": the verb asks for an action, not a figure.
_LIMIT_VERB = re.compile(r"limits?\s+(?:the|a|an|its|their|our|your|who|what|how|which|access|"
                         r"exposure|damage|blast)\b", re.I)
# What a sentence must say, besides a number, to state a maximum, a minimum or a default.
_STATES = {
    "max": re.compile(r"\b(maximum|max|up to|at most|limit|limits|limited|cap|capped|no more "
                      r"than|largest|longest|between|exceeds?|quota|ceiling)\b", re.I),
    "min": re.compile(r"\b(minimum|min|at least|no fewer than|between|or more)\b", re.I),
    "default": re.compile(r"\b(default|defaults)\b", re.I),
}
# The words of the asking phrase and of the exam itself say nothing about what is asked.
_GENERIC = frozenset(content_terms(
    "how many much long large big often maximum minimum max min largest smallest longest limit "
    "limits quota default number amount size value allowed accept accepts can does do run runs "
    "single one each per what which exam exams certification certified professional machine "
    "learning engineer google cloud pmle take taking test tests question questions"))
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CODE = re.compile(r"_")  # a code name's term: max_trial_count, min_replica_count
# "subsection 6.1 asks candidates to ...": a section number is not a figure about anything.
_SECTION = re.compile(r"\b(?:sub)?sections? \d+(?:\.\d+)*", re.I)
# "What are they?", "What are those figures?", "What is the limit?": an ask that names nothing
# of its own and points back ("What should you do?" names nothing either, but asks for advice,
# not for the figure named before).
_POINTS_BACK = re.compile(r"\b(they|it|these|those|them|both)\s*\?\s*$|\b(the|these|those) (limits?|"
                          r"figures?|numbers?|values?|amounts?|prices?|costs?)\s*\?\s*$", re.I)
_BARE = frozenset(content_terms("limit limits figure figures number numbers value values amount "
                                "amounts price prices cost costs"))


def asking_sentence(question: str) -> str:
    """The sentence that asks; when it only points back ("... the shortest commitment term and
    the monthly list price of one unit. What are those figures?"), the sentence before it,
    which says what is asked about."""
    ask = ask_sentence(question)
    if set(content_terms(ask)) <= _BARE and _POINTS_BACK.search(ask):
        before = question[:question.rfind(ask)] if ask in question else ""
        return ask_sentence(before) if before.strip() else ask
    return ask


def asked_figure(question: str) -> tuple[str, list[str]] | None:
    """("max" | "min" | "default" | "any", the asked-about terms) when the asking sentence
    asks for a figure about something it names; None otherwise."""
    ask = asking_sentence(question)
    m = next((x for x in _ASK.finditer(ask) if not _LIMIT_VERB.match(ask, x.start())), None)
    if not m:
        return None
    about = [t for t in dict.fromkeys(content_terms(ask)) if t not in _GENERIC]
    if not about:
        return None  # "How long is the exam?": the logistics check handles the exam's figures
    return _KIND.get(m.group(1).lower(), "any"), about


def states_the_figure(question: str, passages: Sequence[Passage], top: int = 3) -> bool:
    """Some sentence of the top passages states a number (not a date), says it is a maximum,
    minimum or default when that was asked, and names something the question asks about.
    True when the question asks for no figure."""
    asked = asked_figure(question)
    if asked is None:
        return True
    kind, about = asked
    # "the maximum values that max_trial_count and parallel_trial_count accept": a figure
    # about another setting ("NUM_TRIALS ... between 1 and 100") does not answer it.
    codes = {t for t in about if _CODE.search(t)}
    for p in passages[:top]:
        for s in _SENTENCE.split(p.chunk.text):
            if not states_figure(_SECTION.sub(" ", s)):
                continue
            if kind in _STATES and not _STATES[kind].search(s):
                continue
            terms = set(content_terms(s))
            if set(about) & terms and (not codes or codes & terms):
                return True
    return False


_HOW_MANY = re.compile(r"\bhow many\s+([a-z][\w-]{2,})", re.I)
_HOW_LONG = re.compile(r"\bhow long\b", re.I)
# "lasts two hours", not "the last part of the two hours" (a duration already named) or "two
# minutes per question" (a rate).
_DURATION = re.compile(r"(?<!the )\b(?:\d[\d,.]*|two|three|four|five|six|seven|eight|nine|ten|"
                       r"twelve|twenty|thirty|sixty|ninety)\s+(?:minutes?|hours?|days?|weeks?|months?|"
                       r"years?)\b(?!\s+(?:per|each|a|an)\b)", re.I)  # not a rate


def counted_figure(question: str) -> re.Pattern[str] | None:
    """For "How many questions are on the exam?", a pattern for a sentence that states the
    count of the very thing asked about ("contains 50 to 60 questions", "up to 100 trials");
    for "How long ...?", one that states a duration ("lasts two hours"); None otherwise. The
    exam's own words ("questions", "exam") are stop words, so word overlap alone cannot tell
    "the exam contains 50 to 60 questions" from "Google does not publish how many questions
    come from each section"."""
    ask = asking_sentence(question)
    found = [_DURATION.pattern] if _HOW_LONG.search(ask) else []  # "How long?": "lasts two hours"
    for m in _HOW_MANY.finditer(ask):  # "... and how many questions are on it?" as well
        root = re.escape(m.group(1).lower().rstrip("s"))
        found.append(rf"\b\d[\d,.]*(?:\s*(?:to|-|\u2013|and|or)\s*\d[\d,.]*)?\s+(?:[\w-]+\s+)?"
                     rf"{root}")
    return re.compile("|".join(f"(?:{x})" for x in found), re.I) if found else None
