"""The default composer: no LLM, no network, deterministic, shaped like a tutor's answer.

1. Every sentence of the top passages is scored lexically (``extractive.score_sentences``)
   and semantically (cosine with the question's vector; sentence vectors are built at ingest,
   see ``sentvec``). A scenario also has a vector per sentence: a passage sentence that
   restates one of them is about this case even when the whole scenario's vector is far.
2. Each sentence gets a role (``shape.sentence_role``). Meta sentences count only when the
   question is about the guide or names; an exam cue only when the scenario it quotes is the
   question's; a trap never leads (unless traps were asked about) and can be the one caveat.
3. Choose and scenario questions prefer decision sentences ("Choose X when ..."), more so when
   their condition matches a constraint the question states (data in BigQuery, SQL skills,
   least operations, latency, cost, scale, compliance, labels late, GPUs), less when they
   contradict one, and only as far as the "when ..." condition is the question's situation
   (``rulefit``). "Which component ...?" is answered by a sentence naming the thing (``entity``),
   "which kind of test ...?" by one opening with one (``member``), yes/no by one with a verdict.
4. The answer is the lead, 1-3 supporting points (on topic, each adding something, never a
   near-duplicate) and at most one caveat that bears on the question; when two decision
   sentences name different approaches, both are kept, so the deciding condition shows.

Every sentence is verbatim from its passage and carries that passage's marker.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import numpy as np

import assistant.answer.rulefit as rulefit
import assistant.answer.shape as shape
from assistant.answer.abstain_number import counted_figure
from assistant.answer.action import (
    TASK_WEIGHT,
    asked_object,
    goal_object,
    heading_does,
    scenario_task,
    task_share,
)
from assistant.answer.base import Draft, TermStats
from assistant.answer.belief import belief_match
from assistant.answer.candidates import (
    ANSWER_STATED,
    INSTRUCT_BONUS,
    RECOMMENDS,
    Candidate,
    ComposeContext,
    display_text,
    echoes,
    explains,
    instructs,
    is_near_duplicate,
    recommended_terms,
    states_answer,
    worked_examples,
)
from assistant.answer.continuation import (
    announced_items,
    announced_sentences,
    is_fragment,
    points_back,
    with_openers,
)
from assistant.answer.definition import definition_subject, expands_acronym, opens_with
from assistant.answer.entity import (
    answers_entity,
    entity_head,
    head_miss,
    name_does,
    names_new_entity,
    setting_bonus,
)
from assistant.answer.extractive import query_weights, score_sentences
from assistant.answer.framing import FRAMING, FRAMING_PENALTY, follow_announcements
from assistant.answer.member import MEMBER_BONUS, answers_in_form, asked_form
from assistant.answer.overview import asks_for_member, introduces
from assistant.answer.product import NO_PRODUCT_PENALTY, asks_for_product, names_product
from assistant.answer.rulefit import condition_fit, denied_terms, meaning_fit, question_targets, rule_pieces
from assistant.answer.sentvec import unit_vector
from assistant.answer.text import content_terms, heading_terms, states_figure
from assistant.answer.tried import TRIED_PENALTY, about_tried, needs_denied, ruled_out, tried_things
from assistant.answer.twopart import second_answer
from assistant.records import Citation, Passage
from assistant.syllabus import alias_expansions

__all__ = ["ExtractiveComposer", "ComposeContext", "Candidate", "rank_candidates",
           "is_near_duplicate", "condition_fit", "points_back"]

# Weight per point of cosine above the floor with one sentence of a multi-sentence question.
_CLAUSE_WEIGHT = 0.9
_CLAUSE_FLOOR = 0.4
_SEM_WEIGHT = 0.9  # cosine 0.2 (unrelated) .. 0.7 (paraphrase) against lexical 0 .. ~1.2
_DECISION_BONUS = 0.12
_CONSTRAINT_BONUS = 0.10
_CONTRADICTION_PENALTY = 0.35
_CUE_MIN_MATCH = 0.45  # share of a cue's quoted scenario that the question must also state
_CUE_MATCH_WEIGHT = 0.1  # a cue quoting this very scenario names the exam answer
_GOAL_BONUS = 0.12
_PREFERRED_BONUS = 0.25
_AGAINST_PENALTY = 0.25  # "Choose A over B" when B is what a how-to or definition asks about
_DEFINES_BONUS = 0.3  # "What is X?": the sentence that opens with X and says what it is
_NUMBER_BONUS = 0.10
_COUNT_BONUS = 0.9
_CONNECTIVE_PENALTY = 0.10
_CONTINUATION_SHARE = 0.5
_IDENT_BONUS = 0.15
_ANSWER_BONUS = 0.12
_NARRATIVE_PENALTY = 0.12
_VERDICT_BONUS = 0.08
_BELIEF_WEIGHT = 0.3  # times the share of a trap's quoted belief that the question states
_ALIAS_BONUS = 0.5  # "What is Vertex AI Prediction called now?": "... becomes Agent Platform Inference"
_ENTITY_BONUS = 0.3  # names the thing a "which component ...?" question asks for
_FIX_BONUS = 0.15
_CAUSE_BONUS = 0.12
_CAUSE_LEAD_SHARE = 0.75  # a cause leads a "why?" answer when it scores this near the best
_LIST_BONUS = 0.15
_ITEM_SEP = re.compile(r",\s|;\s|\band\b")
_OVERVIEW_PENALTY = 0.3
_NUMBER_Q = re.compile(r"\b(how (many|much|long|big|large|often|early|late)|minimum|maximum|"
                       r"limit|limits|at most|at least|default|percent|percentage)\b", re.I)
_IDENT = re.compile(r"`([^`]{2,60})`|\b([A-Za-z]+[A-Z_][A-Za-z0-9_]*(?:\[\d+\])?|[a-z]+_[a-z0-9_]+)(?!\w)")
_VERDICT = re.compile(r"\b(cannot|can't|can not|does not|do not|doesn't|don't|is not|isn't|are not"
                      r"|aren't|not enough|never|only|no longer|yes|must)\b", re.I)


def _identifiers(question: str) -> list[str]:
    out = []
    for m in _IDENT.finditer(question):
        word = (m.group(1) or m.group(2) or "").lower()
        if len(word) >= 4 and not word.isalpha() or (m.group(1) and word):
            out.append(word)
    return out


def _adds_verdict(text: str, question: str) -> bool:
    asked = {m.group(0).lower() for m in _VERDICT.finditer(question)}
    return any(m.group(0).lower() not in asked for m in _VERDICT.finditer(text))


_MAX_POINTS = 3
# The alternative decision rule must score near the lead and share the question's words as much.
_ALT_SHARE = 0.6
_ALT_COVERAGE = 0.5
_MIN_SEM = 0.33  # below this cosine with the question a sentence is about something else
_CAVEAT_MIN_SEM = 0.38
_LEAD_MIN_SEM = 0.28  # a long scenario dilutes cosines: the lead floor sits below _MIN_SEM
# "How do I reduce latency?": sentences that say what makes it fall (a change verb, the quantity).
_GOAL_Q = re.compile(r"\b(reduce|lower|decrease|cut|minimi[sz]e|speed up|improve|increase|"
                     r"raise|avoid|prevent|fix|shorten|save)\b", re.I)
_GOAL_S = re.compile(r"\b(falls?|drops?|reduc\w*|lower\w*|cuts?|faster|speeds? up|improv\w*|"
                     r"shorten\w*|avoid\w*|prevents?|removes?|less|fewer|smaller|rais\w*|"
                     r"increas\w*|halv\w*|sav(?:es?|ing)|frees?)\b", re.I)
_GOAL_OBJECT_BONUS = 0.2
_GOAL_MISS_PENALTY = 0.25
_SCENARIO_SAYS = re.compile(r"\b(scenario|question|requirement|cue)s?\b[^.\"\u201c]{0,40}\b(says?|"
                            r"describes?|mentions?|stresses|reads?|asks? for|contains?|includes?)"
                            r"[^.\"\u201c]{0,20}[\"\u201c]", re.I)
_UNSAID_PENALTY = 0.15
_FIRST_STEP = re.compile(r"\b(the first step is|start by|begin by|first,)", re.I)
_FIRST_STEP_BONUS = 0.2
_HEADING_DOES_BONUS = 0.3


_MAX_WORDS = 105
_CAVEAT_WORDS = 45


def rank_candidates(question: str, passages: Sequence[Passage],
                    stats: TermStats | None) -> list[Candidate]:
    """Every usable sentence with its role and combined score, best first."""
    weights = query_weights(question, stats)
    scored = score_sentences(question, passages, weights)
    qvec = unit_vector(getattr(stats, "query_vector", None))
    vectors = getattr(stats, "sentences", None)
    kind = shape.question_kind(question)
    cons = shape.constraints_in(question)
    names_q = shape.asks_about_names(question)
    others = [n.lower() for n in alias_expansions(question)] if names_q else []  # "... renamed?"
    guide_q = shape.asks_about_guide(question)
    qterms = set(weights)
    goal = bool(_GOAL_Q.search(question)) and kind in ("howto", "other", "scenario", "choose")
    goal_obj = goal_object(question) if goal else set()
    act_obj = asked_object(question) if kind == "howto" and not goal_obj else set()
    task = scenario_task(question) if kind == "scenario" else set()
    preferred = shape.preferred_option(question) if kind == "choose" else None
    subject = definition_subject(question) if kind == "definition" else None
    numeric_q = bool(_NUMBER_Q.search(question))
    counted = counted_figure(question)  # "How many questions ...?": "50 to 60 questions"
    # "How many questions are on the exam?": only "many" is left to match; the count must beat it.
    count_bonus = _COUNT_BONUS * (2.0 if set(weights) <= {"mani", "much", "long"} else 1.0)
    idents = _identifiers(question)
    idf_of = stats.idf if stats is not None else None
    why_q = shape.asks_why(question)
    head = entity_head(question)
    form = asked_form(question)  # "Which post-training quantization ...?"
    member_q = asks_for_member(question)
    product_q = asks_for_product(question)
    clauses = getattr(stats, "clause_vectors", None)
    clause_m = None
    if clauses is not None and len(clauses):
        m = np.asarray(clauses, dtype=np.float32)
        clause_m = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)
    out: list[Candidate] = []
    targets = question_targets(question, qvec, clauses)
    denied = denied_terms(question)  # "nothing requires ...": not a condition that holds
    tried = tried_things(question)  # "... already enabled, but ...": ruled out as the answer
    for s in scored:
        text = s.sentence.text
        role = shape.sentence_role(text)
        if role == "meta" and not (names_q or guide_q or subject and opens_with(text, subject)):
            continue  # ... unless it opens with what "What is X?" asks about: a new name's meaning
        fit = meaning_fit(rule_pieces(text), vectors, targets) or 0.0  # by meaning, 0..1
        vec = vectors.get(text) if vectors is not None else None
        vec = np.asarray(vec, dtype=np.float32) if vec is not None else None
        sem = float(vec @ qvec) if vec is not None and qvec is not None else None
        if sem is not None and text.count("`") >= 4:
            # The model reads code names (`DNN_LINEAR_COMBINED_CLASSIFIER`) as noise, so a
            # sentence made of them scores low by meaning; words decide for it instead.
            sem = max(sem, 0.5 + 0.25 * min(1.0, s.coverage))
        total = s.score + (_SEM_WEIGHT * sem if sem is not None else 0.0)
        if clause_m is not None and vec is not None:
            # A long scenario dilutes its own vector; a sentence that says what one of its
            # sentences says ("partial exposure is impossible" for "cannot route a small share
            # of users to the new model first") is about this case.
            best = float(np.max(clause_m @ vec))
            total += _CLAUSE_WEIGHT * max(0.0, best - _CLAUSE_FLOOR)
        if role == "cue":
            match = max(fit, shape.cue_match(text, qterms, weights, idf_of))
            if match < _CUE_MIN_MATCH:
                continue  # a cue about another scenario misleads more than it helps
            total += _CUE_MATCH_WEIGHT * match
            if kind in ("scenario", "choose"):
                total += _DECISION_BONUS  # a matching cue is a decision rule for this case
        about_goal = bool(goal_obj & (s.terms | heading_terms(s.passage.chunk.heading_path)))
        if role == "decision" and _SCENARIO_SAYS.search(text):
            # "Choose X when a scenario says '...'": a rule keyed to quoted exam wording,
            # which fits this question only if the question says something like it.
            said = max(fit, shape.cue_match(text, qterms, weights, idf_of))
            if said < _CUE_MIN_MATCH:
                total -= _UNSAID_PENALTY
        if goal and s.coverage > 0 and _GOAL_S.search(text):
            total += _GOAL_BONUS
            if about_goal:
                # "Queueing falls with more replicas" under the heading "Breaking prediction
                # latency into parts": a lever on the very quantity asked about.
                total += _GOAL_OBJECT_BONUS
        if act_obj and not act_obj & (s.terms | heading_terms(s.passage.chunk.heading_path)):
            total -= _GOAL_MISS_PENALTY  # "start a pipeline run?": a sentence not about runs
        if goal_obj and not about_goal:
            total -= _GOAL_MISS_PENALTY  # "reduce latency?": a sentence not about latency
        if act_obj and heading_does(question, s.passage.chunk.heading) and \
                not introduces(text, qterms):  # "Class imbalance means ...": known to the asker
            # under "Handling class imbalance: ...": the how-to, and its instructions the steps
            total += _HEADING_DOES_BONUS * (2.0 if instructs(text) else 1.0)
        if task:  # "wants to cluster customers": a rule about the setting alone answers another task
            total += TASK_WEIGHT * task_share(task, s.terms, weights)
        if kind == "howto" and _FIRST_STEP.search(text) and s.coverage > 0:
            total += _FIRST_STEP_BONUS
        total += INSTRUCT_BONUS if kind == "howto" and s.coverage > 0 and instructs(text) else 0.0
        if role == "decision" and kind in ("scenario", "choose"):
            total += _DECISION_BONUS * condition_fit(text, qterms, weights, idf_of, fit, denied)
        total -= _CONTRADICTION_PENALTY if rulefit.condition_denies(text, question, qterms, denied) else 0.0
        if preferred is not None and role == "decision":
            # "Use X instead of Y?": the rule that recommends X answers it; Y's rule follows.
            rec = set(content_terms(shape.decision_subject(text) or ""))
            if rec & preferred[0] and not rec & preferred[1]:  # not "Choose Vertex AI <Y>"
                total += _PREFERRED_BONUS
        if role == "decision" and kind not in ("scenario", "choose") and shape.argues_against(text, qterms):
            total -= _AGAINST_PENALTY  # a scenario may name B as what the team has today
        if subject and opens_with(text, subject):  # "Vertex AI Pipelines runs ...": the sentence about it
            total += _DEFINES_BONUS * (2.0 if expands_acronym(text, subject) else 1.0)
        counts = bool(counted and counted.search(text))  # states the count asked for: an answer
        if (kind == "number" or numeric_q) and states_figure(text):  # not "June 2026"
            total += _NUMBER_BONUS + (count_bonus if counts else 0.0)
        hit_ids = [i for i in idents if i in text.lower()] if idents else []
        if hit_ids:
            # workerPoolSpecs[2] rather than workerPoolSpecs[1]: an indexed name is exact.
            total += _IDENT_BONUS * (2.0 if any("[" in i for i in hit_ids) else 1.0)
        if ANSWER_STATED.search(text):
            total += _ANSWER_BONUS  # "The best answer is ..." states the exam answer outright
            if kind == "scenario":
                total += _ANSWER_BONUS
        if kind in ("scenario", "howto") and shape.STATES_FIX.search(text):
            total += _FIX_BONUS  # "The fix is to wrap each instance in `data`"
        if why_q and shape.STATES_CAUSE.search(text):
            total += _CAUSE_BONUS  # "Why?": "a job that stays queued usually means ..."
        if (kind == "scenario" or preferred) and role == "plain" and not RECOMMENDS.search(text):
            # In a scenario or "use X instead of Y?", a sentence that recommends nothing (a worked
            # example's situation, a data flow naming X) is not the answer, however close its words.
            total -= _NARRATIVE_PENALTY
        if kind == "yesno" and _VERDICT.search(text):
            total += _VERDICT_BONUS
        belief = belief_match(text, role, question, qterms, weights, idf_of)
        if belief >= _CUE_MIN_MATCH:
            total += _BELIEF_WEIGHT * belief  # "..., right?": the trap that names this belief
        total += MEMBER_BONUS if form and answers_in_form(text, form, question) else 0.0
        total += _ALIAS_BONUS if any(n in text.lower() for n in others) else 0.0  # the other name
        total += setting_bonus(text, question)  # "Which setting ...?": `ANOMALY_PROB_THRESHOLD`
        if head and answers_entity(text, s.terms, s.passage.chunk.heading_path, head, question):
            # Twice when the name says the asked action ("ExampleValidator" for "validates"):
            # then it states the answer though it shares no word with the question.
            does = name_does(text, question)
            counts = counts or does
            total += _ENTITY_BONUS * (2.0 if does else 1.0)
        elif head and role == "plain" and text.startswith("The ") and \
                head <= set(content_terms(" ".join(text.split()[:5]))) and \
                not names_new_entity(text, question):
            total -= _ENTITY_BONUS / 2  # "The TFX data components form ...": the head, no name
        else:  # "In which languages ...?": the registration fee is no answer
            total -= head_miss(s.terms, s.passage.chunk.heading_path, head)
        if kind == "list" and len(_ITEM_SEP.findall(text)) >= 2:
            total += _LIST_BONUS  # "artifacts ..., executions ..., events ... and contexts"
        if FRAMING.search(text):
            total -= FRAMING_PENALTY  # "X has two main routes": the routes answer, not this
        if kind != "definition" and introduces(text, qterms):
            # "Imagen is Google's ..." when Imagen was asked about. Doubled when the question
            # asks to name one member ("Which de-identification technique ...?"): an overview
            # of the category names none, however close its words are to the question.
            total -= _OVERVIEW_PENALTY * (2.0 if member_q or kind == "howto" else 1.0)
        if about_tried(text, role, tried) or needs_denied(text, denied) or \
                ruled_out(text, role, question):
            total -= TRIED_PENALTY
        if product_q and not names_product(text):
            total -= NO_PRODUCT_PENALTY  # "Which service should they use?": this one names none
        if points_back(text):
            total -= _CONNECTIVE_PENALTY  # "Cost also matters: ..." continues, it does not lead
        contradicts = False
        for c in cons:
            if c.supports.search(text) and role in ("decision", "cue") and \
                    kind not in ("howto", "definition", "number", "list"):
                # A decision rule whose condition matches the scenario's constraint; a plain
                # sentence that merely mentions BigQuery or latency decides nothing.
                total += _CONSTRAINT_BONUS * (2.0 if kind == "scenario" else 1.0)
            if c.contradicts is not None and c.contradicts.search(text):
                total -= _CONTRADICTION_PENALTY
                contradicts = True
        out.append(Candidate(s, role, sem, vec, total, contradicts, counts))
    out = follow_announcements(worked_examples(out, qterms))
    out.sort(key=lambda c: (-c.total, c.rank, c.scored.sentence.index))
    return out


class ExtractiveComposer:
    name = "extractive"

    def warm_up(self) -> None:
        return None

    def compose(self, question: str, passages: Sequence[Passage],
                stats: TermStats | None = None) -> Draft:
        cands = rank_candidates(question, passages, stats)
        if not cands or max(c.scored.coverage for c in cands) <= 0:
            return Draft("", [], abstained=True)
        lead, points, caveat = self._select(question, cands)
        points = with_openers(points, lead)  # a list item is read after its list's opener
        # A lead that opens a list: the list is the answer.
        items = announced_items(lead, passages, getattr(stats, "chunk_at", None))
        if items:
            points, caveat = items, None
        elif more := announced_sentences(lead):  # "... on two levels.": the two come next
            said = {c.text for c in more}
            points = more + [p for p in points if p.text not in said][:max(0, 3 - len(more))]
        # A second ask's answer joins the lead (twopart.py); the points keep their order.
        second = second_answer(question, lead, cands, getattr(stats, "second_ask_vector", None))
        if second is not None:
            points = [second] + [p for p in points if p is not second]
        parts = [lead, *points, *([caveat] if caveat else [])]
        quotes: dict[int, list[str]] = {}
        by_rank: dict[int, Passage] = {}
        texts: list[str] = []
        for i, item in enumerate(parts):
            n = item.rank
            text = display_text(item, lead=i == 0)
            texts.append(f"{text} [{n}]")
            quotes.setdefault(n, []).append(text)
            by_rank[n] = item.scored.passage
        citations = [Citation(n, by_rank[n].chunk, " ".join(quotes[n])) for n in sorted(quotes)]
        head = 2 if second is not None else 1
        return Draft(" ".join(texts), citations, lead=" ".join(texts[:head]), points=texts[head:])

    def stream(self, question: str, passages: Sequence[Passage],
               stats: TermStats | None = None) -> Iterator[str | Draft]:
        draft = self.compose(question, passages, stats)
        if draft.text:
            yield draft.text
        yield draft

    @staticmethod
    def _select(question: str, cands: list[Candidate]
                ) -> tuple[Candidate, list[Candidate], Candidate | None]:
        kind = shape.question_kind(question)
        wants_trap = shape.asks_about_traps(question)
        qset = set(content_terms(question))
        leadable = [c for c in cands if (c.role != "trap" or wants_trap or states_answer(c))
                    and not c.contradicts and (c.scored.coverage > 0 or c.stated)]
        # A sentence that continues another ("Cost also matters", a list item) reads badly first.
        plain = [c for c in leadable if not (points_back(c.text) or is_fragment(c))]
        # ... unless what is left is far weaker: "Second, use AutoML when you need your own
        # labels" still reads better than a sentence about another topic.
        leadable = plain if plain and plain[0].total >= _CONTINUATION_SHARE * leadable[0].total \
            else leadable
        # The lead answers: it is about the question (by meaning, not only shared words), and
        # it says something the question does not ("The data model has four kinds of
        # records" restates "What are the four kinds of records?").
        # A yes/no question is the exception: "Monitoring cannot be attached ... after it has been
        # created" restates "Can Model Monitoring be attached ...?" but adds the verdict, the answer.
        leadable = [c for c in leadable if c.stated or (
            (c.sem is None or c.sem >= _LEAD_MIN_SEM) and
            (not echoes(c, qset) or (kind == "yesno" and _adds_verdict(c.text, question))))
        ] or leadable
        if shape.asks_why(question) and leadable:
            # "Why?": a sentence that states a cause ("a job that stays queued usually means
            # ...") answers it; one that restates the symptom ("a job can sit in
            # JOB_STATE_QUEUED") does not, however many of the question's words it has.
            bar = leadable[0].total * _CAUSE_LEAD_SHARE
            causes: list[Candidate] = []
            others: list[Candidate] = []
            for c in leadable:
                (causes if c.total >= bar and shape.CAUSE_LEAD.search(c.text) else others).append(c)
            leadable = causes + others
        lead = leadable[0] if leadable else cands[0]
        floor = lead.total * 0.6
        chosen: list[Candidate] = [lead]
        words = len(lead.text.split())
        covered = set(lead.scored.terms)
        points: list[Candidate] = []
        caveat: Candidate | None = None
        recommended = recommended_terms(lead, qset)  # once: explains() runs per candidate

        def on_topic(c: Candidate) -> bool:
            if c.stated:
                return True
            if c.sem is not None and c.sem < _MIN_SEM and not explains(c, recommended):
                return False  # far from the question, unless it explains the recommendation
            shares_q = bool(c.scored.terms & qset)
            follows = c.rank == lead.rank and c.scored.sentence.index == lead.scored.sentence.index + 1
            shares_lead = len(c.scored.terms & lead.scored.terms) >= 2
            return shares_q or (follows and shares_lead)

        def fresh(c: Candidate) -> bool:
            return not any(is_near_duplicate(c, x) for x in chosen)

        # Two approaches that both fit: keep the second rule, so the deciding condition shows.
        if kind in ("choose", "scenario") and lead.role == "decision":
            subject = shape.decision_subject(lead.text)
            for c in cands[1:8]:
                other = shape.decision_subject(c.text)
                if c.role == "decision" and other and subject and other != subject and \
                        not c.contradicts and c.total >= lead.total * _ALT_SHARE and \
                        c.scored.coverage >= lead.scored.coverage * _ALT_COVERAGE and \
                        on_topic(c) and fresh(c):
                    points.append(c)
                    chosen.append(c)
                    words += len(c.text.split())
                    covered |= c.scored.terms
                    break

        rules = sum(1 for x in chosen if x.role in ("decision", "cue"))
        # What the lead recommends, explained, is the first support (stable: else by score).
        for c in sorted(cands, key=lambda x: not explains(x, recommended)):
            if c in chosen:
                continue
            if c.role == "trap" and not wants_trap:
                if caveat is None and c.total >= floor and on_topic(c) and fresh(c) and \
                        (c.sem is None or c.sem >= _CAVEAT_MIN_SEM) and \
                        len(c.text.split()) <= _CAVEAT_WORDS * 1.5 and not c.contradicts:
                    caveat = c
                continue
            if len(points) >= _MAX_POINTS or words >= _MAX_WORDS:
                continue
            follows = c.rank == lead.rank and c.scored.sentence.index == lead.scored.sentence.index + 1
            if c.total < floor and not (follows and c.total > floor * 0.75) and \
                    not (c.total > floor * 0.5 and explains(c, recommended)):
                continue
            if c.contradicts or not on_topic(c) or not fresh(c):
                continue
            if len(c.scored.terms - covered) < 2 or c.text.rstrip().endswith(":"):
                # adds nothing the answer does not already say, or announces a list it lacks
                continue
            if kind in ("scenario", "choose") and c.role in ("decision", "cue") and rules >= 2:
                # Two rules (the answer and its alternative, with the deciding condition) say
                # what to choose; more rules are other scenarios' answers, not support.
                continue
            n_words = len(c.text.split())
            if words + n_words > _MAX_WORDS * 1.2:
                continue
            points.append(c)
            chosen.append(c)
            words += n_words
            covered |= c.scored.terms
            rules += c.role in ("decision", "cue")
        if caveat is not None and not all(not is_near_duplicate(caveat, x) for x in chosen):
            caveat = None
        # Supporting points read best in the material's own order.
        points.sort(key=lambda x: (x.rank, x.scored.sentence.index))
        return lead, points, caveat
