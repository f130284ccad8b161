"""Entity questions: "Which TFX component verifies ...?", "Which judge models can score
...?", "What file name must ... use?". Their answer is a name the question does not contain
(InfraValidator, COMET, `model.joblib`), so a sentence that names one under the asked-about
head ("component", "judge models") answers; a sentence that only repeats the head ("The TFX
model components form the back of the pipeline") frames the answer without giving it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from assistant.answer.text import content_terms, heading_terms, question_sentences

__all__ = ["entity_head", "names_new_entity", "answers_entity", "name_does", "head_miss", "setting_bonus"]

# "Which <head> <aux or verb>": the head ends before an auxiliary, or before a verb in the
# third person ("verifies", "checks") that follows it; at most three words.
# "In which languages ...?", "For what kinds of data ...?": a preposition may come first.
_WH = re.compile(r"^\s*(?:and\s+)?(?:(?:in|on|for|from|to|with|by|under|at)\s+)?(?:which|what)\s+(.+)$",
                 re.I)
_AUX = frozenset("""is are was were does do did can could should must will would has have
may might need needs""".split())
_VERB_END = re.compile(r"(ies|ches|shes|ates|izes|ises|ects|ures|ores|orts|ains|ives|oves)$")
_VERBS = frozenset("""checks verifies validates computes detects runs stores generates creates
converts splits reads writes flags compares tracks records serves handles supports provides
produces lets makes gives returns sends schedules triggers monitors measures scores trains
deploys exports imports accepts requires offers keeps holds turns adds removes replaces
finds shows""".split())
# "Which model should they train?" asks for advice (a choose question), not for a name.
_ADVICE = frozenset({"should", "would"})
# Heads that ask for an approach, not a named thing: scenario and choose questions handle them.
_NOT_ENTITY = frozenset("""approach option service product solution tool method strategy
architecture way ways kind type types difference role happens""".split())
# A name the question can be answered with: a backticked code name, a CamelCase or
# underscore name (InfraValidator, MetricX, model_type), or an acronym (COMET, JSON).
_NAME = re.compile(r"`([^`]{2,60})`|\b([A-Z][a-z]+[A-Z]\w*|[a-z]+[A-Z]\w*|[A-Za-z]+_\w+|"
                   r"[A-Z]{3,}[a-z]?)\b")


@lru_cache(maxsize=64)  # name_does asks it once per candidate sentence
def _asked_verb(question: str) -> str:
    """The verb after the head ("validates" in "Which TFX component validates data?"), or ""."""
    m = _WH.match(question_sentences(question)[-1])
    if not m:
        return ""
    words = [w.strip("?,.;:").lower() for w in m.group(1).split()[:5]]
    for word in words[1:]:  # the head's first word is never the verb
        if word in _AUX:
            return ""
        if word in _VERBS or _VERB_END.search(word):
            return word
    return ""


def name_does(text: str, question: str) -> bool:
    """A name in the sentence says the asked action: "ExampleValidator ..." for "Which TFX
    component validates data?". Such names share no word with the question ("examplevalidator"
    is not "validates"), so the sentence has no coverage of its own."""
    verb = _asked_verb(question)
    stem = content_terms(verb)[0][:5] if verb and content_terms(verb) else ""
    if len(stem) < 4:
        return False
    return any(stem in (m.group(1) or m.group(2) or "").lower() for m in _NAME.finditer(text))


def entity_head(question: str) -> frozenset[str]:
    """The content terms of what a "which/what <head> ...?" question asks to be named, or an
    empty set when the question is not of that form."""
    last = question_sentences(question)[-1]
    m = _WH.match(last)
    if not m:
        return frozenset()
    words: list[str] = []
    for raw in m.group(1).split()[:4]:
        word = raw.strip("?,.;:").lower()
        if word in _ADVICE:
            return frozenset()
        if not word or word in _AUX or (words and (word in _VERBS or _VERB_END.search(word))):
            break
        words.append(word)
    # "What (is) the least privilege way ...": an article after the question word means the
    # verb was dropped, and the question asks for a description, not a name. The check runs
    # on every word read, before the head is cut to three: "Which Vertex Explainable AI
    # method ...?" asks for an approach even though "method" is its fourth word.
    if not words or words[0] in ("the", "a", "an") or any(w in _NOT_ENTITY for w in words):
        return frozenset()
    return frozenset(content_terms(" ".join(words[:3])))


_FILE_HEAD = frozenset(content_terms("file files filename"))
_FILE_NAME = re.compile(r"`[\w./-]*\w\.[a-z][a-z0-9]{1,6}`|\b[\w-]+\.(?:joblib|pkl|pb|json|yaml|"
                        r"yml|csv|py|txt|bst|onnx|pt|pth|h5|keras|tflite|avro|parquet|tfrecord)\b")


def names_new_entity(text: str, question: str) -> bool:
    """The sentence names something (code, CamelCase name, acronym) the question does not."""
    asked = question.lower()
    for m in _NAME.finditer(text):
        name = (m.group(1) or m.group(2) or "").strip()
        if len(name) >= 3 and name.lower() not in asked:
            return True
    return False


def answers_entity(text: str, terms: frozenset[str], heading: Sequence[str],
                   head: frozenset[str], question: str) -> bool:
    """Under the asked-about head (in the sentence or its section heading), the sentence names
    a thing the question does not: "InfraValidator checks that the model can be loaded ..."
    under "TFX model components: ... InfraValidator ..."."""
    if not head:
        return False
    around = set(terms) | heading_terms(heading)
    if head & _FILE_HEAD and _FILE_NAME.search(text):
        # "What file name must ...?": `model.joblib` is a file name without the words "file
        # name" near it ("A scikit-learn model must be saved as `model.joblib`").
        around |= head
    return head <= around and names_new_entity(text, question)


HEAD_MISS_PENALTY = 0.1  # 0.2 moved two bank leads for one gained (nineteenth pass)


def head_miss(terms: frozenset[str] | set[str], heading: Sequence[str],
              head: frozenset[str]) -> float:
    """The penalty for a sentence that does not say the asked-about head, nor does its
    section heading: "In which languages can I sit the exam?" is not answered by "The
    registration fee for the exam is USD 200", however many words of the question it has.
    Mild, because an answer may name the thing without the head word ("AUC PR" for "Which
    metric ...?")."""
    if not head or head & (set(terms) | heading_terms(heading)):
        return 0.0
    return HEAD_MISS_PENALTY


# "Which setting in the anomaly query should they change?", "Which SDK call gives her that?":
# the answer is a code name (`ANOMALY_PROB_THRESHOLD`, `get_experiment_df`), which rarely sits
# next to the word "setting" or "call", so the entity rule (head word near a name) misses it.
_SETTING_Q = re.compile(r"^\s*(?:which|what)\s+(?:[\w.`'-]+\s+){0,3}?(?:settings?|parameters?|"
                        r"options?|fields?|flags?|arguments?|calls?|functions?|propert(?:y|ies)|"
                        r"clauses?|keys?|variables?|statements?)\b", re.I)


SETTING_BONUS = 0.2  # 0.15 and 0.3 gained less on the dev sets, bank stems and fresh questions


@lru_cache(maxsize=16)  # one question's sentences are scored in a row
def _asks_for_setting(question: str) -> bool:
    return bool(_SETTING_Q.match(question_sentences(question)[-1]))


def setting_bonus(text: str, question: str) -> float:
    """The bonus for a sentence that names something the question does not, when the asking
    sentence wants a setting, field, parameter or call named."""
    return SETTING_BONUS if _asks_for_setting(question) and names_new_entity(text, question) \
        else 0.0
