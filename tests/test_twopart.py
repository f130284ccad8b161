"""A question that asks two things gets both answers in its lead (answer/twopart.py)."""

from __future__ import annotations

import numpy as np

from assistant.answer.base import MARKER
from assistant.answer.candidates import Candidate
from assistant.answer.extractive import ScoredSentence
from assistant.answer.text import Sentence, content_terms
from assistant.answer.twopart import asks, second_answer
from assistant.records import Chunk, Passage


def test_the_two_asks_of_a_question_are_found() -> None:
    assert asks("Which kind of training container should they use, and where does the image "
                "need to be stored for the job to use it?") == (
        "Which kind of training container should they use",
        "where does the image need to be stored for the job to use it?")
    assert asks("How do I turn on autologging? Which frameworks does it support?") == (
        "How do I turn on autologging?", "Which frameworks does it support?")
    # A second ask that repeats the first, or asks only why, is not a second ask.
    assert asks("Which layout should they choose, and why?") is None
    assert asks("Which preprocessing service should you use? What should you do?") is None
    assert asks("What is Vertex AI Pipelines?") is None
    # "and" inside one ask does not split it.
    assert asks("How do promotions and foot traffic enter an AutoML forecast?") is None


def _cand(text: str, vec: list[float], total: float, role: str = "plain") -> Candidate:
    chunk = Chunk(id=text[:8], source="corpus/x.md", title="X", heading_path=("X",), text=text,
                  ordinal=0)
    scored = ScoredSentence(Passage(chunk=chunk, rank=1, score=1.0), Sentence(text, 0, 0),
                            frozenset(content_terms(text)), 1.0, total)
    v = np.asarray(vec, dtype=np.float32)
    return Candidate(scored, role, None, v / np.linalg.norm(v), total)  # type: ignore[arg-type]


Q = "Which container should they use, and where must the image be stored?"
ASK = np.asarray([0.0, 1.0, 0.0], dtype=np.float32)  # the second ask's vector


def test_the_sentence_closest_to_the_second_ask_joins_the_lead() -> None:
    lead = _cand("Choose a custom container when the framework is not prebuilt.", [1, 0.1, 0], 1.0)
    store = _cand("Push the image to Artifact Registry and give the job its URI.", [0.3, 1, 0], 0.7)
    near = _cand("A prebuilt image bundles the framework for the job.", [1, 0.6, 0.2], 0.9)
    trap = _cand("Trap: storing the image in a bucket; the job pulls from a registry.",
                 [0, 1, 0], 0.8, role="trap")
    assert second_answer(Q, lead, [lead, near, trap, store], ASK) is store
    # Without the second ask's vector, or when the lead already answers it: nothing joins.
    assert second_answer(Q, lead, [lead, store], None) is None
    close_lead = _cand("Build a custom image and store it in Artifact Registry.", [0.2, 1, 0], 1.0)
    assert second_answer(Q, close_lead, [close_lead, store], ASK) is None
    # A sentence far down the ranking is not the answer, however close.
    low = _cand("Push the image to Artifact Registry and give the job its URI.", [0, 1, 0], 0.1)
    assert second_answer(Q, lead, [lead, low], ASK) is None


def test_a_how_many_ask_wants_a_figure() -> None:
    q = "How do I turn on tuning in BigQuery ML, and how many trials can I ask for?"
    lead = _cand("Tuning is switched on with an option of the model.", [1, 0, 0], 1.0)
    words = _cand("`MAX_PARALLEL_TRIALS` sets how many trials run at once.", [0.2, 1, 0], 0.8)
    figure = _cand("Set `NUM_TRIALS` between 1 and 100.", [0.3, 1, 0], 0.7)
    assert second_answer(q, lead, [lead, words], ASK) is None
    assert second_answer(q, lead, [lead, words, figure], ASK) is figure


def test_a_two_part_question_gets_both_answers_first(corpus_assistant) -> None:
    # Before twopart.py the lead answered the first ask only; the framework list came later
    # among the points, and the feedback-type sentence not at all.
    ans = corpus_assistant.ask("How do I turn on autologging in Vertex AI Experiments, and "
                               "which frameworks does it cover?")
    lead = MARKER.sub("", ans.lead)
    assert "autolog" in lead.lower() and "scikit-learn" in lead, lead
    ans = corpus_assistant.ask("Our analysts want a recommendation model in BigQuery ML from "
                               "click logs, where users never rate items. Which model type "
                               "should they use, and how should the feedback type be set?")
    lead = MARKER.sub("", ans.lead)
    assert "matrix factorization" in lead.lower() and "IMPLICIT" in lead, lead
    assert len(MARKER.findall(ans.lead)) == 2, ans.lead  # each half keeps its citation
