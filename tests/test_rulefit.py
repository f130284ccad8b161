"""Rule conditions and cue quotes matched by meaning (assistant/answer/rulefit.py)."""

from __future__ import annotations

import numpy as np

from assistant.answer.base import MARKER
from assistant.answer.rulefit import condition_fit, denied_terms, meaning_fit, question_targets, rule_pieces
from assistant.answer.sentvec import sentence_texts
from assistant.answer.text import content_terms


def test_the_pieces_of_a_rule_are_its_quotes_or_its_condition() -> None:
    cue = ('Scenario cue: "transcribe call-center recordings and separate agent from customer" '
           'points to Speech-to-Text with diarization.')
    assert rule_pieces(cue) == ["transcribe call-center recordings and separate agent from customer"]
    rule = "Choose RMSLE when relative error matters more than absolute error."
    assert rule_pieces(rule) == ["relative error matters more than absolute error"]
    assert rule_pieces("RMSLE compares logarithms of the target and the prediction.") == []
    # ingest embeds the pieces beside the sentences, so a question costs no extra embedding
    texts = sentence_texts([rule + " RMSLE compares logarithms of the target."])
    assert "relative error matters more than absolute error" in texts


class _Vectors:
    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def get(self, text: str) -> np.ndarray | None:
        v = self.table.get(text)
        return None if v is None else np.asarray(v, dtype=np.float32)


def test_meaning_fit_compares_pieces_with_question_sentences_of_the_same_polarity() -> None:
    # Sentence vectors barely see negation, so "fits on one GPU" may sit closest to "too big
    # to fit": that sentence is only compared with negated pieces.
    question = "Our model is too big to fit in one GPU. Should we use data or model parallelism?"
    clauses = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)
    targets = question_targets(question, np.array([0.0, 0.0, 1.0], dtype=np.float32), clauses)
    vectors = _Vectors({"Model fits on one GPU": [1.0, 0.0, 0.0],
                        "Model does not fit in one accelerator": [1.0, 0.0, 0.0]})
    assert meaning_fit(["Model does not fit in one accelerator"], vectors, targets) == 1.0
    assert meaning_fit(["Model fits on one GPU"], vectors, targets) == 0.0
    assert meaning_fit(["a piece with no vector"], vectors, targets) is None  # words decide
    assert meaning_fit(["Model fits on one GPU"], None, targets) is None


def test_condition_fit_takes_the_better_of_words_and_meaning() -> None:
    rule = "Choose RMSLE when relative error matters more than absolute error."
    qterms = {"slow", "seller", "fast"}
    words_only = condition_fit(rule, qterms, {}, None)
    assert words_only == -0.5  # no shared word: another scenario's rule
    assert condition_fit(rule, qterms, {}, None, meaning=1.0) == 1.0


def test_a_denial_reaches_from_its_negation_to_the_end_of_its_clause() -> None:
    q = ("The default weights are fine, and nothing requires the model to run inside the "
         "agency's own network. A private endpoint serves it, because branch systems must not "
         "use the public internet. It needs no training, validation or lineage. No drift alerts "
         "have fired and the input distributions look stable.")
    denied = denied_terms(q)
    for word in ("network", "inside", "internet", "training", "validation", "lineage", "drift"):
        assert content_terms(word)[0] in denied, word
    # said outside a denial: the private endpoint, the weights, the stable inputs
    for word in ("weights", "private", "endpoint", "input", "stable"):
        assert content_terms(word)[0] not in denied, word

    # "and" before a verb of the same subject ends the denial too
    q = "The team has almost no labeled question-answer pairs and wants a usable prototype quickly."
    denied = denied_terms(q)
    assert {content_terms(w)[0] for w in ("labeled", "pairs")} <= denied
    assert not {content_terms(w)[0] for w in ("usable", "prototype", "quickly")} & denied


def test_a_rule_whose_condition_the_question_denies_gets_no_decision_credit() -> None:
    rule = "Choose self-deployment when the weights must run inside your own network."
    q = "Nothing requires the model to run inside the company's own network. What should we use?"
    qterms = set(content_terms(q))
    assert condition_fit(rule, qterms, {}, None) == 1.0  # words alone: the condition is "said"
    assert condition_fit(rule, qterms, {}, None, denied=denied_terms(q)) == -0.5
    # a negated condition ("does not need to run inside") is what the question says
    negated = "Choose MaaS when the model does not need to run inside your own network."
    assert condition_fit(negated, qterms, {}, None, denied=denied_terms(q)) == 1.0


def test_a_rule_the_scenario_denies_does_not_lead(corpus_assistant) -> None:
    # "without any code change in the checkout service" used to lend its words to the rule
    # "Choose online inference ... fraud checks at checkout", which led instead of rolling back.
    q = ("A payments company is midway through a canary on a Vertex AI endpoint: the new fraud "
         "model has 25% of traffic and the previous model, still deployed, has 75%. An hour "
         "after the last increase, false-decline complaints spike, and the on-call engineer "
         "must stop customer impact within minutes without any code change in the checkout "
         "service. What should you do?")
    lead = MARKER.sub("", corpus_assistant.ask(q).lead)
    assert "traffic split back" in lead, lead


def test_a_cue_that_restates_the_scenario_in_other_words_leads(corpus_assistant) -> None:
    # No word of the cue's quote ("transcribe call-center recordings and separate agent from
    # customer") but "agent" is in the question. Before rulefit, a sentence about storing
    # audio files in Cloud Storage led.
    q = ("An insurer stores recorded customer phone calls as audio files in Cloud Storage. "
         "Analysts want written transcripts in which each line is attributed to the agent or "
         "to the caller. The company has no ML specialists and wants a pretrained Google "
         "Cloud service rather than a custom model. What should they use?")
    lead = MARKER.sub("", corpus_assistant.ask(q).lead)
    assert "Speech-to-Text" in lead and "diarization" in lead, lead


def test_a_condition_that_denies_what_the_question_affirms() -> None:
    from assistant.answer.rulefit import condition_denies

    rule = ("Choose plain Dataflow (Apache Beam) when the preprocessing only prepares training "
            "files and serving does not need the same logic, or when the model is not a "
            "TensorFlow model.")
    q = ("You need to run the same preprocessing at training time and at online prediction "
         "time for a TensorFlow model. What should you use?")
    assert condition_denies(rule, q, set(content_terms(q)), denied_terms(q))
    # A question that denies the same things agrees with the rule.
    q2 = "Our scikit-learn model does not need the same logic at serving. Which tool prepares files?"
    assert not condition_denies(rule, q2, set(content_terms(q2)), denied_terms(q2))
    # Words after "instead of" are set aside, not affirmed.
    v2 = ("Choose v2 when a scenario needs monitoring for a model hosted on GKE, or for models "
          "that are not behind a Vertex AI endpoint.")
    q3 = "Which Model Monitoring version can monitor a model served on GKE instead of a Vertex AI endpoint?"
    assert not condition_denies(v2, q3, set(content_terms(q3)), denied_terms(q3))
    # Quoted scenario wording is the scenario's, not a denial of the question.
    pe = 'Choose a private endpoint when a scenario says "predictions must not traverse the public internet".'
    q4 = "Prediction traffic must stay private and not cross the public internet. What should we use?"
    assert not condition_denies(pe, q4, set(content_terms(q4)), denied_terms(q4))
