"""The thing a how-to question wants acted on: "How can I start a Vertex AI pipeline run
automatically whenever a new file lands in a bucket?" asks about pipeline runs; a sentence
about reading buckets from training jobs shares "Cloud Storage bucket" and "Vertex AI" with it
and says nothing about pipeline runs. A sentence whose words and section heading never name
the object is not the answer to the question, however many other words it shares."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.answer.text import UMBRELLA, content_terms

__all__ = ["asked_object", "goal_object", "heading_does", "scenario_task", "task_share", "TASK_WEIGHT"]

# "How (can|do|should) I|we|you <verb> [off|up|...] [the|a|my ...] <object>": the object is at
# most four words and ends at a preposition, a conjunction, an adverb in -ly, or punctuation.
_HOWTO_OBJECT = re.compile(
    r"^\s*how\s+(?:can|do|should|would|could)\s+(?:i|we|you|they|one)\s+(?P<verb>[a-z-]+)"
    r"(?:\s+(?:off|up|out|on|down|back|over))?\s+"
    r"(?:the\s+|a\s+|an\s+|my\s+|our\s+|their\s+|its\s+)?(?P<object>(?:[\w/-]+\s+){0,3}?[\w/-]+)"
    r"(?=\s+(?:for|of|on|in|when|whenever|at|with|from|while|before|after|without|and|or|by|so|"
    r"to|into|during|under|over|across|using|via|through|each|every|if|once|automatically|\w+ly)\b|"
    r"[?.,;]|$)", re.I)
# Words every product name here carries: naming them is not naming the object.
_GENERIC = UMBRELLA | frozenset(content_terms("model models data thing things it"))


def asked_object(question: str) -> set[str]:
    """The object's distinctive terms, or an empty set when the question is not "How can I
    <verb> <object> ...?"."""
    m = _HOWTO_OBJECT.match(question)
    if not m:
        return set()
    return set(content_terms(m.group("object"))) - _GENERIC


_CHOICE_VERBS = frozenset("choose pick select decide compare".split())


# "How do I reduce latency?": the quantity a goal names ends at a preposition, a conjunction or
# punctuation.
_GOAL_OBJ = re.compile(r"\b(?:reduce|lower|decrease|cut|minimi[sz]e|speed up|improve|increase|"
                       r"raise|shorten|save)\s+(?:the\s+|our\s+|my\s+|its\s+|their\s+)?"
                       r"((?:[\w-]+\s+){0,2}?[\w-]+)"
                       r"(?=\s+(?:for|of|on|in|when|at|with|from|while|before|after|without|and|"
                       r"or|by|so|to|during|under)\b|[?.,;]|$)", re.I)


def goal_object(question: str) -> set[str]:
    """What a "how do I reduce X?" question wants changed: the terms of X."""
    return {t for m in _GOAL_OBJ.finditer(question) for t in content_terms(m.group(1))}


@lru_cache(maxsize=256)  # called for every candidate sentence with the same question
def heading_does(question: str, heading: str) -> bool:
    """True when a section heading names the asked action on the asked object: "Handling
    class imbalance: class weights, resampling ..." for "How do you handle class imbalance
    ...?". The section is then the how-to, even where its sentences name the object only
    once (its list of remedies says "class weights", not "imbalance")."""
    m = _HOWTO_OBJECT.match(question)
    if not m:
        return False
    if m.group("verb").lower() in _CHOICE_VERBS:
        return False  # "How do I choose between A and B?": every "Choosing ..." heading says so
    verb = set(content_terms(m.group("verb")))
    obj = set(content_terms(m.group("object"))) - _GENERIC
    head = set(content_terms(heading))
    return bool(verb) and bool(obj) and verb <= head and obj <= head


# "An analyst wants to cluster customers into segments using data already in BigQuery": what
# the scenario's people want done ("cluster customers into segments"), read up to where the
# setting starts. A rule keyed to the setting alone ("data already in BigQuery ... points to
# BigQuery SQL") answers another task; the sentence about clustering answers this one.
_TASK = re.compile(r"\b(?:wants?|needs?|has|have|plans?|is asked|are asked|asks?)\s+to\s+"
                   r"(?P<task>(?:[\w-]+\s+){0,5}?[\w-]+)"
                   r"(?=\s+(?:using|with|from|on|without|every|each|whenever|while|by|so|and|but|"
                   r"at|within|under|over|for|across|before|after)\b|[,.;?]|$)", re.I)
_TASK_GENERIC = frozenset(content_terms("build create make run deploy train model models data add use "
                                        "vertex ai google cloud team company solution system "
                                        "quickly easily automatically"))
# Chosen on the four dev sets and the bank stems (README, eighteenth pass): 0.25 moved no dev
# answer, 0.6 traded a dev2 keyword for a dev2 lead.
TASK_WEIGHT = 0.4


def scenario_task(question: str) -> set[str]:
    """The distinctive terms of what the scenario wants done, or an empty set."""
    return {t for m in _TASK.finditer(question) for t in content_terms(m.group("task"))} \
        - _TASK_GENERIC


def task_share(task: set[str], terms: frozenset[str], weights: dict[str, float]) -> float:
    """idf-weighted share of the task's terms a sentence has."""
    total = sum(weights.get(t, 1.0) for t in task)
    return sum(weights.get(t, 1.0) for t in task if t in terms) / total if total else 0.0
