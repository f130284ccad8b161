"""The stem of a pasted multiple-choice question, for the practice-question coach: the sentence
that asks (without its "(Choose two.)"), and the constraint of the scenario that decides between
the options ("labels arrive late", "least operational overhead"), named in every verdict."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.answer.base import TermStats
from assistant.answer.text import NEGATION, content_terms

__all__ = ["ask_sentence", "deciding_constraint", "negative_ask", "excluded_terms",
           "constraint_phrases", "missing_things", "required_terms", "without_choose_note"]

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
_CHOOSE = re.compile(r"\(?\b(choose|select|pick)\b[^.?!)]*[.)]?\)?", re.I)


def without_choose_note(stem: str) -> str:
    """The stem without its "(Choose two.)" note, whose words are not the scenario's."""
    return _CHOOSE.sub(" ", stem)


def _stem_sentences(stem: str) -> list[str]:
    """The stem's sentences, without its "(Choose two.)" instruction."""
    return [p.strip() for p in _SENT.split(without_choose_note(stem)) if p.strip()]


def ask_sentence(stem: str) -> str:
    """The sentence that asks (usually the last one with a question mark)."""
    parts = _stem_sentences(stem)
    for p in reversed(parts):
        if p.endswith("?"):
            return p
    return parts[-1] if parts else stem


def required_terms(stem: str) -> set[str]:
    """Content terms of what the scenario states it needs: its sentences before the ask that
    carry no negation ("Feature values must reach the online store continuously"). A sentence
    with a negation ("must not leave the project") states a limit, not a capability to have."""
    ask = ask_sentence(stem)
    out: set[str] = set()
    for part in _stem_sentences(stem):
        if part != ask and not NEGATION.search(part):
            out.update(content_terms(part))
    return out


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
    text = without_choose_note(stem)
    pieces = re.split(r"(?<=[.;?!])\s+|,\s+(?:and|but|so|while|because)\s+|;\s*|,\s+(?=which|"
                      r"where|so that|but)", text)
    out = []
    for p in pieces:
        p = p.strip(" ,.;")
        if len(p.split()) >= 3:
            out.append(p)
    return out


# Requirements that decide most exam questions, as people write them in stems. Each entry is a
# pattern whose match is quoted as the deciding constraint (so it is the stem's own words), and
# the words the study material uses when it speaks to that requirement.
_W = r"(?:[\w'/-]+ ){0,3}"


def _tail(n: int) -> str:
    """Up to ``n`` more whole words of the same clause."""
    return r"(?: (?!and\b|but\b|so\b|which\b|because\b)[\w'/%-]+){0," + str(n) + "}"
# A strong requirement ("least operational overhead") usually decides the question; a weak one
# ("every day", "streams") is only named when the deciding sentence speaks to it.
_CATALOGUE: tuple[tuple[re.Pattern[str], str, bool], ...] = tuple(
    (re.compile(p, re.I), words, strong) for p, words, strong in (
        (r"\b(?:least|lowest|minimal|minimum|minimi[sz]e\w*|less|little|no|without)\s+" + _W +
         r"(?:operational|operations|ops|management|infrastructure|maintenance|platform)\s*"
         r"(?:overhead|effort|work|burden)?", "managed serverless overhead infrastructure", True),
        (r"\b(?:stop|without|not want to|doesn't want to|does not want to|no one to|nobody to)\s+"
         + _W + r"(?:manag\w*|run\w*|maintain\w*|operat\w*|provision\w*)\s+" + _W +
         r"(?:infrastructure|servers?|clusters?|kubernetes|gke|vms?)\b",
         "managed serverless infrastructure cluster", True),
        (r"\bfully managed\b|\bserverless\b", "managed serverless", False),
        (r"\b(?:ground[- ]truth|true|confirmed|actual)?\s*\w*\s*labels?\s+(?:\w+ ){0,3}"
         r"(?:arrive|are available|become available|come|are known|show up)\w*\s+" + _W +
         r"(?:late|later|after|weeks?|months?|days?)\b" + _tail(3),
         "label delay ground truth skew drift distribution", True),
        (r"\b(?:delayed|late|missing|no)\s+(?:ground[- ]truth|labels)\b",
         "label delay ground truth skew drift distribution", True),
        (r"\b(?:no|little|limited|without|lacks?)\s+" + _W + r"(?:ML|machine[- ]learning|data "
         r"science|data scientists?|ML engineers?|modeling)\s*(?:expertise|experience|skills|"
         r"knowledge|staff|team|engineers)?\b", "automl pretrained api code expertise", True),
        (r"\bno one with \w+(?: \w+)? (?:experience|expertise|skills)\b",
         "managed expertise experience", True),
        (r"\b(?:SQL[- ]only|only (?:in|with|knows?|uses?) SQL|works? only in SQL|from SQL|"
         r"in SQL|using SQL|SQL (?:analysts?|skills|users|team))\b", "sql bigquery ml", True),
        (r"\b(?:data|tables?|rows|features|records|history|logs)\b[^.;?!]{0,40}?\b(?:in|from|"
         r"into) BigQuery\b", "bigquery", False),
        (r"\b(?:least|minimal|minimum|fewest|no|without|less)\s+" + _W + r"(?:custom |new )?"
         r"(?:code|coding|code changes)\b|\bwithout chang\w+ (?:the )?" + _W + r"code\b|"
         r"\bkeep (?:its|their|the) existing " + _W + r"code\b", "code managed prebuilt", True),
        (r"\b(?:low|lowest|strict|minimal|minimi[sz]e|sub-second|single-digit|\d+[- ]?"
         r"(?:ms|millisecond))\s+" + _W + r"latency(?: budget)?\b|\blatency (?:budget|target)"
         r"(?: [\w-]+){0,3}|\breal[- ]time\b|\bwithin (?:the|a|each) (?:\w+ )?request\b|"
         r"\bwithin (?:seconds|milliseconds)\b", "online latency endpoint real time", True),
        (r"\b(?:nightly|overnight|every (?:morning|night|day|week|month|monday)|once a "
         r"(?:day|week))\b(?: (?:workflow|job|run|batch|report))?"
         r"|\bno(?:body| one)? needs? (?:a )?(?:score|prediction)s? "
         r"within \w+", "batch schedule", False),
        (r"\b(?:lowest|minimi[sz]e\w*|reduce|cheap\w*|low|lower|keep\w*|control\w*|save|cut)\s+"
         + _W +
         r"(?:cost|costs|budget|spend|bill)\b" + _tail(4) + r"|\bcost[- ]effective\b|\bsmall "
         r"(?:compute )?budget\b|\bscales? to zero\b|\bbill only for\b" + _tail(3),
         "cost cheaper budget", True),
        (r"\b(?:as )?(?:quickly|fast|soon) as possible\b|\bquickest\b|\bfastest\b|\bquickly\b",
         "quick fast", False),
        (r"\b(?:explainab\w*|interpretab\w*|(?:hard|easy|able) to explain|how each "
         r"(?:input|feature) \w+)\b" + _tail(3),
         "explain interpret attribution", False),
        (r"\b(?:personal|sensitive|confidential|PII|personally identifiable|health|patient)\s+"
         r"(?:data|information|records|fields)\b(?! Protection)|\bde-identif\w*\b" + _tail(2),
         "sensitive data protection de identify personal", False),
        (r"\bleast[- ]privilege\b", "role permission", True),
        (r"\b(?:avoid|without) (?:any )?chang\w* (?:to )?(?:the )?" + _W +
         r"(?:clients?|applications?|apps?|callers?)\b", "endpoint traffic", True),
        (r"\b\d+(?:\.\d+)?% of (?:\w+ ){0,3}(?:customers|transactions|rows|examples|"
         r"users|cases)\b|\bimbalanc\w*|\brare (?:class|event|positive)s?\b",
         "imbalance class weight oversample", False),
        (r"\b(?:only|just) [\d,]+ (?:labeled )?(?:images|photos|examples|rows|records|"
         r"documents)\b|\b[\d,]+ labeled (?:images|photos|examples)\b|\bsmall (?:labeled )?"
         r"(?:dataset|data set)\b|\bscarce\b", "small transfer learning pretrained", False),
        (r"\bstream\w*\b" + _tail(4) + r"|\bthrough Pub/Sub\b", "stream dataflow", False),
        (r"\b(?:training[- ]serving skew|drift\w*)\b", "skew drift monitoring", False),
        (r"\b(?:lineage|reproducib\w+|(?:can be |be )?reproduced later|audit trail)\b" + _tail(3),
         "lineage metadata experiments", False),
    ))


def constraint_phrases(stem: str) -> list[tuple[str, str]]:
    """(the stem's own words, the material's words for it) for each catalogued requirement the
    stem states, in stem order."""
    return [(phrase, words) for phrase, words, _ in _catalogued(stem)]


def _catalogued(stem: str) -> list[tuple[str, str, bool]]:
    text = without_choose_note(stem)
    found: list[tuple[int, str, str, bool]] = []
    for pattern, words, strong in _CATALOGUE:
        for m in pattern.finditer(text):
            phrase = m.group(0).strip(" ,.;:")
            if phrase and phrase in stem:
                found.append((m.start(), phrase, words, strong))
    found.sort()
    out: list[tuple[str, str, bool]] = []
    for _, phrase, words, strong in found:
        if not any(phrase in p or p in phrase for p, _, _ in out):
            out.append((phrase, words, strong))
    return out


# A clause that says what someone wants or lacks ("reviewers struggle to see which model is
# serving", "do not want to manage drivers") states a requirement in the stem's own words.
_WANTS = re.compile(r"\b(wants?|needs?|requires?|expects?|struggles?|asks?|prefers?|has to|"
                    r"have to)\b", re.I)
_SETTING_PENALTY = 1.5
# A catalogued phrase cut after a function word ("latency budget leaves only a") is a fragment:
# it is extended to the end of its clause, by at most this many words.
_DANGLING = re.compile(r"\b(a|an|the|of|for|to|with|only|in|on|at|by|from|and|or|than|leaves?"
                       r"|is|are)$", re.I)
_EXTEND = 8


def _whole(phrase: str, stem: str) -> str:
    """``phrase`` carried on to the end of its clause when it stops on a function word."""
    if not _DANGLING.search(phrase):
        return phrase
    at = stem.find(phrase)
    if at < 0:
        return phrase
    rest = re.split(r"[,.;:?!]", stem[at + len(phrase):], maxsplit=1)[0].split()
    return phrase if len(rest) > _EXTEND else " ".join([phrase, *rest])


def deciding_constraint(stem: str, sentence: str, stats: TermStats | None) -> str:
    """The stem's requirement that the deciding sentence speaks to. A catalogued requirement
    ("least operational overhead", "labels arrive about 30 days later") is named in the stem's
    own words; otherwise the clause with most shared rare terms, with a bonus for words that
    state a requirement or what someone wants, and a penalty for an opening clause that only
    sets the scene, cut to its core. A phrase cut after a function word runs to its clause end."""
    s_terms = set(content_terms(sentence))

    def idf(t: str) -> float:
        return stats.idf(t) if stats is not None else 1.0

    ask = ask_sentence(stem)
    best, best_score = "", -1.0
    found = _catalogued(stem)
    strong = [(p, w) for p, w, st in found if st]
    for phrase, words in strong or [(p, w) for p, w, _ in found]:
        terms = set(content_terms(phrase)) | set(content_terms(words))
        shared = sum(idf(t) for t in terms & s_terms)
        score = 2.0 * shared + (0.5 if phrase in ask else 0.0)
        if score > best_score:
            best, best_score = phrase, score
    if strong:
        return _whole(best, stem)  # a stated requirement beats a clause sharing more words
    if not best_score > 0:
        best, best_score = "", -1.0  # a weak requirement the sentence does not speak to
    sentences = _stem_sentences(stem)
    opening = _clauses(sentences[0]) if sentences else []
    clauses = _clauses(stem)
    for clause in clauses:
        if clause.rstrip("?") == ask.rstrip("?") and len(clauses) > 1:
            continue  # the ask itself is not a constraint
        terms = set(content_terms(clause))
        if not terms:
            continue
        shared = sum(idf(t) for t in terms & s_terms)
        said = len(_CONSTRAINT_WORDS.findall(clause))
        bonus = 1.5 * said + (1.0 if _WANTS.search(clause) else 0.0)
        if clause in opening and not said:
            # "A telecom company retrains its churn model every month": the opening sets the
            # scene; what decides is what the people in it want, need or cannot do.
            bonus -= _SETTING_PENALTY
        score = shared + bonus
        if score > best_score:
            best, best_score = _core(clause, s_terms, idf), score
    return _whole(best, stem) if best else _core(ask, s_terms, idf)


# Where a long clause divides into phrases: "The model reports 99.5% accuracy, but never predicts
# a defect", "... with every evaluation row later in time than every training row".
_PHRASE = re.compile(r",\s+|\s+(?=(?:and|but|so|because|while|with|that|which|before|after|"
                     r"although|though|yet|whereas|even though)\b)")
_SETTING = re.compile(r"(?:during|after|before|in|at|with|for)\b", re.I)
_LEADING = re.compile(r"^(?:and|but|so|then|because|while|yet|although|though|whereas|"
                      r"even though)\s+", re.I)


def _core(clause: str, s_terms: set[str] | None = None,
          idf: Callable[[str], float] | None = None, limit: int = 14) -> str:
    """A long clause cut to the phrase of it that the deciding sentence speaks to (most shared
    rare terms, plus requirement words), else to ``limit`` words around its first requirement
    word. Whole words of the stem either way, so the quote stays the stem's own; a phrase reads
    as a constraint, a window ending in "..." as a fragment."""
    words = clause.split()
    if len(words) <= limit:
        return clause
    weigh = idf or (lambda t: 1.0)
    best, best_score = "", 0.0
    for piece in _PHRASE.split(clause):
        phrase = _LEADING.sub("", piece.strip(" ,;"))
        if not 4 <= len(phrase.split()) <= limit:
            continue
        terms = set(content_terms(phrase))
        # A phrase that says more (more content terms) reads as the constraint rather than as a
        # fragment of the setting ("a worker pool", "During a review of notebook practices").
        score = sum(weigh(t) for t in terms & (s_terms or set())) + \
            1.5 * len(_CONSTRAINT_WORDS.findall(phrase)) + 0.3 * len(terms) - \
            (1.0 if _SETTING.match(phrase) else 0.0)
        if score > best_score:
            best, best_score = phrase, score
    if best:
        return best
    m = _CONSTRAINT_WORDS.search(clause)
    at = len(clause[:m.start()].split()) if m else 0
    start = max(0, min(at - 4, len(words) - limit))
    return " ".join(words[start:start + limit]) + " ..."


# What the scenario says is not there: "the training data was deleted", "no labeled examples",
# "without GPUs", "has no ML engineers". An option whose method needs one of these is ruled out
# by a sentence that states the need ("skew detection requires access to that training data").
_NP = r"((?:[\w\-]+ ){0,2}[\w\-]+)"
_GONE = re.compile(r"\b(?:the |its |their |any |all )?" + _NP + r" (?:was|were|has been|have been|"
                   r"is|are|had been) (?:deleted|purged|discarded|removed|lost|dropped|"
                   r"unavailable|not available|not retained|not kept|no longer available)\b",
                   re.I)
_NONE = re.compile(r"\b(?:no|without|lacks?|lacking|does not have|do not have|has no|have no)"
                   r" (?!one\b)(?:(?:copy|access|longer) (?:of |to )?)?(?:the |any )?" + _NP + r"\b",
                   re.I)
# "no one has ever labeled customers", "nobody annotated the images": there are no labels.
_UNLABELED = re.compile(r"\b(?:no one|nobody)(?: \w+){0,3}? (?:labell?ed|annotated|tagged)\b", re.I)
_STOP_WORD = re.compile(r"\b(?:and|or|but|so|that|which|to|for|in|on|at|with|by|of|is|are|was|"
                        r"were|be|can|must|should|yet|anymore|remains?|the|a|an|its|their|"
                        r"changing|moving|using|any)\b", re.I)


def missing_things(stem: str) -> list[frozenset[str]]:
    """The content terms of each thing the stem says is absent (see _GONE and _NONE)."""
    out: list[frozenset[str]] = []
    for rx, keep_tail in ((_GONE, True), (_NONE, False)):
        for m in rx.finditer(stem):
            # "... and the training data was deleted": the words after the last stop word;
            # "no labeled data to train on": the words before the first one.
            pieces = _STOP_WORD.split(m.group(1))
            phrase = (pieces[-1] if keep_tail else pieces[0]).strip()
            if re.fullmatch(r"\w+ing", phrase, re.I):
                continue  # "with no training", "without stopping": an activity, not a thing
            terms = frozenset(content_terms(phrase))
            if terms and terms not in out:
                out.append(terms)
    label = frozenset(content_terms("labels"))
    if _UNLABELED.search(stem) and label not in out:
        out.append(label)
    return out
