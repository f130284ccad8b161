"""Input that is not a question about the material gets a one-line reply instead of an answer
built from whatever retrieval happened to find: a greeting, a pasted list with no question, a
question in another language (the model and the corpus are English), a code snippet with no
question. A code snippet *with* a question is answered from its prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Screened", "screen"]

EXAMPLE = '"When should I use BigQuery ML instead of AutoML?"'

_GREETING = re.compile(
    r"^\s*(hi|hello|hey|hiya|howdy|yo|greetings|good (morning|afternoon|evening|day)|thanks|"
    r"thank you|cheers|ok|okay)\b[\s,!.?:)(-]*(there|all|everyone|team|bot|assistant|again|"
    r"so much|a lot)?[\s,!.?:)(-]*(how are you( doing)?)?[\s,!.?:)(-]*$", re.I)
_BULLET = re.compile(r"^\s*([-*+\u2022]|\d+[.)]|[a-hA-H][.)])\s+")
_CODE_LINE = re.compile(r"^\s*(def |class |import |from \S+ import |return\b|for .* in .*:|if .*:|"
                        r"[\w.\[\]'\"]+\s*=[^=]|[})\]];?$|#include|SELECT\b|CREATE\b|gcloud |"
                        r"\$ |@\w+|print\(|\w+\(.*\)\s*;?$)", re.I)
# English function words, plus the everyday ML words of terse technical questions: "Which
# BigQuery ML options end linear model training once loss improvement becomes negligible?" has
# only one function word ("which") among thirteen, and must not be taken for another language.
_ENGLISH = frozenset("""the a an is are was were be been to of and or in on for with how what
which when why who where should can could do does did i you we my our your it this that from
by not if will would use using once than then into over after before all any each only more
most there their they them its has have but so about between without within per at as no new
same other such these those while during becomes become get need needs want run runs
model models data training train option options job jobs pipeline pipelines endpoint feature
features prediction predictions service team loss accuracy metric metrics best default
maximum minimum limit number many much time""".split())
# Function words of the languages candidates most often paste in (German, Spanish, French,
# Portuguese, Italian, Dutch, Indonesian); English words they share ("in", "a") are left out.
_FOREIGN = frozenset("""ich die der das und nicht ist wie kann mit von für ein eine zu wir sie
el los las que y cómo como para por con una es qué puedo debo hago
le les des est et pour avec une comment dans je nous quel quelle puis dois
os do da não em um uma posso devo
il gli che di per non sono posso devo
hoe ik het een van op voor niet wat waarom
bagaimana cara yang dan untuk dengan apa saya bisa""".split())
_QUESTION_WORD = re.compile(r"\?|^\s*(how|what|which|when|why|who|where|should|can|could|do|does|"
                            r"is|are|explain|compare|list|describe|tell)\b", re.I | re.M)


@dataclass(frozen=True)
class Screened:
    question: str  # the text to answer (code lines removed when prose asks about them)
    reply: str | None = None  # set: answer with this line instead


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


def _non_english(text: str) -> bool:
    words = _words(text)
    if len(words) < 4:
        return False
    letters = [ch for ch in text if ch.isalpha()]
    non_latin = sum(1 for ch in letters if ord(ch) > 0x24F) / max(1, len(letters))
    if non_latin > 0.3:
        return True
    n_english = sum(1 for w in words if w in _ENGLISH)
    n_foreign = sum(1 for w in words if w in _FOREIGN)
    english = n_english / len(words)
    accented = sum(1 for ch in letters if 0xC0 <= ord(ch) <= 0x24F) / max(1, len(letters))
    # Few English words is not enough on its own: a terse technical question ("online vs batch
    # inference?") has none. Another language also shows its own function words or accents.
    return ((english < 0.08 and (n_foreign >= 1 or accented > 0.01))
            or (english < 0.15 and accented > 0.01)
            or (n_foreign >= 2 and n_foreign > n_english))


def screen(question: str) -> Screened:
    q = question.strip()
    if _GREETING.match(q):
        return Screened(q, "Hello! Ask me a question about the PMLE exam or a Google Cloud ML "
                           f"service, for example {EXAMPLE}")
    lines = [ln for ln in q.split("\n") if ln.strip()]
    if len(lines) >= 3:
        bullets = sum(1 for ln in lines if _BULLET.match(ln))
        code = sum(1 for ln in lines if _CODE_LINE.match(ln) or ln.startswith(("    ", "\t")))
        prose = [ln for ln in lines if not _CODE_LINE.match(ln) and not ln.startswith(("    ", "\t"))
                 and not ln.strip().startswith("```")]
        if bullets >= len(lines) - 1 and not _QUESTION_WORD.search(q):
            return Screened(q, "That looks like a list without a question; ask what you want "
                               "to know about it, for example " + EXAMPLE)
        if code >= max(2, len(lines) // 2):
            asked = " ".join(ln.strip() for ln in prose)
            if _QUESTION_WORD.search(asked) and len(_words(asked)) >= 3:
                return Screened(asked)
            return Screened(q, "That looks like code without a question; ask what you want to "
                               "know about it, for example \"How do I run this training code "
                               "on Vertex AI?\"")
    if _non_english(q):
        return Screened(q, "I can answer only in English, from English study material; please "
                           "ask the question in English.")
    return Screened(q)
