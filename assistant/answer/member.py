"""Category questions: "Which post-training quantization should it apply?", "What kind of test
should it add?", "Which type of logging do they need?". Their answer names one member of the
asked category, and the material usually names a member at the start of the sentence about it:
"Float16 quantization halves model size ...", "A smoke test trains for a few steps ...",
"Access logging records per-request information ...". Such a sentence answers in the form the
question asks for, while a sentence about the setting ("Quantization-aware training is the
alternative ...") or about the category itself ("Post-training quantization shrinks ...") does
not, however many of the question's words it shares.

A member the question already names ("Prebuilt processors ..." when the question says no
prebuilt processor fits) is not the answer it asks for, so it earns nothing.

"What should be enabled on the job?" asks for a thing in the same way: the sentence that says
what "can be enabled on a ... job" ("An interactive shell can be enabled on a Vertex AI custom
training job ...") answers in the asked form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.text import content_terms, question_sentences

__all__ = ["asked_category", "names_member", "MEMBER_BONUS", "AskedForm", "asked_form",
           "answers_in_form"]

# Chosen on the four dev sets and the bank stems: at 0.2 dev4 leads moved to the member that
# answers and no dev, dev2 or dev3 lead lost its keyword; at 0.25 and above a member the
# scenario rules out overtook the answer (dev2: "With a prebuilt container ..." for a pinned
# CUDA and apt image).
MEMBER_BONUS = 0.2

# "Which <category> should|does|... ?", "What kind of <category> ...?": the category is read up
# to an auxiliary, "to", a preposition or relative word, or a verb ("... option stores ...").
_ASK = re.compile(r"^\s*(?:and\s+)?(?:which|what)\s+(?:kinds? of |types? of |sorts? of |forms? of )?"
                  r"(.+)$", re.I)
# "Which method does Google recommend, adaptive rubrics or static rubrics?": the question names
# the members to choose between, so none is new.
_NAMED_CHOICES = re.compile(r",\s*[^,?]{2,60}\s+or\s+[^,?]{2,60}\?\s*$")
_ENDS = frozenset("to best fits fit meets meet".split())
_AUX = frozenset("is are was were does do did can could should must will would has have may "
                 "might".split())
_CUT = frozenset("in of for on from with that which who at by".split())
# Heads that ask for an approach in general: scenario rules answer those, not a member name.
_GENERIC = frozenset(content_terms(
    "approach option service product solution tool method strategy way ways change thing things "
    "step steps action actions fix answer choice design setup configuration"))
_GENERIC_WORDS = frozenset("option options type types kind method approach".split())
_OPENING = re.compile(r"^(?:(?:choose|use|prefer|pick)\s+)?(?:(?:a|an|the)\s+)?", re.I)
# The category noun must close the sentence's opening noun phrase ("Dynamic range
# quantization"), not sit later in a clause ("Candidates who see other amounts ...").
_OPENING_WORDS = 3


def asked_category(question: str) -> str | None:
    """The category noun a "which <category> ...?" ask names ("quantization", "test",
    "logging"), lower-cased, or None for other questions."""
    last = question_sentences(question)[-1]
    m = _ASK.match(last)
    if not m or _NAMED_CHOICES.search(last):
        return None
    raw = [w.lower().strip("?,.;:") for w in m.group(1).split()]
    if not raw or raw[0] in _AUX | {"a", "an", "the"}:
        return None  # "What should the team do?", "What is the maximum ...?"
    words: list[str] = []
    for i, w in enumerate(raw):
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if w in _AUX or w in _CUT or w in _ENDS or (
                words and w.endswith("s") and not w.endswith("ss") and nxt and nxt not in _AUX):
            break  # the third-person "stores" in "option stores weights", not "metrics should"
        words.append(w)
    if not words or len(words) > 5:
        return None
    head = words[-1]
    if head in _GENERIC_WORDS and len(words) >= 2:
        head = words[-2]  # "Which post-training quantization option ...?": a quantization
    if head.endswith("s") and not head.endswith(("ss", "is", "us")):
        head = head[:-1]  # "Which export formats ...?": each one is a format
    terms = content_terms(head)
    if not terms or terms[0] in _GENERIC:
        return None
    return head


def names_member(text: str, category: str, question: str) -> bool:
    """The sentence opens with "<name> <category>" ("Float16 quantization ...", "Choose a
    smoke test ...", within its first three words), its name says something the asking
    sentence does not, and the question does not say that phrase itself."""
    return _names_member(text, category, *_question_words(question))


def _question_words(question: str) -> tuple[frozenset[str], str]:
    """The asking sentence's terms, and the question's terms joined (to find a phrase)."""
    return (frozenset(content_terms(question_sentences(question)[-1])),
            " ".join(content_terms(question)))


def _names_member(text: str, category: str, ask: frozenset[str], said: str) -> bool:
    words = _OPENING.sub("", text).split()[:_OPENING_WORDS]
    for i, word in enumerate(words[1:], start=1):
        # The noun itself or its plural: "integrates" is a verb, not an "integration".
        if word.lower().strip(",.;:()") in (category, category + "s", category + "es"):
            # The name says something the ask does not ("TFX model components" for "Which
            # TFX component ... a trained model ...?" is the category itself), and the
            # scenario does not already name this member ("prebuilt processor").
            name = set(content_terms(" ".join(words[:i])))
            phrase = " ".join(content_terms(" ".join(words[:i + 1])))
            return bool(name - ask) and phrase not in said
    return False


# "What should be enabled on the job?", "What must be added to the gate?"
_PASSIVE_ASK = re.compile(r"^\s*what (?:else )?(?:should|must|can|could|would|needs? to) be "
                          r"([a-z]+ed)\b", re.I)


@dataclass(frozen=True)
class AskedForm:
    """The form the question's answer takes: a member of ``category``, or the thing that "can
    be <participle>"."""

    category: str | None = None
    participle: str | None = None
    # The question's words, read once for all its candidate sentences (``asked_form``).
    words: tuple[frozenset[str], str] | None = field(default=None, compare=False)


def asked_form(question: str) -> AskedForm | None:
    """The form the asking sentence wants its answer in, or None for other questions."""
    passive = _PASSIVE_ASK.match(question_sentences(question)[-1])
    if passive:
        return AskedForm(participle=passive.group(1).lower())
    category = asked_category(question)
    return AskedForm(category=category, words=_question_words(question)) if category else None


def answers_in_form(text: str, form: AskedForm, question: str) -> bool:
    """The sentence gives its answer in that form (``names_member``, or "X can be enabled")."""
    if form.category is not None:
        return _names_member(text, form.category, *(form.words or _question_words(question)))
    if form.participle is not None:
        return re.search(rf"\b(?:can|could|should|must|is|are|needs? to) (?:also |then |first )?"
                         rf"be {re.escape(form.participle)}\b", text, re.I) is not None
    return False
