"""What a question asks for, and what a sentence is: the answer shape's vocabulary.

The extractive composer builds answers a tutor would write: the direct answer first (for an
exam scenario, the recommended service by name), then one to three supporting sentences, then
at most one caveat. To do that it needs to know the kind of question, the scenario
constraints that decide exam answers (where the data lives, the team's skills, least
operations, latency, cost, scale, compliance, labels or GPUs missing), and the role of each
candidate sentence (a decision rule, an exam cue quoting a scenario, a trap, a meta sentence
about the guide or a product's name).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from assistant.answer.text import UMBRELLA, content_terms, question_sentences, the_ask

__all__ = ["QuestionKind", "Constraint", "CONSTRAINTS", "question_kind", "constraints_in",
           "SentenceRole", "sentence_role", "cue_quote", "asks_about_names", "asks_about_guide",
           "asks_about_traps", "asks_for_confirmation", "is_logistics", "cue_quotes",
           "LOGISTICS_PAGE", "decision_subject", "contrasting", "argues_against", "quote_match",
           "preferred_option", "DEFINE_AND", "mentions_exam", "quotes", "asks_why", "cue_match",
           "STATES_FIX", "STATES_CAUSE", "CAUSE_LEAD"]

QuestionKind = Literal["definition", "choose", "scenario", "howto", "number", "yesno", "list",
                       "logistics", "other"]

LOGISTICS_PAGE = "https://cloud.google.com/learn/certification/machine-learning-engineer"

_WHY_Q = re.compile(r"\bwhy\b|\bwhat (is|could be) (the )?(likely |most likely )?(cause|reason)|"
                    r"\bwhat causes\b|\bwhat is happening\b", re.I)
# "must explain to auditors why each claim was flagged": "why" as the object of a verb says
# what the scenario needs, it does not ask for a cause.
_WHY_OBJECT = re.compile(r"\b(explain|understand|see|know|show|tell|record|justify)\w*\s+"
                         r"(?:to\s+\w+\s+)?why\b", re.I)


def asks_why(question: str) -> bool:
    """The question asks for a cause ("Why?", "What is the likely cause?"): in a sentence that
    asks (one ending in "?", else the last one), and not as "explain why ..." ."""
    parts = question_sentences(question)
    asks = [x for x in parts if x.rstrip().endswith("?")] or parts[-1:]
    return any(_WHY_Q.search(_WHY_OBJECT.sub(" ", x)) for x in asks)

_SCENARIO_ASK = re.compile(
    r"(what should (you|they|we|i|the \w+) (do|use|recommend|choose|try)|which (approach|option|"
    r"service|product|solution|tool|method|strategy|architecture)\b[^?]*\b(should|would|best|is)|"
    r"what (is|would be) the (best|most|recommended|simplest|fastest|cheapest)|what do you "
    r"recommend|how should (you|they|we|it|the \w+)|what ([\w-]+ )?(service|product|approach|option|"
    r"method|strategy|technique|tool) should)",
    re.I)
_CHOOSE = re.compile(r"\b(when should|when (do|would) (i|you|we) (use|choose|pick)|which\b|"
                     r"instead of|rather than|\bvs\.?\b|versus|compared? (to|with)|or\b.*\?$|"
                     r"choose|prefer|difference between)", re.I)
_DEFINITION = re.compile(r"^\s*(what\s+(is|are|does)\b(?!.*\b(best|difference|limit|default|"
                         r"maximum|minimum)\b)|define\b|meaning of\b|what's\b)", re.I)
# "What is a good way to handle class imbalance?" asks how, not what something is.
_HOWTO = re.compile(r"^\s*(how (do|can|should|would|to)|what are the steps|steps to|how is|"
                    r"what(?:'s| is| are) (?:an?|the) (?:\w+ ){0,2}(?:ways?|approach(?:es)?|methods?|"
                    r"practices?|steps?) (?:to|for)\b|"
                    r"what (?:do|does|must) (?:i|we|you|they) (?:need to |have to )?do\b)", re.I)
_NUMBER = re.compile(r"\b(how (many|much|long)|limit|maximum|minimum|default|quota|at most|"
                     r"at least|what percentage|how often)\b", re.I)
_YESNO = re.compile(r"^\s*(can|could|does|do|is|are|should|will|would|must|may)\b", re.I)
_LIST = re.compile(r"^\s*(list\b|name\b|what are (the|some)\b.*\b(types|kinds|steps|components|"
                   r"ways|options|stages|phases|metrics|domains|sections|sources|causes|categories|"
                   r"forms|factors|signs|symptoms|reasons|benefits|advantages|drawbacks|risks|"
                   r"principles|practices|controls|parts|modes)\b)", re.I)
_LOGISTICS = re.compile(
    r"\b(exam|certification|certificate|test center|proctor\w*)\b.*\b(cost|fee|price|pay|"
    r"register|registration|retake|reschedul\w*|schedul\w*|online|onsite|language|languages|"
    r"duration|minutes|hours|how long|valid|validity|renew\w*|recertif\w*|passing|score|"
    r"questions|id|identification|voucher|discount|refund|badge|result)s?\b|"
    r"\b(retake policy|recertification|passing score|exam fee|exam voucher|kryterion|webassessor)\b",
    re.I)
_NAMES_Q = re.compile(r"\b(name|names|named|called|renamed|rename|formerly|old name|new name)\b",
                      re.I)
_GUIDE_Q = re.compile(r"\b(exam guide|guide|syllabus|section|subsection|domain|weight|weights|"
                      r"objective|blueprint|revision|(exam|pmle) (still )?(covers?|include|includes|"
                      r"tests?|asks? about))\b", re.I)
_TRAP_Q = re.compile(r"\b(trap|traps|mistake|mistakes|wrong|pitfall|pitfalls|avoid|distractor)\b",
                     re.I)


def is_logistics(question: str) -> bool:
    return bool(_LOGISTICS.search(question))


_EXAM_Q = re.compile(r"\b(exam|certification|test cent(er|re)|testing room|proctor\w*|pmle)\b", re.I)


def mentions_exam(question: str) -> bool:
    """The question is about the exam itself (its rooms, proctors, retakes), not its topics."""
    return bool(_EXAM_Q.search(question))


def asks_about_names(question: str) -> bool:
    return bool(_NAMES_Q.search(question))


def asks_about_guide(question: str) -> bool:
    return bool(_GUIDE_Q.search(question))


# "We dropped the gender column, so the model is fair now, right?": the asker states a belief
# and wants it checked. The belief is often the exam trap, so the sentence that names the trap
# answers it, and the question is a yes/no question whatever its first word.
_CONFIRM = re.compile(r"(,\s*|\b(is|am) (that|this|i) )(right|correct|true|isn'?t (it|that)|"
                      r"aren'?t (they|we)|doesn'?t (it|that)|won'?t (it|that)|agreed)\s*\?\s*$",
                      re.I)


def asks_for_confirmation(question: str) -> bool:
    return bool(_CONFIRM.search(question.strip()))


def asks_about_traps(question: str) -> bool:
    return bool(_TRAP_Q.search(question)) or asks_for_confirmation(question)


# "What is RAG and when should I use it?": the definition comes first, the rest follows it.
DEFINE_AND = re.compile(r"^\s*what(?:'s| is| are)\s+(?!wrong|going|happening|the (?:problem|issue|cause|best|"
                        r"difference|reason|right|likely|most|root|main|probable|underlying))(?:an?\s+|the\s+)?((?:[^\s?,]+\s+){0,3}?[^\s?,]+)\s*,?\s+and\s+"
                        r"(?:when|why|how|where|what)\b", re.I)


def question_kind(question: str) -> QuestionKind:
    q = question.strip()
    words = len(q.split())
    if is_logistics(q):
        return "logistics"
    last = the_ask(q)
    if DEFINE_AND.search(last):
        return "definition"
    if _SCENARIO_ASK.search(last) or (words > 30 and _SCENARIO_ASK.search(q)):
        return "scenario"
    if _HOWTO.search(last):
        return "howto"
    if _LIST.search(last):
        return "list"
    if _NUMBER.search(last) and not _CHOOSE.search(last):
        return "number"
    if _CHOOSE.search(last):
        return "choose" if words <= 30 else "scenario"
    if _DEFINITION.search(last):
        return "definition"
    if _YESNO.search(last) or asks_for_confirmation(last):
        return "yesno"
    return "scenario" if words > 30 else "other"


@dataclass(frozen=True)
class Constraint:
    """A scenario constraint: how the question states it, which sentences honour it, and
    (optionally) which sentences contradict it."""

    name: str
    question: re.Pattern[str]
    supports: re.Pattern[str]
    contradicts: re.Pattern[str] | None = None


def _r(p: str) -> re.Pattern[str]:
    return re.compile(p, re.I)


CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint("data in BigQuery",
               _r(r"\b(in|from|stored in|lives? in|already in) bigquery\b|bigquery (table|data"
                  r"|dataset)s?\b"),
               _r(r"\bbigquery\b"), _r(r"\bcsv\b|cloud storage bucket")),
    Constraint("SQL skills, little ML expertise",
               _r(r"\bno (ml|machine learning|data scien\w+)\b|little (ml |machine learning )?"
                  r"(expertise|experience)|\b(sql|data) analysts?\b|knows? sql|sql skills|"
                  r"limited (ml|machine learning)|without (ml|machine learning) (expertise|"
                  r"experience)|not ml experts|no data scientists"),
               _r(r"\bsql\b|little (ml )?expertise|no-code|low-code|without (writing )?code|"
                  r"minimal code|automl")),
    Constraint("least effort or operations",
               _r(r"least (operational|management|effort|overhead|amount)|minimi[sz]e (the )?"
                  r"(operational|management|effort|code|overhead|maintenance)|(reduce|lower|cut)"
                  r" (the )?(operational|management|maintenance) (overhead|burden|effort|work)|"
                  r"operational overhead|quickly|fastest|as soon as possible|minimal (code|"
                  r"effort)|low[- ]code|no[- ]code|fully managed|serverless|without managing|"
                  r"(upgrades?|node management|patching)[^.?]*(time|burden|effort)"),
               _r(r"(?<!self-)(?<!self )managed|serverless|minimal|least|no infrastructure|quick|"
                  r"without managing|one `?create model|no code|low-code"),
               _r(r"self-managed|self-hosted|on your own (gke|kubernetes|cluster)|you install, "
                  r"upgrade|install, upgrade and secure")),
    # "The two developers have no Kubernetes experience": a classic exam cue against GKE. Rules
    # for teams that already run Kubernetes ("Choose GKE when a platform team already runs
    # Kubernetes ...") are another scenario's answer. ("without moving the GKE model" is not
    # about skills: the words after the denial must not be a GKE model or cluster.)
    Constraint("no Kubernetes skills",
               _r(r"\b(?:no|not|never|nor|without)\b(?:\s+[\w-]+){0,4}?\s+(?:kubernetes|gke|k8s)\b"
                  r"(?!\s+(?:model|cluster that))"),
               _r(r"serverless|fully managed|managed (?:service|endpoint|pipeline)|vertex ai "
                  r"(?:pipelines|endpoints?)|cloud run"),
               _r(r"\bchoose (?:a |an )?(?:self-managed |vllm on )?(?:gke|kubernetes|kubeflow on gke)\b|"
                  r"\b(?:gke|kubernetes) when\b|\balready runs? kubernetes\b|"
                  r"\bon (?:gke|google kubernetes engine)\b")),
    Constraint("latency",
               _r(r"latency|real[- ]time|milliseconds|\b\d+ ?ms\b|low-latency|in real time"),
               _r(r"latency|real[- ]time|online|milliseconds")),
    Constraint("cost",
               _r(r"\bcost|cheap|budget|expensive|minimi[sz]e spend|lowest price|pay nothing|"
                  r"(costs?|pay) (little|nothing)|when (it is )?idle|scale to zero"),
               _r(r"\bcost|cheap|spot|preemptible|pay only|billing|scale to zero|idle|pay per use|"
                  r"rare|spiky")),
    Constraint("scale",
               _r(r"petabyte|terabyte|\b\d+ ?(tb|pb)\b|millions of|billions of|large[- ]scale|"
                  r"at scale|huge"),
               _r(r"scale|large|distributed|petabyte|terabyte|parallel")),
    Constraint("compliance or network",
               _r(r"complian\w+|regulat\w+|hipaa|\bpii\b|private|vpc|public internet|exfiltrat"
                  r"\w+|sensitive(?! data protection)|gdpr|residency|perimeter|must not leave"),
               _r(r"vpc|private|public internet|cmek|complian\w+|regulated|service controls|"
                  r"\bdlp\b|sensitive(?! data protection)|perimeter|residency")),
    Constraint("labels late or missing",
               _r(r"labels? (arrive|are available|come|becomes? available|are collected)[^.?]*"
                  r"(late|later|after|delay\w*|weeks?|days?|months?)|delayed labels?|no labels|"
                  r"without labels|unlabel+ed|labels? (are|is) (slow|delayed|scarce|missing|"
                  r"unavailable|not available)|ground[- ]truth[^.?]*(late|after|delay\w*|weeks?|"
                  r"days?|months?)|(known|confirmed|learns?|revealed|settled)[^.?]{0,60}"
                  r"(weeks?|months?|days?) (later|after)|only after [^.?]{0,80}\b(weeks?|months?|"
                  r"days?)\b"),
               _r(r"labels (are|come back) slow|without (ground-truth )?labels|before labels|"
                  r"no labels|unlabel+ed|distribution|\bdrift\b|\bskew\b|feature attribution"),
               _r(r"label-based|(?:requires|needs) ground-truth labels|labels come back quickly|"
                  r"accuracy keeps falling|joins? (?:them|predictions) with (?:the )?(?:ground-truth )?"
                  r"labels|(?:when|once|after) (?:the )?(?:ground-truth )?labels arrive")),
    # Nothing was ever labelled (not "labels arrive late"): a rule for labelled history
    # ("predict whether" with labeled history -> a classifier) is another scenario's answer.
    Constraint("no labels at all",
               _r(r"\b(never|not) (been |yet )?(label+ed|annotated|tagged)|"
                  r"\b(nobody|no one|no-one) (has |have )?(ever )?(label+ed|annotated|tagged|confirmed)|"
                  r"(has|have|had) never "
                  r"(been )?(label+ed|annotated|confirmed)|no label+ed (examples|data|history|"
                  r"records|rows)(?! (is|are) needed)|no (ground[- ]truth|labels) (exists?|at all)"),
               _r(r"without (any )?labels|no labels|unlabel+ed|unsupervised|cluster|anomal"),
               _r(r"label+ed (history|examples|data)(?! (is|are) (not )?needed)|with labels\b|"
                  r"(needs?|requires?) (ground-truth )?labels")),
    Constraint("little training data",
               _r(r"no (training )?data|little (labeled |training )?data|few (labeled )?"
                  r"examples|small (labeled )?dataset|hundreds of (images|examples|rows)"),
               _r(r"pre-?trained|transfer learning|foundation model|\bapi\b|few-shot|"
                  r"fine-tun\w+|small")),
    Constraint("GPUs unavailable",
               _r(r"no gpus?|without gpus?|gpus? (are )?(not available|unavailable|scarce)|"
                  r"cpu[- ]only|no accelerators?"),
               _r(r"\bcpu|no accelerator|without (a )?gpu"), _r(r"\b(a100|h100|gpu cluster)\b")),
)


# "Nobody needs an individual prediction in real time": the clause states that the requirement
# is absent, so the constraint it names is not the question's.
_NOT_NEEDED = re.compile(r"\b(nobody|no one|no-one) (needs?|requires?|wants?|expects?)\b|\bno (need|"
                         r"requirement)\b|\b(does|do|did)(n't| not) (need|require)\b|\bnot (needed|"
                         r"required|necessary|a requirement)\b|\bneed not\b", re.I)


def _stated(pattern: re.Pattern[str], question: str) -> bool:
    """The pattern matches somewhere that its own clause does not say is not needed."""
    for m in pattern.finditer(question):
        start = max(question.rfind(sep, 0, m.start()) for sep in ".;?!,")
        clause = question[start + 1:m.start()]
        if not _NOT_NEEDED.search(clause):
            return True
    return False


def constraints_in(question: str) -> list[Constraint]:
    """The constraints the question states. One whose contradicting words the question also
    uses ("trained from a BigQuery table ... when I feed it CSV files") contradicts nothing:
    the question is about both sides, so a sentence about the other side may answer it."""
    return [replace(c, contradicts=None) if c.contradicts is not None and
            c.contradicts.search(question) else c
            for c in CONSTRAINTS if _stated(c.question, question)]


SentenceRole = Literal["decision", "cue", "trap", "meta", "plain"]

_CUE_S = re.compile(r"^(scenario|exam) cues?:", re.I)
# '"Tuning finishes but shows no metric values" points to ...': an exam cue without the label.
# It quotes a scenario, so it helps only when the question describes that scenario.
_QUOTED_CUE = re.compile(r"^(\(\w+ \d{4} guide\) )?[\"\u201c][^\"\u201d]{8,300}[\"\u201d][^.;:]{0,80}"
                         r"\b(points?|argues?|suggests?|signals?|calls? for)\b|"
                         r"^scenario (phrases|cues|wording)\b[^.]{0,80}\b(include|are)\b", re.I)
_TRAP_S = re.compile(r"^(trap|common mistake|pitfall)s?\b:?", re.I)
_META_S = re.compile(r"^(naming:|(sub)?section \d|in the (june 2026|october 2024) (guide|revision)"
                     r"|(this|these) (notes?|pages?|files?) (covers?|explains?|describes?|follow|"
                     r"summari[sz]es?|are filed))"
                     r"|\b(sub)?section \d+(\.\d+)? of the (june 2026 |october 2024 |current )?"
                     r"(pmle )?(exam )?guide\b|\bguide asks candidates\b|\basks candidates to\b"
                     r"|\bwhich exam guide names\b|\bguide's name for\b|\bis the name google gave\b"
                     # the guide's history: "The October 2024 exam guide explicitly asked ...",
                     # "Colab Enterprise first joined the PMLE guide in October 2024"
                     r"|^the (june 2026|october 2024|2020) (pmle )?(exam )?guide\b|\bjoined the (pmle )?"
                     r"(exam )?guide\b|\basked candidates\b"
                     # what the exam's questions probe: "Gemini tuning questions usually test
                     # whether tuning is needed at all" says nothing about tuning itself
                     r"|\bquestions (?:usually |often |also )?(?:test whether|test directly|ask which)\b"
                     r"|\bthat exam questions test\b", re.I)
_DECISION_S = re.compile(r"^(choose|prefer|pick|use|reach for|go with)\b|\b(fits|suits|wins|is the "
                         r"(right|best|better|simplest) (choice|answer|option|fit))\b|\bpoints? to\b|"
                         r"\bover\b[^.]{3,60}\bwhen\b|\binstead of\b|\brather than\b|\bwhen (the|a|"
                         r"you|your|data|labels|training)\b", re.I)


def sentence_role(text: str) -> SentenceRole:
    if _CUE_S.search(text) or _QUOTED_CUE.search(text):
        return "cue"
    if _TRAP_S.search(text):
        return "trap"
    if _META_S.search(text):
        return "meta"
    if _DECISION_S.search(text):
        return "decision"
    return "plain"


_QUOTE = re.compile(r"[\"\u201c]([^\"\u201d]{8,300})[\"\u201d]")


def quotes(text: str) -> list[str]:
    """Every quoted phrase of 8 to 300 characters, in order."""
    return [m.group(1) for m in _QUOTE.finditer(text)]


def cue_quote(text: str) -> str:
    """The scenario an exam cue quotes ("... 'a small team ... CSV file' points to AutoML")."""
    return cue_quotes(text)[0]


def cue_quotes(text: str) -> list[str]:
    """Every scenario a cue quotes (a cue sentence may list several phrases); the text before
    "points to" when it quotes none."""
    found = quotes(text)
    if found:
        return found
    head = re.split(r"\bpoints? to\b", text, maxsplit=1)[0]
    return [_CUE_S.sub("", head)]


_CONTRAST_HEAD = re.compile(r"^(?:choose|prefer|pick|use|reach for|go with)\s+(?:an?\s+|the\s+)?"
                            r"([^,;:]{3,60}?)\s+(?:when|over|for|if|instead|rather|because|"
                            r"whenever)\b", re.I)


def decision_subject(text: str) -> str | None:
    """What a decision rule recommends ("Choose Dataflow over BigQuery SQL when ..." ->
    "dataflow"), lower-cased; None for other sentences."""
    m = _CONTRAST_HEAD.search(text)
    return m.group(1).lower() if m else None


_RIVAL = re.compile(r"^(?:choose|prefer|pick|use|reach for|go with)\s+[^,;:]{3,60}?\s+(?:over|instead of|"
                    r"rather than)\s+(?:an?\s+|the\s+)?([^,;:]{3,60}?)\s+(?:when|for|if|because|"
                    r"whenever|in|where)\b", re.I)


def argues_against(text: str, question_terms: set[str]) -> bool:
    """A rule "Choose A over B when ..." whose B is what the question asks about and whose A it
    does not name: "Choose a scheduled notebook over a Vertex AI Pipelines run for light
    work" answers "How do I schedule a Vertex AI pipeline?" with something else."""
    rival = _RIVAL.search(text)
    subject = decision_subject(text)
    if not rival or subject is None:
        return False
    a, b = set(content_terms(subject)), set(content_terms(rival.group(1)))
    own_a, own_b = a - b, b - a
    if not own_a or not own_b:
        return False
    return len(own_b & question_terms) / len(own_b) >= 0.6 and \
        len(own_a & question_terms) / len(own_a) < 0.5


def contrasting(a: str, b: str) -> bool:
    """Two decision rules that recommend different things: they state the deciding condition
    between two approaches, they do not repeat each other."""
    sa, sb = decision_subject(a), decision_subject(b)
    return sa is not None and sb is not None and sa != sb


_PREFERRED = re.compile(r"\b(?:use|choose|pick|prefer|serve [^?]{0,40}? on|run [^?]{0,40}? on|go with)"
                        r"\s+(.{3,60}?)\s+(?:instead of|over|rather than)\s+(.{3,60}?)(?:[?.,]|$)",
                        re.I)


def preferred_option(question: str) -> tuple[set[str], set[str]] | None:
    """"When should I use X instead of Y?": the terms of X (asked about) and of Y."""
    m = _PREFERRED.search(question)
    if not m:
        return None
    x, y = set(content_terms(m.group(1))), set(content_terms(m.group(2)))
    # "Vertex AI Search instead of RAG Engine": the umbrella words name neither option.
    x, y = x - UMBRELLA, y - UMBRELLA
    return (x - y, y - x) if x - y else None


_COMMON_IDF = 2.0
_HOW_MUCH = re.compile(r"\bhow (?:much|many|long|often)\b", re.I)


def quote_match(quote: str, question_terms: set[str], idf: dict[str, float],
                idf_of: Callable[[str], float] | None = None) -> float:
    """idf-weighted share of the quoted scenario's terms that the question also has. One
    shared rare word ("compliance") is not the same scenario: a quote of three or more terms
    needs two of them in the question. "How much" in a quote ("predict how much") names a kind
    of question, not a topic: its "much" is no match for "much less accurate"."""
    terms = list(dict.fromkeys(content_terms(_HOW_MUCH.sub(" ", quote))))
    if not terms:
        return 0.0
    w = {t: (idf_of(t) if idf_of is not None else idf.get(t, 3.0)) for t in terms}
    total = sum(w.values()) or 1.0
    shared = [t for t in terms if t in question_terms]
    if len(terms) >= 3 and len(shared) < 2:
        return 0.0
    if len(terms) == 1 and idf_of is not None and w[terms[0]] < _COMMON_IDF:
        return 0.0  # one word the material uses everywhere ("predict") is no scenario
    return sum(w[t] for t in shared) / total


def cue_match(text: str, question_terms: set[str], idf: dict[str, float],
              idf_of: Callable[[str], float] | None = None) -> float:
    """How much of the scenario a cue quotes (``cue_quotes``, the best of them) the question
    also states (``quote_match``). A cue names the answer for its own scenario only: "points
    to" another story is no support for this one (the composer and the coach both read it)."""
    return max(quote_match(q, question_terms, idf, idf_of) for q in cue_quotes(text))


# A sentence that states the fix ("the fix is ..."), or a cause ("usually means", "because").
STATES_FIX = re.compile(r"\b(the (fix|fixes|solution|remedy|cure) (is|are)|fix (this|it) (with|by)|"
                        r"the first fix is)\b", re.I)
# "... a script that exits makes the container stop immediately": what brings the symptom about.
_MAKES_FAIL = r"makes? (the |a |it )?([\w'-]+ ){0,2}(stop|fail|crash|exit|hang|restart)"
STATES_CAUSE = re.compile(r"\b(usually means|often means|because|caused by|comes? from|the cause is|"
                          rf"the reason is|is due to|results? from|the likely cause|{_MAKES_FAIL})\b",
                          re.I)
# A cause of a symptom, without "because" ("Caching works because ..." explains a mechanism).
CAUSE_LEAD = re.compile(r"\b((usually|often|typically|most often|almost always) (means|comes? from|"
                        r"results? from|points? to)|(is|are) caused by|(the|a) (likely |common |"
                        rf"usual )?(cause|reason) is|(is|are) due to|results from|{_MAKES_FAIL})\b",
                        re.I)
