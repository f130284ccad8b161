"""Polarity for the practice-question coach: whether a sentence of a passage speaks *for* an
option or against it. A sentence that names an option inside a negative scope ("Trap:",
"instead of", "rather than", "does not", "avoid") or corrects it ("the fix is ...") counts
against it; the scopes are bounded (a cue governs a few words) so that a negation elsewhere in
the sentence does not flip it.
"""

from __future__ import annotations

import re

from assistant.answer.text import NEGATION, content_terms

__all__ = ["correction_share", "denied_requirement", "is_trap", "negativity", "positions", "unmet_need",
           "needs", "reverses", "alone_beyond", "option_polarity"]

_NEG_CUE = re.compile(
    r"\b(instead of|rather than|not|never|cannot|can't|doesn't|don't|isn't|aren't|avoid|"
    r"unnecessary|overkill|no longer|deprecated|wrong|mistake|more work|error-prone|"
    r"does not|do not|is not|are not|neither|nor|without needing|optionally|optional|unless)\b", re.I)
_PIVOT = re.compile(r"\b(compared with|compared to|instead|rather|the (right|better|best|correct) "
                    r"answer|the answer is|use|choose|prefer|points? to|whereas|than)\b|;|: ",
                    re.I)
# Where a warning turns into its correction: "...; the fix is to group classes", "the scalable
# choice keeps the data in BigQuery". What follows argues for what it names.
_CORRECTION = re.compile(r"\b(the (\w+ )?(fix|answer|choice|solution|option|approach|way) (is|keeps|"
                         r"uses|changes)|the (right|better|best|correct|scalable) \w+|is to|"
                         r"instead,?|than)\b", re.I)
_NEG_WINDOW = 7  # words after a negative cue that it governs
_FACT_WORDS = 6  # a negation within this many words of a trap's start states a negative fact
# Words that judge what the sentence describes as a poor choice ("... which is slower because
# new replicas must start"). Before a "than", only the part before it is judged.
_PEJORATIVE = re.compile(r"\b(slower|costlier|more expensive|error-prone|fragile|wasteful|"
                         r"harder|riskier|brittle|overkill|unnecessary|needlessly|wrong answer|"
                         r"is the wrong|is wrong|common mistake|anti-pattern)\b", re.I)
_OVER = re.compile(r"\b(?:choose|prefer|pick|use|favou?r)\b[^.;:]{0,80}?\bover\b", re.I)
_TRAP = re.compile(r"^\s*(trap|mistake|pitfall|wrong|common mistake)\b", re.I)
# "Trap: copying the data to every worker wastes disk when the mount already streams it": what
# already does the job is the correction, not part of the trap.
# So is what the situation offers: "Trap: provisioning a GPU endpoint for a model that is
# offered as MaaS adds cost" warns against the endpoint, not against MaaS.
_ALREADY = re.compile(r"\b(?:when|whether)\b[^.;:]{0,60}?\balready\b|\b(?:that|which) (?:is|are) "
                      r"(?:already )?(?:offered|available|provided|sold) as\b", re.I)
_REASON = re.compile(r"\b(?:because|since|whereas|while)\b|;")
# Quoted scenario wording inside a sentence ("'data must not leave the project' points to X").
_QUOTED = re.compile(r"[\"\u201c][^\"\u201d]{1,200}[\"\u201d]")
# Where a correction stops: "the fix is to group classes, not to add training budget".
_CORRECTION_END = re.compile(r",?\s+not\b|\brather than\b|\binstead of\b|;", re.I)


# "Feature monitoring cannot see concept drift": a limit of the subject (monitoring), not a
# verdict on the object (concept drift may well be the cause). The object counts as denied
# only together with the subject ("Model Monitoring detects concept drift").
_PERCEIVE = re.compile(r"^\s*(?:be\s+)?(?:see|detect|catch|notice|show|reveal|measure|capture|spot|"
                       r"observe|tell)\b", re.I)
_Span = tuple[int, int]


def _negative_spans(sentence: str, option_negated: bool
                    ) -> tuple[list[_Span], list[tuple[_Span, _Span]]]:
    """Character spans of the sentence that argue against what they name.

    A "Trap:" clause names the wrong choice, unless the clause itself states a negative fact
    ("Trap: CMEK does not stop exfiltration"): then it is the correction, and an option that
    says the same thing ("CMEK does not stop ...") agrees with it. Likewise an option that
    carries its own negation agrees with a negated statement rather than being ruled out."""
    spans: list[_Span] = []
    limits: list[tuple[_Span, _Span]] = []  # (object, subject) of "X cannot see Y"
    trap = _TRAP.match(sentence)
    if trap:
        start = sentence.find(":") + 1 if ":" in sentence[:24] else trap.end()
        piv = _PIVOT.search(sentence, start + 1)
        end = piv.start() if piv else len(sentence)
        done = _ALREADY.search(sentence, start + 1)
        if done is not None:
            end = min(end, done.start())
        # A quoted excuse ("so work is never interrupted") is the trap's wording, not a fact.
        # Only a negation in the trap's own predicate ("Trap: CMEK does not stop ...") makes
        # it a negative fact; one further on sits in the situation the trap describes ("...
        # when the training data is no longer available", "... that the question never asked
        # for"), and the trap still warns against what it names.
        clause = _QUOTED.sub(" ", sentence[start:end])
        neg = NEGATION.search(clause)
        if neg is None or len(clause[:neg.start()].split()) > _FACT_WORDS:
            spans.append((start, end))
    pej = _PEJORATIVE.search(sentence)
    if pej and not trap:
        than = re.search(r"\b(than|compared with|compared to|instead of|rather than)\b", sentence)
        # "Choose X over Y, because redeploying Y is much slower than ...": a pejorative inside
        # a reason clause judges that clause's own subject, not the choice before it.
        begin = max((k.end() for k in _REASON.finditer(sentence, 0, pej.start())), default=0)
        # It stops at the next ";": "... becomes harder because ...; devices must upload samples"
        # goes on to say what to do.
        semi = sentence.find(";", pej.end())
        end = min(than.start() if than and than.start() > begin else len(sentence),
                  semi if semi >= 0 else len(sentence))
        spans.append((begin, end))
    if option_negated:
        return spans, limits
    # "Choose trees over a DNN ...": what follows "over" is the choice not to make.
    for m in _OVER.finditer(sentence):
        rest = sentence[m.end():]
        stop = re.search(r"[.;:,]|\b(unless|when|if|because|for)\b", rest)
        spans.append((m.end(), m.end() + (stop.start() if stop else len(rest))))
    quoted = [(q.start(), q.end()) for q in _QUOTED.finditer(sentence)]
    for m in _NEG_CUE.finditer(sentence):
        if any(a <= m.start() < b for a, b in quoted):
            continue  # "'data must not leave the project' points to X": the scenario's words
        rest = sentence[m.end():]
        words = list(re.finditer(r"\S+", rest))
        end = m.end() + (words[min(_NEG_WINDOW, len(words)) - 1].end() if words else 0)
        stop = re.search(r"[.;:]|,\s|\bbut\b|\bso\b|\bwhereas\b|\bwhile\b", rest)
        if stop is not None:
            end = min(end, m.end() + stop.start())
        # "X does not Y" denies the pairing of X with Y: the clause's subject is in the scope
        # too, but only for an option that also names what follows the negation (see
        # negativity); an option that only names X is not what the sentence denies.
        head = sentence[:m.start()]
        # "X draws a perimeter so that data cannot be moved": the negation belongs to the
        # purpose clause, whose subject is "data", not X.
        cut = max((k.end() for k in re.finditer(r"[.;:]\s|,\s(?:and|but|while|whereas)\s|"
                                                 r"\b(?:and|while|whereas)\s|"
                                                 r"\bso that\s|,\s?so\s|\bwhich means\s",
                                                 head)),
                  default=0)
        if _PERCEIVE.match(rest):
            limits.append(((m.end(), end), (cut, m.start())))
            continue
        spans.append((m.end(), end))
        spans.append((-cut - 1, -m.start() - 1))  # subject span, marked by negative offsets
    return spans, limits


_WORD_RE = re.compile(r"(?u)\b\w\w+\b")


def is_trap(sentence: str) -> bool:
    """Whether the sentence opens as a warning ("Trap: ...", "Mistake: ...")."""
    return _TRAP.match(sentence) is not None


def positions(sentence: str, terms: set[str]) -> list[tuple[int, str]]:
    out = []
    for m in _WORD_RE.finditer(sentence):
        t = content_terms(m.group(0))
        if t and t[0] in terms:
            out.append((m.start(), t[0]))
    return out


def _share_in(sentence: str, weights: dict[str, float], hit: set[str], start: int,
              end: int) -> float:
    """Weighted share of the option's matched terms that sit in ``sentence[start:end]``."""
    pos = positions(sentence, hit)
    total = sum(weights[t] for _, t in pos) or 1.0
    return sum(weights[t] for p, t in pos if start <= p < end) / total


def correction_share(sentence: str, weights: dict[str, float], hit: set[str]) -> float:
    """Weighted share of the option's matched terms in the correction part of a warning."""
    if not _TRAP.match(sentence) and not re.search(r"\bthe fix is\b", sentence, re.I):
        return 0.0
    m = _CORRECTION.search(sentence)
    if m is None:
        return 0.0
    stop = _CORRECTION_END.search(sentence, m.end())
    return _share_in(sentence, weights, hit, m.end(), stop.start() if stop else len(sentence))


def negativity(sentence: str, weights: dict[str, float], hit: set[str],
                option_negated: bool, stem_terms: frozenset[str] = frozenset()) -> float:
    """Weighted share of the option's matched terms that sit in a negative scope. Terms the
    option shares with the stem describe the scenario, not the choice: they do not count."""
    spans, limits = _negative_spans(sentence, option_negated)
    hit = {t for t in hit if t not in stem_terms}
    if not (spans or limits) or not hit:
        return 0.0
    pos = positions(sentence, hit)
    if not pos:
        return 0.0
    total = sum(weights[t] for _, t in pos) or 1.0
    negative: set[int] = set()
    for i, (a, b) in enumerate(spans):
        if a < 0:
            continue
        inside = [p for p, _ in pos if a <= p < b]
        negative.update(inside)
        # The subject span that follows an object span belongs to the same negation.
        if inside and i + 1 < len(spans) and spans[i + 1][0] < 0:
            sa, sb = -spans[i + 1][0] - 1, -spans[i + 1][1] - 1
            negative.update(p for p, _ in pos if sa <= p < sb)
    for (oa, ob), (sa, sb) in limits:
        obj = [p for p, _ in pos if oa <= p < ob]
        subj = [p for p, _ in pos if sa <= p < sb]
        if obj and subj:
            negative.update(obj + subj)
    neg = sum(weights[t] for p, t in pos if p in negative)
    return neg / total


# "X requires access to the training data", "X needs labels": the need, and the words it governs.
# "needs no training data" states the opposite and is skipped.
_NEED = re.compile(r"\b(?:requires?|required|needs?|depends on|relies on|must have|"
                   r"only works with|cannot work without|works only with)\b(?! no\b| not\b)",
                   re.I)
_NEED_WINDOW = 8  # words after the need that it governs


def needs(sentence: str) -> list[tuple[int, frozenset[str]]]:
    """Each need the sentence states: where it starts, and the content terms of what it
    needs ("requires access to that training data" -> {access, train, data})."""
    out = []
    for m in _NEED.finditer(sentence):
        rest = sentence[m.end():]
        stop = re.search(r"[.;:]|,\s", rest)
        scope = rest[:stop.start()] if stop else rest
        out.append((m.start(), frozenset(content_terms(" ".join(scope.split()[:_NEED_WINDOW])))))
    return out


def unmet_need(sentence: str, weights: dict[str, float], hit: set[str],
               missing: list[frozenset[str]]) -> float:
    """Weighted share of the option's matched terms that sit before a need the scenario cannot
    meet ("skew detection requires access to that training data" when the stem says the
    training data was deleted): 0.0 when the sentence states no such need."""
    if not missing or not hit:
        return 0.0
    for start, scope_terms in needs(sentence):
        if any(thing <= scope_terms for thing in missing):
            return _share_in(sentence, weights, hit, 0, start)
    return 0.0


# "Optimized online serving supports only scheduled sync, not continuous sync", "X does not
# support streaming": a capability the sentence denies to what it names first. When the stem
# requires that capability, the sentence rules out an option that names that subject.
_DENIES = re.compile(r"\b(?:does not|do not|doesn't|don't|cannot|can't|is not able to)\s+"
                     r"(?:support|offer|provide|handle|allow|scale to)\b|"
                     r"(?<=,)\s+not\b", re.I)
_ONLY = re.compile(r"\bonly\b", re.I)
_DENY_WINDOW = 6  # words after the denial that name the capability


def denied_requirement(sentence: str, weights: dict[str, float], hit: set[str],
                       required: set[str], option_terms: set[str]) -> float:
    """Weighted share of the option's matched terms in the subject of a denial whose capability
    the stem requires (``required``: terms of the stem's positive sentences), 0.0 when the
    sentence denies nothing the stem asks for. The option must not name the capability itself:
    "Bigtable online serving with continuous sync" is not what "optimized serving ... not
    continuous sync" denies."""
    if not required or not hit:
        return 0.0
    unquoted = _QUOTED.sub(lambda q: " " * len(q.group(0)), sentence)
    for m in _DENIES.finditer(unquoted):
        subject_end = m.start()
        if m.group(0).strip().lower() == "not":
            # ", not X" denies only after "<subject> supports only Y" (the scenario's own
            # words in quotes do not count), and the subject is what precedes "only".
            only = list(_ONLY.finditer(unquoted[:m.start()]))
            if not only:
                continue
            subject_end = only[-1].start()
        rest = sentence[m.end():]
        stop = re.search(r"[.;:]|,\s|\b(?:but|because|so|which|unless)\b", rest)
        scope = rest[:stop.start()] if stop else rest
        scope_terms = set(content_terms(" ".join(scope.split()[:_DENY_WINDOW])))
        if not scope_terms & required or scope_terms & option_terms:
            continue
        return _share_in(sentence, weights, hit, 0, subject_end)
    return 0.0


# Opposite directions on the same thing: "Increase the replica count ..." against "...,
# or reduce the replica count": the sentence shares the option's words and says the opposite.
_UP = frozenset("increase increasing raise raising more add larger bigger higher longer "
                "lengthen extend enlarge grow".split())
_DOWN = frozenset("reduce reducing decrease decreasing lower lowering fewer less smaller "
                  "shorter shorten shrink cut".split())
_DIRECTION_OBJECT = 3  # the words after a direction word that name what it changes
_WORDS = re.compile(r"[a-z][a-z0-9_\-']*")
_NOT_BEFORE = frozenset("not no never cannot can't don't doesn't won't".split())  # "do not cut"


def _directed(text: str) -> dict[str, set[str]]:
    """Direction ("up"/"down") -> the terms it changes, from each direction word and the
    few words after it."""
    words = _WORDS.findall(text.lower())
    out: dict[str, set[str]] = {"up": set(), "down": set()}
    for i, w in enumerate(words):
        way = "up" if w in _UP else "down" if w in _DOWN else None
        if way is not None and not _NOT_BEFORE & set(words[max(0, i - 2):i]):
            out[way] |= set(content_terms(" ".join(words[i + 1:i + 1 + _DIRECTION_OBJECT])))
    return out


def reverses(option_text: str, sentence: str) -> bool:
    """The sentence moves something the option moves, the other way, and agrees with none of
    the option's directions: "reduce the replica count" against "Increase the replica count"."""
    opt = _directed(option_text)
    sent = _directed(sentence)
    if opt["up"] & sent["up"] or opt["down"] & sent["down"]:
        return False  # "Reduce the batch size, since activations grow with the batch" agrees
    return bool(opt["up"] & sent["down"] or opt["down"] & sent["up"])


# "Trap: raising `minReplicaCount` alone is an expensive way to handle peaks": a warning
# against one step on its own says nothing against that step together with another.
_ALONE = re.compile(r"\b(alone|by itself|on its own|only)\b", re.I)  # not "just": "merely"
_JOINED = re.compile(r",?\s+(?:and|plus|together with|combined with)\s+", re.I)
_UNNAMED = 0.34  # a part the sentence names at most this share of is another step


def alone_beyond(option_text: str, sentence: str, hit: set[str]) -> bool:
    """The sentence warns against a step on its own, and the option joins that step with
    another the sentence does not name: "Raise minReplicaCount and set the autoscaling target
    below the 60% default" against "raising `minReplicaCount` alone is expensive"."""
    if not _ALONE.search(sentence):
        return False
    parts = [set(content_terms(p)) for p in _JOINED.split(option_text)]
    return len(parts) >= 2 and any(p and len(p & hit) <= len(p) * _UNNAMED for p in parts)


def option_polarity(option_text: str, sentence: str, hit: set[str], neg: float,
                    share: float) -> float:
    """The sentence's negativity toward the option, corrected for what the option itself
    says: a sentence that moves the option's thing the other way is against it
    (``reverses``); a warning against one step alone is not against the option that joins it
    with another (``alone_beyond``)."""
    if neg < share and hit and reverses(option_text, sentence):
        return 1.0  # "reduce the replica count" against "Increase the replica count"
    if neg >= share and alone_beyond(option_text, sentence, hit):
        return 0.0
    return neg
