"""What a scenario says was already tried and fell short does not lead (answer/tried.py)."""

from __future__ import annotations

from assistant.answer.base import MARKER
from assistant.answer.rulefit import denied_terms
from assistant.answer.text import content_terms
from assistant.answer.tried import about_tried, needs_denied, ruled_out, tried_things


def test_the_tried_thing_is_read_from_already_but() -> None:
    q = ("Request-response logging to BigQuery is already enabled, but the table holds no "
         "stack traces. Which logging should the team inspect?")
    tried = tried_things(q)
    assert tried and set(content_terms("request-response logging")) <= tried[0]
    assert about_tried("Request-response logging stores a sample of requests in BigQuery.",
                       "plain", tried)
    assert not about_tried("Choose container logging when the model server crashes.",
                           "decision", tried)
    assert about_tried("Choose request-response logging when the goal is to analyze inputs.",
                       "decision", tried)
    # "already" without a "but"/"yet" states a fact, not a failed attempt.
    assert tried_things("The data already sits in BigQuery. What should they use?") == []
    assert tried_things("They already train in bfloat16 mixed precision, yet the job runs "
                        "out of memory. What now?")


def test_a_scenario_does_not_lead_with_what_it_already_tried(corpus_assistant) -> None:
    # Before tried.py the lead was "Request-response logging stores a sample of online
    # prediction requests and responses in a BigQuery table ...": the thing ruled out.
    q = ("A custom serving container on an Agent Platform endpoint intermittently returns "
         "HTTP 500 errors, and the team suspects an unhandled exception in its Python model "
         "server. Request-response logging to BigQuery is already enabled, but that table "
         "holds only sampled payloads and predictions, with no stack traces. Which kind of "
         "endpoint logging should the team inspect, and where does it appear?")
    lead = MARKER.sub("", corpus_assistant.ask(q).lead)
    assert not lead.startswith("Request-response logging"), lead
    assert "ontainer log" in lead, lead


def test_a_method_that_needs_what_the_question_denies_is_ruled_out() -> None:
    q = ("Which LiteRT post-training quantization option stores weights as 8-bit integers "
         "without needing a representative dataset for calibration?")
    denied = denied_terms(q)
    assert needs_denied("Full integer quantization converts weights and activations to 8-bit "
                        "integers, which needs a small representative dataset to calibrate "
                        "activation ranges.", denied)
    # "needs no calibration data" states no need; a need the question does not deny is fine
    assert not needs_denied("Dynamic range quantization stores weights as 8-bit integers and "
                            "needs no calibration data.", denied)
    assert not needs_denied("Quantization-aware training requires retraining the model.", denied)


def test_a_rule_recommending_what_the_question_denies_is_ruled_out(corpus_assistant) -> None:
    q = ("Your team needs to train a custom PyTorch model on Vertex AI using a library version "
         "that no prebuilt container supports. What should you do?")
    denied = denied_terms(q)
    assert needs_denied("Choose a prebuilt Vertex AI serving container when the framework is "
                        "PyTorch.", denied)
    assert not needs_denied("Choose a custom container when no prebuilt image fits.", denied)
    ans = corpus_assistant.ask(q)
    assert not ans.lead.startswith("Choose a prebuilt"), ans.lead


def test_the_quantization_that_needs_no_dataset_leads(corpus_assistant) -> None:
    q = ("A robotics team converts a vision model to LiteRT for a small ARM board. Which "
         "post-training quantization option keeps the weights as 8-bit integers without "
         "needing any representative dataset for calibration?")
    lead = MARKER.sub("", corpus_assistant.ask(q).lead)
    assert lead.startswith("Dynamic range quantization"), lead


NO_K8S = ("A two-person startup has no Kubernetes experience and wants to serve an open-weight LLM "
          "it fine-tuned, with autoscaling and request logging. What should it use?")


def test_a_recommendation_the_question_rules_out_is_another_scenarios_answer() -> None:
    assert ruled_out("Choose GKE when a platform team already runs Kubernetes.", "decision", NO_K8S)
    assert ruled_out("GKE scales model servers with the Horizontal Pod Autoscaler.", "plain", NO_K8S)
    assert ruled_out('"Must stay portable across clouds" points to Kubeflow on GKE.', "cue", NO_K8S)
    assert not ruled_out("Choose a self-deployed Vertex AI endpoint when you need your own "
                         "weights but managed autoscaling.", "decision", NO_K8S)
    # a sentence that only mentions the platform later is not about it; a trap is not a rule
    assert not ruled_out("Vertex AI endpoints autoscale replicas, with no cluster on GKE to run.",
                         "plain", NO_K8S)
    assert not ruled_out("Trap: running vLLM on GKE for a team without Kubernetes skills.", "trap",
                         NO_K8S)


def test_no_kubernetes_experience_does_not_get_a_gke_answer(corpus_assistant) -> None:
    # Before ruled_out, every sentence of this answer was about GKE node pools and autoscalers.
    ans = corpus_assistant.ask(NO_K8S)
    assert not ans.abstained
    assert "Vertex AI endpoint" in ans.lead, ans.lead
    assert "GKE" not in ans.lead and "Kubernetes" not in ans.lead



def test_a_rule_for_what_the_question_already_uses_is_no_answer_to_a_non_choice() -> None:
    # Nineteenth pass: "trained an ARIMA_PLUS model ... Which setting should they change?" led
    # with "Choose BigQuery ML `ARIMA_PLUS` when the data is already in BigQuery ...".
    from assistant.answer.tried import recommends_what_they_have

    rule = "Choose BigQuery ML `ARIMA_PLUS` when the data is already in BigQuery."
    q = ("A utility trained a BigQuery ML ARIMA_PLUS model on meter readings. It flags too many "
         "hours. Which setting in the anomaly query should the analysts change?")
    assert recommends_what_they_have(rule, "decision", q)
    assert ruled_out(rule, "decision", q)
    # A choice of product may still be answered by it, and a rule for something else is kept.
    assert not recommends_what_they_have(rule, "decision", q.replace(
        "Which setting in the anomaly query should the analysts change?",
        "Which service should they use?"))
    other = "Choose `ML.DETECT_ANOMALIES` when the model is already trained."
    assert not recommends_what_they_have(other, "decision", q)
