"""The practice-question coach: a verdict on every option of a pasted multiple-choice question,
each with a reason quoted from the passage that decides it.

How an option is judged, from the indexed passages only (never from a practice bank's keys):

1. Retrieval reads the stem with all options, the stem alone, and each option with the stem's
   ask, and keeps the union (at most ``max_passages``), numbered as citations.
2. Every sentence of those passages is scored for every option: the idf-weighted share of the
   option's *distinctive* terms it contains (terms every option shares, or that only echo the
   stem, decide nothing), times how much the sentence and its passage are about the stem's
   situation (its constraints): by shared words, and by meaning (its closest cosine to one
   sentence of the stem, from the sentence vectors built at ingest). A sentence that names an
   option in a negative scope ("Trap:", "instead of", "rather than", "does not", "avoid"), or
   says it needs what the stem says is gone ("requires the training data"), counts against it.
3. The options are ranked by support. The pick is decided when the chosen options lead the
   rest by a margin; otherwise the coach names the options that remain and picks none.

Every option gets a citation: its own best sentence, or, when the material never mentions it,
the sentence that decided the question (that is what rules it out).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from assistant.answer.base import TermStats
from assistant.answer.coach_polarity import (
    correction_share,
    denied_requirement,
    is_trap,
    negativity,
    option_polarity,
    positions,
    unmet_need,
)
from assistant.answer.coach_records import (
    VERDICTS,
    CoachPolicy,
    CoachResult,
    Evidence,
    Judged,
    OptionVerdict,
    Verdict,
)
from assistant.answer.coach_ruleouts import stem_rule_outs
from assistant.answer.coach_stem import (
    ask_sentence,
    constraint_phrases,
    deciding_constraint,
    excluded_terms,
    missing_things,
    negative_ask,
    required_terms,
)
from assistant.answer.coach_writeup import write_up
from assistant.answer.options import MAX_OPTION_WORDS, MCQ
from assistant.answer.shape import cue_match
from assistant.answer.text import NEGATION, content_terms, split_sentences
from assistant.records import Passage

__all__ = ["retrieve_for", "StemMeaning", "Verdict", "OptionVerdict", "CoachResult", "CoachPolicy",
           "judge_options", "ask_sentence", "deciding_constraint", "VERDICTS"]

EXPAND = 0.3  # weight of a requirement's usual wording (see _stem_weights), relative to idf
# --- retrieval ---------------------------------------------------------------------------------


def retrieve_for(mcq: MCQ, search: Callable[[str, int], list[Passage]],
                 max_passages: int | None = None, per_option: int = 2) -> list[Passage]:
    """The union of passages for the whole question, the stem, and each option with the ask,
    renumbered 1..n in that order (the numbers are the citation markers). Every option gets
    its own share, so the last option's evidence is never crowded out by the first ones'."""
    ask = ask_sentence(mcq.stem)
    cap = max_passages or 6 + per_option * len(mcq.options)
    queries: list[tuple[str, int]] = [
        (mcq.stem + " " + " ".join(o.text for o in mcq.options), 4),
        (mcq.stem, 2),
    ]
    queries += [(f"{ask} {' '.join(o.text.split()[:MAX_OPTION_WORDS])}", per_option)
                for o in mcq.options]
    seen: dict[str, Passage] = {}
    for query, k in queries:
        for p in search(query, k):
            if p.chunk.id not in seen and len(seen) < cap:
                seen[p.chunk.id] = p
    return [Passage(p.chunk, i, p.score, p.dense_score, p.bm25_score)
            for i, p in enumerate(seen.values(), start=1)]


# --- scoring -----------------------------------------------------------------------------------

_LITERAL = re.compile(r"[\d_\[\]()/=]|\w-\w|[a-z][A-Z]")


def _literal(text: str) -> tuple[str, ...] | None:
    """A short option that is a code name, a number or an identifier (``workerPoolSpecs[3]``,
    ``gemini-2.0-flash-001``, ``About 120``): it is only supported where each of its coded
    words appears as written. Parentheses around a word are typography, not code:
    "Format-preserving encryption (FPE-FFX)" is found in "... encryption with FPE-FFX"."""
    words = text.split()
    if len(words) <= 4 and _LITERAL.search(text):
        core = []
        for w in words:
            w = w.lower().strip(".,;:")
            if w.startswith("(") and w.endswith(")"):
                w = w[1:-1]
            if w and _LITERAL.search(w):
                core.append(w)
        return tuple(core) if core else None
    return None


def _option_weights(mcq: MCQ, stats: TermStats | None,
                    stem_echo: float = 0.35) -> dict[str, dict[str, float]]:
    stem_terms = set(content_terms(mcq.stem))
    per = {o.label: list(dict.fromkeys(content_terms(" ".join(o.text.split()[:MAX_OPTION_WORDS]))))
           for o in mcq.options}
    out: dict[str, dict[str, float]] = {}
    for label, terms in per.items():
        w: dict[str, float] = {}
        for t in terms:
            x = stats.idf(t) if stats is not None else 1.0
            others = sum(1 for lab, ts in per.items() if lab != label and t in ts)
            x /= 1.0 + 1.5 * others  # a term several options share decides little
            if t in stem_terms:
                x *= stem_echo  # repeating the stem is not evidence
            w[t] = x
        out[label] = w
    return out


_TOKEN = re.compile(r"(?u)\b\w\w+\b")


@dataclass(frozen=True)
class _Sent:
    passage: Passage
    text: str
    terms: frozenset[str]
    rel_p: float  # how much the passage (with its headings) is about the stem
    rel_s: float  # how much the sentence itself is
    tokens: tuple[str, ...] = ()  # the content term of each word ("" for a stop word)


def _stem_weights(mcq: MCQ, stats: TermStats | None) -> dict[str, float]:
    """Stem terms weighted by rarity (the ask's own terms count more). Terms that occur only in
    what the stem rules out ("as opposed to testing code") describe the wrong options, so a
    sentence that shares them is not more relevant for it."""
    ask_terms = set(content_terms(ask_sentence(mcq.stem)))
    excluded = excluded_terms(mcq.stem)
    out = {t: (stats.idf(t) if stats is not None else 1.0) * (1.6 if t in ask_terms else 1.0)
           for t in dict.fromkeys(content_terms(mcq.stem)) if t not in excluded}
    # A stated requirement ("least operational overhead") also makes the words the material
    # uses for it ("managed", "serverless") a little relevant. (Neutral on the dev split, whose
    # stems use the material's own words; meant for stems written elsewhere.)
    for _, words in constraint_phrases(mcq.stem):
        for t in content_terms(words):
            if t not in out and t not in excluded:
                out[t] = EXPAND * (stats.idf(t) if stats is not None else 1.0)
    return out


@dataclass(frozen=True)
class StemMeaning:
    """A vector per sentence of the stem (rows of length 1) and the ingest-time sentence
    vectors (``sentvec.SentenceVectors``). Shared words miss a passage that restates the
    stem in other words ("the training data was deleted" / "drift detection needs no training
    data"); the closest cosine to one stem sentence sees it. Each stem sentence counts on its
    own because a scenario's sentences state different facts, and one whole-stem vector
    blurs them."""

    stem: np.ndarray
    sentences: Any

    def closeness(self, text: str) -> float | None:
        v = self.sentences.get(text)
        if v is None or not len(self.stem):
            return None
        return float(np.max(self.stem @ np.asarray(v, dtype=np.float32)))


def _sentences(mcq: MCQ, passages: Sequence[Passage], stats: TermStats | None,
               meaning: StemMeaning | None = None,
               policy: CoachPolicy | None = None) -> list[_Sent]:
    policy = policy or CoachPolicy()
    weights = _stem_weights(mcq, stats)
    total = sum(weights.values()) or 1.0
    span = max(policy.meaning_hi - policy.meaning_lo, 1e-6)
    out = []
    for p in passages:
        p_terms = set(content_terms(p.chunk.embed_text()))
        rel_p = sum(w for t, w in weights.items() if t in p_terms) / total
        for s in split_sentences(p.chunk.text):
            if len(s.text.split()) < 4:
                continue
            terms = frozenset(content_terms(s.text))
            rel_s = sum(w for t, w in weights.items() if t in terms) / total
            cos = meaning.closeness(s.text) if meaning is not None else None
            if cos is not None and policy.w_meaning > 0:
                sem = min(1.0, max(0.0, (cos - policy.meaning_lo) / span))
                rel_s = (1 - policy.w_meaning) * rel_s + \
                    policy.w_meaning * policy.meaning_scale * sem
            tokens = tuple((content_terms(m.group(0)) or [""])[0]
                           for m in _TOKEN.finditer(s.text))
            out.append(_Sent(p, s.text, terms, rel_p, rel_s, tokens))
    return out


_CLAUSE = re.compile(r";\s+|:\s+|\s+\u2014\s+|\s+-\s+|,\s+(?=(?:and |or |but |while |whereas )?"
                     r"(?:choose|use|pick|prefer)\b)")


_LIST_CLAUSE = re.compile(r",\s+(?:and\s+|or\s+)?")


def _local_rel(sentence: str, option_terms: set[str], stem_w: dict[str, float],
               stem_total: float, split_lists: bool = False) -> float:
    """Stem relevance of the clause(s) of the sentence that hold the option's terms: in a
    sentence that contrasts two choices ("choose X for A; choose Y for B"), each choice is
    judged by its own clause."""
    clauses = [c for c in _CLAUSE.split(sentence) if c.strip()]
    if split_lists:
        clauses = [x for c in clauses for x in _LIST_CLAUSE.split(c) if x.strip()]
    if len(clauses) <= 1:
        return -1.0
    best = -1.0
    top_hits = 0
    for c in clauses:
        terms = set(content_terms(c))
        hits = len(terms & option_terms)
        if hits == 0:
            continue
        rel = sum(w for t, w in stem_w.items() if t in terms) / stem_total
        if hits > top_hits or (hits == top_hits and rel > best):
            best, top_hits = rel, hits
    return best


_VERBS = frozenset("""use run add call host deploy create train store move keep set enable export
build remove write rewrite hire migrate apply configure choose pick switch replace increase lower
reduce retrain schedule split merge upload log monitor watch strip commit stop start send save
give ask tell put turn let make check compare measure evaluate label collect drop delete fine tune
register load read copy shard cache batch stream grant assign give""".split())
_CAPS = re.compile(r"^(?:[A-Z][\w\-]*|AI|ML)$")


def _subject(option_text: str) -> set[str]:
    """Content terms of the product an option starts with ("Cloud Build builds ...", "Vertex
    AI Pipelines runs ..."), or an empty set when it starts with a verb or a common word."""
    words = re.findall(r"[\w\-]+", option_text)
    if not words or words[0].lower() in _VERBS:
        return set()
    run = []
    for w in words:
        if _CAPS.match(w) and (w[0].isupper()):
            run.append(w)
        else:
            break
    distinctive = len(run) >= 2 or (run and re.search(r"[A-Z].*[A-Z]", run[0]))
    return set(content_terms(" ".join(run))) if distinctive else set()


_CODE = re.compile(r"\b[A-Za-z_]\w*\[\d+\]|\b[A-Za-z_][\w.]*\([^)\s]{0,30}\)")


def _code_tokens(option_text: str) -> list[str]:
    """Code written into a longer option (``workerPoolSpecs[2]``, ``dsl.If()``): the digits
    and brackets matter, and word terms drop them."""
    return [m.group(0).lower() for m in _CODE.finditer(option_text)]


_CUE = re.compile(r"\b(points? to|calls? for|is the (right|best|correct) (answer|choice|fit))\b",
                  re.I)


def _share_after(sentence: str, weights: dict[str, float], hit: set[str], start: int) -> float:
    pos = positions(sentence, hit)
    total = sum(weights[t] for _, t in pos) or 1.0
    return sum(weights[t] for p, t in pos if p >= start) / total


def _compactness(tokens: Sequence[str], hit: set[str], n_terms: int) -> float:
    """1.0 when the option's words sit together in the sentence (as a phrase or one clause),
    less when they are scattered over a long sentence: "reduce the per-device batch size ...
    models that do not fit" does not say "reduce the model size"."""
    idx = [i for i, t in enumerate(tokens) if t and t in hit]
    if len(idx) < 2:
        return 1.0
    span = idx[-1] - idx[0] + 1
    room = 3 * max(n_terms, len(hit)) + 2
    return min(1.0, room / span)


_REJECTS = re.compile(r"\b(?:instead of|rather than|in place of)\b", re.I)
_OR = re.compile(r",?\s+or\s+(?=(?:use|run|train|deploy|build|create|enable|switch|add|"
                 r"fine-tune|choose|store|export|call|apply|set|move|keep)\b)", re.I)
_PARTS = re.compile(r";\s+|,\s+(?:and|while|whereas)\s+|\s+(?:while|whereas)\s+")


def _evidence(option_text: str, weights: dict[str, float], sents: Sequence[_Sent],
              stem_w: dict[str, float], policy: CoachPolicy,
              missing: list[frozenset[str]] | None = None,
              required: set[str] | None = None
              ) -> tuple[Evidence | None, Evidence | None, float]:
    """(best supporting, strongest opposing, best coverage) for one option."""
    option_terms = set(content_terms(option_text))
    literal = _literal(option_text)
    codes = [] if literal is not None else _code_tokens(option_text)
    total = sum(weights.values()) + policy.code_weight * len(codes)
    if total <= 0 and literal is None:
        return None, None, 0.0
    negated = bool(NEGATION.search(option_text))
    subject = _subject(option_text)
    stem_terms = frozenset(stem_w)
    stem_total = sum(stem_w.values()) or 1.0
    # "Use class weights instead of undersampling": the option itself rejects what follows its
    # "instead of", so a sentence that also rejects it ("choose class weights over
    # undersampling") agrees with the option rather than arguing against it.
    rej = _REJECTS.search(option_text)
    rejected = set(content_terms(option_text[rej.end():])) - \
        set(content_terms(option_text[:rej.start()])) if rej else set()
    halves = [set(content_terms(x)) & set(weights) for x in _OR.split(option_text)]
    alts = [(h, sum(weights[t] for t in h)) for h in halves if len(h) >= 2] \
        if len(halves) > 1 and policy.alt_share > 0 else []
    pieces = [set(content_terms(x)) & set(weights) for x in _PARTS.split(option_text)]
    parts = [x for x in pieces if len(x) >= 2] if len(pieces) > 1 else []
    best: Evidence | None = None
    worst: Evidence | None = None
    top_cov = 0.0
    for s in sents:
        hit = {t for t in weights if t in s.terms}
        if literal is not None:
            low = s.text.lower()
            cov = sum(1 for w in literal if w in low) / len(literal)
            if cov == 0.0:
                continue
            hit = hit or set(weights)
        else:
            low = s.text.lower()
            code_hits = sum(1 for c in codes if c in low)
            if not hit and not code_hits:
                continue
            cov = (sum(weights[t] for t in hit) + policy.code_weight * code_hits) / total
            for alt, alt_total in alts:
                # "Fine-tune a pretrained model or use transfer learning": either half is the
                # option, so a sentence that states one half in full supports it.
                a_hit = hit & alt
                if len(a_hit) >= 2:
                    cov = max(cov, policy.alt_share * sum(weights[t] for t in a_hit) / alt_total)
        top_cov = max(top_cov, cov)
        local = _local_rel(s.text, hit, stem_w, stem_total, policy.split_lists)
        rel_s = s.rel_s if local < 0 else 0.5 * s.rel_s + 0.5 * local
        base = cov * (policy.w_floor + policy.w_passage * s.rel_p + policy.w_sentence * rel_s)
        if subject and not subject <= s.terms:
            base *= policy.other_subject  # the sentence is about another product
        if policy.w_compact > 0 and len(hit) >= 2:
            base *= _compactness(s.tokens, hit, len(weights)) ** policy.w_compact
        cue = _CUE.search(s.text)
        if cue is not None and _share_after(s.text, weights, hit, cue.end()) >= 0.5 and \
                cue_match(s.text, set(stem_w), stem_w) >= policy.cue_quote_min:
            base *= policy.cue_boost  # "<this scenario> points to <this option>": a study cue
        neg = negativity(s.text, weights, hit - rejected, negated, stem_terms) \
            if weights and hit - rejected else 0.0
        if neg < policy.negative_share and hit - rejected and hit - rejected <= stem_terms \
                and is_trap(s.text) and \
                negativity(s.text, weights, hit - rejected, negated) >= policy.negative_share:
            # The option meets the warning only in the scenario's own words, inside the trap
            # ("use one worker so the copy runs once" against "Trap: a script that copies the
            # data onto every worker ..."): it carries on with the trap, so the warning backs
            # it no more than it backs the scenario.
            continue
        for part in parts:
            # "X for A; Y for B": a sentence that denies one pairing ("X does not stop A")
            # argues against the whole option.
            p_hit = hit & part
            if len(p_hit) >= 2 and neg < policy.negative_share:
                p_w = {t: weights[t] for t in part}
                # The stem's own words count here: the pairing with them is what is denied.
                neg = max(neg, negativity(s.text, p_w, p_hit, negated))
        neg = option_polarity(option_text, s.text, hit, neg, policy.negative_share)
        if hit and correction_share(s.text, weights, hit) >= policy.correction_share:
            # "Trap: ... exceeds the 500-class limit; the fix is to group classes": the option
            # is what the warning recommends instead, stated as the fix, which is as strong
            # as a cue that points to it.
            neg = 0.0
            base *= policy.cue_boost
        decisive = False
        if missing and hit and neg < policy.negative_share and cov >= policy.covered and \
                unmet_need(s.text, weights, hit, missing) >= policy.negative_share:
            # The option's method needs what the scenario says is gone: that rules it out, more
            # firmly than a warning that merely names it. (Not decisive: "no training" in a
            # stem reads as missing training data, so this rule can fire on the wrong thing.)
            # Only a sentence about the option counts: not Float16's "weights" in another's need.
            neg = 1.0
            base *= policy.unmet_boost
        if required and hit and neg < policy.negative_share and denied_requirement(
                s.text, weights, hit, required, option_terms) >= policy.negative_share:
            # It lacks a capability the scenario needs ("not continuous sync"): as firm as a
            # need the scenario cannot meet.
            neg, decisive = 1.0, True
            base *= policy.unmet_boost
        if neg >= policy.negative_share:
            if worst is None or (decisive, base) > (worst.decisive, -worst.score):
                worst = Evidence(s.passage, s.text, -base, cov, decisive)
            continue
        if best is None or base > best.score:
            best = Evidence(s.passage, s.text, base, cov)
    return best, worst, top_cov


def judge_options(mcq: MCQ, passages: Sequence[Passage], stats: TermStats | None,
                  policy: CoachPolicy | None = None,
                  meaning: StemMeaning | None = None) -> CoachResult:
    """Judge every option (module docstring). ``meaning`` adds relevance by meaning; without
    it (an index built before sentence vectors, or the embedder failed) words alone decide."""
    policy = policy or CoachPolicy()
    sents = _sentences(mcq, passages, stats, meaning, policy)
    weights = _option_weights(mcq, stats, policy.stem_echo)
    stem_w = _stem_weights(mcq, stats)
    missing = missing_things(mcq.stem)
    rule_outs = stem_rule_outs(mcq.stem)
    required = required_terms(mcq.stem) if policy.deny_required else set()
    judged: list[Judged] = []
    for o in mcq.options:
        sup, opp, cov = _evidence(o.text, weights[o.label], sents, stem_w, policy, missing,
                                  required)
        score = (sup.score if sup else 0.0) - policy.w_against * (-opp.score if opp else 0.0)
        ruled = rule_outs(o.text)
        # Each rule-out the stem states scales the option down, whatever the material says
        # about it in general; the reason then quotes the stem's words (the last one found).
        # (A negative score is left alone: scaling it would raise it.)
        score *= policy.forbidden_factor ** len(ruled) if score > 0 else 1.0
        if opp is not None and opp.decisive and score > 0:
            score *= policy.decisive_factor
        judged.append(Judged(o.label, score, sup, opp, cov, ruled[-1] if ruled else ""))
    negative = negative_ask(mcq.stem)
    n = mcq.select
    if negative:
        # "Which ... is NOT ...?": the answer is the option the material supports least, and
        # the pick stands only when the material does support every other option.
        ranked = sorted(judged, key=lambda j: (j.score, j.label))
        picked = ranked[:n]
        runner = ranked[n] if len(ranked) > n else None
        lead = (runner.score if runner else 0.0) - picked[-1].score
        decided = runner is not None and lead >= policy.min_margin \
            and all(j.support is not None and j.score >= policy.min_support for j in ranked[n:])
    else:
        ranked = sorted(judged, key=lambda j: (-j.score, j.label))
        if mcq.select_all:
            # No fixed count: every option the material backs about as well as the best one
            # (the same bar that makes an option "plausible"), at least one.
            top = ranked[0].score
            n = max(1, sum(1 for j in ranked if j.support is not None
                           and j.score >= max(policy.min_support, policy.plausible * top)))
        picked = ranked[:n]
        runner = ranked[n] if len(ranked) > n else None
        lead = picked[-1].score - (runner.score if runner else 0.0)
        decided = picked[-1].score >= policy.min_support and lead >= policy.min_margin \
            and all(j.support is not None for j in picked)
    confidence: Literal["high", "medium", "low", "none"]
    if not decided:
        confidence = "none"
    elif any(j.support is None or j.support.coverage < policy.confident_coverage
             for j in picked) and not negative:
        confidence = "low"  # the material states only part of the option: a lean, no more
    elif not negative and lead < policy.confident_share * picked[0].score:
        confidence = "low"  # the runner-up is backed nearly as well: a close call
    elif lead >= policy.high_margin and not negative:
        confidence = "high"
    elif lead >= policy.medium_margin:
        confidence = "medium"
    else:
        confidence = "low"
    choice = sorted(j.label for j in picked) if decided else []
    top_score = max(ranked[0].score if not negative else max(j.score for j in judged), 1e-9)
    if negative:
        floor = picked[-1].score + policy.min_margin
        close = sorted(j.label for j in ranked if j.score < floor)
    else:
        close = sorted(j.label for j in ranked if j.support is not None and j.score > 0
                       and j.score >= policy.plausible * top_score)
    # Undecided: the options still in the running. A low-confidence pick: its close rivals.
    remaining = close if not decided else \
        [x for x in close if x not in choice] if confidence == "low" else []
    deciding = picked[0].support or picked[0].against
    if negative:
        deciding = picked[0].against or (ranked[n].support if runner else None)
    constraint = deciding_constraint(mcq.stem, deciding.sentence if deciding else "", stats)
    ruled = [j.ruled_by for j in judged if j.ruled_by and j.label not in choice]
    if ruled and choice and not negative and not any(j.ruled_by for j in picked):
        constraint = ruled[0]  # the stem's own words ruled the others out: that decided it
        if len(ruled) == len(judged) - len(picked) and confidence == "low":
            confidence = "medium"  # every other option breaks a requirement the stem states
    return write_up(mcq, judged, choice, remaining, constraint, confidence, policy, negative,
                     stats)
