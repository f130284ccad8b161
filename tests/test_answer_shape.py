"""Issue 14: answers that lead with the answer. The issue's four examples on the shipped
corpus (real model, real Chroma), the answer shape, the quality metrics, and bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from assistant.answer.base import MARKER
from assistant.answer.intake import screen
from assistant.answer.quality import (
    answer_sentences,
    assess,
    lead_keyword_hit,
    off_topic_sentences,
    redundant_pairs,
)
from assistant.answer.shape import constraints_in, question_kind, sentence_role
from assistant.evals import cited_sentences

CHURN = ("My team has 2 TB of tabular data in BigQuery and no ML engineers. They need a churn "
         "model quickly. What should they use?")
LATE_LABELS = ("A fraud model is deployed on Vertex AI. Ground-truth labels arrive 30 days after "
               "each prediction. You need to detect model degradation as early as possible. "
               "What should you do?")


def _plain(s: str) -> str:
    return MARKER.sub("", s).strip()


def _check_shape(ans) -> None:  # noqa: ANN001
    assert not ans.abstained and ans.lead
    assert ans.answer == " ".join([ans.lead, *ans.points])
    assert len(ans.points) <= 4  # 1-3 supporting sentences and at most one caveat
    traps = [p for p in ans.points if p.startswith("Trap")]
    assert len(traps) <= 1 and (not traps or ans.points[-1] == traps[0])
    for part in [ans.lead, *ans.points]:
        assert MARKER.search(part), part  # every sentence carries its citation
    quotes = {c.n: c.chunk.text for c in ans.citations}
    for sentence, nums in cited_sentences(ans.answer):
        assert any(" ".join(sentence.split()) in " ".join(quotes[n].split()) for n in nums
                   if n in quotes), sentence
    sents = answer_sentences(ans.answer)
    assert redundant_pairs(sents)[0] == 0, sents
    assert not any(s.startswith(("Naming:", "Subsection")) for s in sents)


def test_tfx_versus_kfp_says_when(corpus_assistant) -> None:
    ans = corpus_assistant.ask("When should I use TFX instead of Kubeflow Pipelines?")
    _check_shape(ans)
    lead = _plain(ans.lead)
    assert lead.startswith("Choose the TFX SDK") and " when " in lead
    # The deciding condition for the other approach is on the page too.
    assert "Choose the Kubeflow Pipelines SDK" in ans.answer or "TensorFlow" in lead


def test_a_rule_against_what_a_how_to_asks_does_not_lead(corpus_assistant) -> None:
    from assistant.answer.shape import argues_against
    from assistant.answer.text import content_terms

    rule = ("Choose a scheduled notebook execution over a Vertex AI Pipelines run for light "
            "recurring work, such as a weekly data-quality report.")
    q = "How do I schedule a Vertex AI pipeline to run every week?"
    assert argues_against(rule, set(content_terms(q)))
    # Asked about the recommended side, the same rule is an answer.
    assert not argues_against(rule, set(content_terms("How do I schedule a notebook execution?")))
    ans = corpus_assistant.ask(q)
    _check_shape(ans)
    assert "scheduler" in _plain(ans.lead) and "notebook" not in _plain(ans.lead), ans.lead


def test_use_x_instead_of_y_leads_with_the_rule_for_x(corpus_assistant) -> None:
    # "The result of a query can be written to a table that feeds BigQuery ML, AutoML, a custom
    # training job ..." shares every word of the question and recommends nothing.
    ans = corpus_assistant.ask("When should I use BigQuery ML instead of Vertex AI custom training?")
    _check_shape(ans)
    assert _plain(ans.lead).startswith("Choose BigQuery ML when"), ans.lead


def test_a_how_to_leads_with_the_instruction(corpus_assistant) -> None:
    from assistant.answer.candidates import instructs

    assert instructs("On a Vertex AI endpoint, deploy both versions and set a split.")
    assert not instructs("Rollback with traffic splits is fast because the old version is deployed.")
    assert not instructs("In TFX, Evaluator runs TensorFlow Model Analysis.")
    ans = corpus_assistant.ask("How do I deploy two model versions and split traffic between them?")
    _check_shape(ans)
    assert "deploy both versions" in _plain(ans.lead), ans.lead


def test_a_how_to_does_not_lead_with_a_definition_of_its_subject(corpus_assistant) -> None:
    # "Class imbalance means one class is much rarer ..." says what the asker already knows.
    for q in ("What is a good way to handle class imbalance for a fraud model?",
              "How do I handle class imbalance in a fraud model?"):
        ans = corpus_assistant.ask(q)
        _check_shape(ans)
        assert not _plain(ans.lead).startswith("Class imbalance means"), ans.lead


def test_target_leakage_is_covered(corpus_assistant) -> None:
    ans = corpus_assistant.ask("Validation AUC is 0.97 but the deployed model is poor; one feature is only "
                               "recorded after the outcome. What went wrong?")
    _check_shape(ans)
    assert not ans.abstained and "leakage" in _plain(ans.lead).lower(), ans.lead
    assert any("2.3-choosing-evaluation" in c.chunk.source for c in ans.citations)


def test_a_definition_is_not_led_by_a_longer_hyphenated_name(corpus_assistant) -> None:
    from assistant.answer.extractive import longer_name

    w = {"quantiz": 1.0}
    assert longer_name("Quantization-aware training is the alternative".split(), w)
    assert not longer_name("Quantization stores weights".split(), w)
    ans = corpus_assistant.ask("What is quantization and why would I use it?")
    _check_shape(ans)
    assert _plain(ans.lead).startswith("Quantization stores weights"), ans.lead


def test_what_is_an_acronym_leads_with_its_spelled_out_definition(corpus_assistant) -> None:
    # "RAG also reduces hallucination ..." is closer in meaning to "What is RAG?" than the
    # sentence that spells RAG out; the spelled-out name is the definition.
    for q in ("What is RAG?", "What is RAG and when should I use it?"):
        ans = corpus_assistant.ask(q)
        _check_shape(ans)
        assert _plain(ans.lead).startswith("Retrieval-augmented generation (RAG)"), ans.lead


def test_the_guide_history_is_meta(corpus_assistant) -> None:
    assert sentence_role("The October 2024 exam guide explicitly asked candidates to design "
                         "systems with TFX components.") == "meta"
    assert sentence_role("Colab Enterprise first joined the PMLE guide in October 2024.") == "meta"
    ans = corpus_assistant.ask("Which TFX component validates data?")
    _check_shape(ans)
    assert "ExampleValidator" in ans.lead and "guide" not in ans.lead, ans.lead
    ans = corpus_assistant.ask("What is the difference between Vertex AI Workbench and Colab Enterprise?")
    assert "guide" not in ans.lead, ans.lead
    # A question about what the exam covers still gets the guide's history.
    ans = corpus_assistant.ask("does the pmle exam cover generative ai? an older course told me it doesn't")
    assert "October 2024 guide" in ans.answer, ans.answer


def test_another_cases_setup_sentence_is_no_point(corpus_assistant) -> None:
    # The worked example's story ("A bank deploys a customer support chatbot on Gemini ...")
    # does not retell this question; its stated answer (Model Armor) still applies.
    ans = corpus_assistant.ask("How do I protect a Gemini chatbot against prompt injection?")
    _check_shape(ans)
    assert "A bank deploys" not in ans.answer and "Model Armor" in ans.answer, ans.answer


def test_a_cue_quoting_a_question_form_does_not_match_its_words(corpus_assistant) -> None:
    from assistant.answer.shape import quote_match
    from assistant.answer.text import content_terms

    q = set(content_terms("A model's predictions for one group are much less accurate."))
    assert quote_match("predict how much", q, {}, lambda t: 3.0 if t != "predict" else 1.4) == 0.0
    assert quote_match("fraud losses", q | {"fraud"}, {}, lambda t: 3.0) > 0.4
    ans = corpus_assistant.ask("A model's predictions for one demographic group are much less accurate "
                               "than for others. What should we do?")
    _check_shape(ans)
    assert "regressor" not in ans.lead, ans.lead


def test_an_announcement_of_a_few_groups_is_framing() -> None:
    from assistant.answer.framing import FRAMING

    assert FRAMING.search("Serving problems on Vertex AI endpoints usually fall into a few groups.")
    assert not FRAMING.search("A few replicas serve the traffic.")


def test_latency_answer_has_no_naming_sentence(corpus_assistant) -> None:
    ans = corpus_assistant.ask("How do I reduce latency for online predictions on a Vertex AI "
                               "endpoint?")
    _check_shape(ans)
    assert "Naming:" not in ans.answer
    assert re.search(r"latenc|gRPC|private endpoint|replica", ans.answer)


def test_churn_scenario_leads_with_bigquery_ml(corpus_assistant) -> None:
    ans = corpus_assistant.ask(CHURN)
    _check_shape(ans)
    assert _plain(ans.lead).startswith("Choose BigQuery ML")
    assert not ans.lead.startswith("Trap") and "CSV" not in ans.answer


def test_late_labels_scenario_does_not_lead_with_label_based_evaluation(corpus_assistant) -> None:
    ans = corpus_assistant.ask(LATE_LABELS)
    _check_shape(ans)
    lead = _plain(ans.lead)
    assert "inputs look stable" not in ans.answer
    assert "label-based" not in lead and not lead.startswith("Exam cue")
    assert re.search(r"distribution|drift|skew|Model Monitoring", lead)


SEGMENTS = ("A regional telecom wants to split its 4 million prepaid subscribers into a handful of "
            "behavioural groups so the marketing team can design a different offer for each. "
            "Usage history and tenure already sit in BigQuery, and nobody has ever labelled "
            "customers by group. The analysts know SQL but not Python. Which approach should "
            "they take?")


def test_never_labelled_scenario_prefers_clustering_to_a_classifier(corpus_assistant) -> None:
    # Before the "no labels at all" constraint, the rule for labelled history ("predict
    # whether" -> a classifier) outranked the clustering rule for this scenario.
    from assistant.answer.compose import rank_candidates

    passages = corpus_assistant.retrieve(SEGMENTS)
    ranked = [c.text for c in rank_candidates(SEGMENTS, passages,
                                              corpus_assistant.context(SEGMENTS))]
    kmeans = next(i for i, t in enumerate(ranked) if "`KMEANS`" in t and "without labels" in t)
    classifier = next(i for i, t in enumerate(ranked) if "`LOGISTIC_REG`" in t)
    assert kmeans < classifier
    assert "LOGISTIC_REG" not in corpus_assistant.ask(SEGMENTS).lead


def test_answer_json_has_lead_and_points(corpus_settings) -> None:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(corpus_settings.index_dir),
           "ASSISTANT_DATA_DIR": str(corpus_settings.data_dir)}
    proc = subprocess.run([sys.executable, "-m", "assistant", "ask", CHURN, "--json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["lead"] and isinstance(data["points"], list)
    assert data["answer"] == " ".join([data["lead"], *data["points"]])  # still plain text
    proc = subprocess.run([sys.executable, "-m", "assistant", "ask", CHURN],
                          capture_output=True, text=True, env=env, timeout=300)
    lines = proc.stdout.splitlines()
    assert lines[0] == data["lead"] and lines[1].startswith("  - ")


# --- bad input ------------------------------------------------------------------------------

BAD_INPUT = {
    "greeting": "Hello there!",
    "list": "- Vertex AI Pipelines\n- Cloud Composer\n- Dataflow\n- BigQuery ML",
    "non-English": "¿Cómo reduzco la latencia de las predicciones en línea en Vertex AI?",
    "code": "def train(x):\n    model = xgboost.train(params, x)\n    return model.predict(x)",
}


@pytest.mark.parametrize("kind", sorted(BAD_INPUT))
def test_bad_input_gets_one_line_reply(corpus_assistant, kind: str) -> None:
    ans = corpus_assistant.ask(BAD_INPUT[kind])
    assert ans.abstained and not ans.citations and "\n" not in ans.answer
    assert ans.lead == ans.answer and len(ans.answer) < 200


def test_code_with_a_question_is_answered_from_the_prose() -> None:
    s = screen("Why does this run slowly on Vertex AI custom training?\nfor f in files:\n"
               "    df = pd.read_csv(f)\n    model.fit(df)")
    assert s.reply is None and s.question.startswith("Why does this run slowly")


def test_ordinary_questions_pass_the_screen() -> None:
    for q in (CHURN, LATE_LABELS, "What is Vertex AI Vizier?", "hi, what is BigQuery ML?",
              "Which is better:\n- AutoML\n- BigQuery ML\n- custom training?",
              # terse technical English: one function word ("which") among thirteen words
              "Which BigQuery ML options end linear model training once loss improvement "
              "becomes negligible?",
              # no English function word at all, and no other language's either
              "online vs batch inference?", "TPU vs GPU for transformers?"):
        assert screen(q).reply is None, q


@pytest.mark.parametrize("question", [
    "Wie kann ich die Latenz für Online-Vorhersagen auf Vertex AI reduzieren?",
    "Comment réduire la latence des prédictions en ligne sur Vertex AI ?",
    "Hoe kan ik de latentie van online voorspellingen op Vertex AI verlagen?",
    "Bagaimana cara mengurangi latensi prediksi online di Vertex AI?",
])
def test_other_languages_get_the_english_only_line(question: str) -> None:
    reply = screen(question).reply
    assert reply is not None and "English" in reply


def test_a_20000_character_scenario_is_a_one_line_error(corpus_settings) -> None:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(corpus_settings.index_dir),
           "ASSISTANT_DATA_DIR": str(corpus_settings.data_dir)}
    long = "A retailer keeps its sales history in BigQuery. " * 420 + "What should you do?"
    assert len(long) >= 20_000
    proc = subprocess.run([sys.executable, "-m", "assistant", "ask", long], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr and "shorten" in proc.stderr


# --- shape vocabulary and metrics (no model) -------------------------------------------------

def test_question_kinds_and_constraints() -> None:
    assert question_kind(CHURN) == "scenario"
    assert question_kind("When should I use TFX instead of Kubeflow Pipelines?") == "choose"
    assert question_kind("What is Vertex AI Feature Store?") == "definition"
    assert question_kind("How do I reduce latency on an endpoint?") == "howto"
    assert question_kind("What is a good way to handle class imbalance?") == "howto"
    assert question_kind("What is RAG and when should I use it?") == "definition"
    assert question_kind("What is wrong with how they test it, and how should they?") != "definition"
    assert question_kind("Costs are too high and they have a few thousand examples. What tuning "
                         "approach should they use?") == "scenario"
    assert question_kind("What are the best practices for feature engineering?") == "howto"
    # "How should it ...?" asks for advice like "How should they ...?" (it was "howto").
    assert question_kind("A startup gets 429 errors in one region and has no residency "
                         "rules. How should it change where its Gemini requests are sent?") \
        == "scenario"
    assert question_kind("How much does the PMLE exam cost?") == "logistics"
    names = {c.name for c in constraints_in(CHURN)}
    assert {"data in BigQuery", "SQL skills, little ML expertise",
            "least effort or operations"} <= names
    assert "labels late or missing" in {c.name for c in constraints_in(LATE_LABELS)}
    assert "no labels at all" in {c.name for c in constraints_in(SEGMENTS)}
    # Labels that arrive late, or a team with labelled history, are not "never labelled".
    assert "no labels at all" not in {c.name for c in constraints_in(LATE_LABELS)}
    assert "no labels at all" not in {c.name for c in constraints_in(CHURN)}
    # The product's name is not the constraint: "Sensitive Data Protection" alone says nothing
    # about compliance (it made every rule naming the product look like it honoured one).
    assert "compliance or network" not in {c.name for c in constraints_in(
        "Which Sensitive Data Protection technique keeps ages useful for the model?")}
    assert "compliance or network" in {c.name for c in constraints_in(
        "The table holds sensitive health data. Which technique should they use?")}
    # A clause that says the requirement is absent does not state it.
    nightly = ("Churn scores are refreshed every night for a dashboard. Nobody needs an "
               "individual prediction in real time, and the team wants low cost.")
    assert {c.name for c in constraints_in(nightly)} == {"cost"}
    assert "latency" in {c.name for c in constraints_in("The app needs answers in real time.")}


def test_sentence_roles() -> None:
    assert sentence_role("Choose BigQuery ML when the data lives in BigQuery.") == "decision"
    assert sentence_role('Exam cue: "inputs look stable" points to concept drift.') == "cue"
    assert sentence_role("Trap: picking Dataflow for this.") == "trap"
    assert sentence_role("Naming: Vertex AI becomes Agent Platform.") == "meta"
    assert sentence_role("Subsection 6.2 of the June 2026 guide asks candidates to monitor.") == "meta"


def test_quality_metrics_see_repeats_off_topic_and_the_lead() -> None:
    answer = ("Pipelines are written with the KFP SDK or the TFX SDK. [1] Pipelines are written "
              "with the Kubeflow Pipelines SDK or the TFX SDK and run on Vertex AI. [2] "
              "Naming: Vertex AI Pipelines is Agent Platform Pipelines. [3]")
    q = "When should I use TFX instead of Kubeflow Pipelines?"
    sents = answer_sentences(answer)
    assert len(sents) == 3
    assert redundant_pairs(sents) == (1, 3)
    assert off_topic_sentences(q, sents) == 1  # the meta sentence
    assert lead_keyword_hit(answer, ["tfx|kfp"]) and not lead_keyword_hit(answer, ["tensorflow"])
    qa = assess(q, answer, ["tfx"])
    assert qa.sentences == 3 and qa.lead_keyword_hit and qa.words > 20
    # Two decision rules that recommend different things contrast; they do not repeat.
    assert redundant_pairs(["Choose BigQuery SQL over Dataflow when the work is SQL-shaped.",
                            "Choose Dataflow over BigQuery SQL when the work is not SQL-shaped."]
                           ) == (0, 1)


def test_no_kubernetes_skills_is_a_constraint_against_gke_rules() -> None:
    from assistant.answer.shape import CONSTRAINTS

    k8s = next(c for c in CONSTRAINTS if c.name == "no Kubernetes skills")
    for q in ("The two developers have no Kubernetes experience. Where should they serve it?",
              "The team does not run Kubernetes and wants least effort. What should it use?",
              "It has no Kubernetes or Airflow experience. Which orchestrator fits?"):
        assert k8s in constraints_in(q), q
    # GKE named as where a model already runs is not a statement about skills
    assert k8s not in constraints_in("The team wants drift monitoring for the GKE model, "
                                     "without moving the model onto a Vertex AI endpoint.")
    assert k8s.contradicts is not None
    assert k8s.contradicts.search("Choose GKE when a platform team already runs Kubernetes.")
    assert k8s.contradicts.search("Choose vLLM on GKE over a Vertex AI endpoint when ...")
    assert not k8s.contradicts.search("Vertex AI Pipelines is serverless: you never create, "
                                      "patch or scale a Kubernetes cluster.")


def test_a_team_without_kubernetes_does_not_lead_with_gke(corpus_assistant) -> None:
    from assistant.answer.base import MARKER

    q = ("A design agency fine-tuned a small open-weight model from Model Garden to draft "
         "captions. Staff use it a few times a day and never at night, so finance wants to pay "
         "almost nothing while it is idle. The two developers have no Kubernetes experience "
         "and need no traffic splitting, but the model needs a GPU. Where should they serve it?")
    lead = MARKER.sub("", corpus_assistant.ask(q).lead)
    assert "GKE" not in lead and "Kubernetes" not in lead, lead


def test_the_most_likely_cause_and_its_fix_is_a_scenario_not_a_definition() -> None:
    # Nineteenth pass: "What is the most likely cause, and what should they do instead?" was
    # read as "What is X, and when ...?" and ranked sentences as definitions.
    q = ("The training setup is rejected and a colleague suggests doubling the node-hour budget. "
         "What is the most likely cause, and what should they do instead?")
    assert question_kind(q) == "scenario"
    assert question_kind("What is Vertex AI Pipelines, and when should I use it?") == "definition"


def test_a_constraint_whose_other_side_the_question_names_contradicts_nothing() -> None:
    # Nineteenth pass: "trained fine from a BigQuery table" with "when I feed it CSV files"
    # flagged "CSV input is read as strings ..." (the answer) as contradicting the data's home.
    both = ("Why does my AutoML batch prediction job fail with data type errors when I feed it "
            "CSV files from Cloud Storage, though the model trained from a BigQuery table?")
    only = "Our churn data lives in BigQuery and the analysts know SQL. What should they use?"
    got = {c.name: c for c in constraints_in(both)}
    assert "data in BigQuery" in got and got["data in BigQuery"].contradicts is None
    assert {c.name: c for c in constraints_in(only)}["data in BigQuery"].contradicts is not None


def test_what_are_the_sources_or_causes_of_x_is_a_list() -> None:
    assert question_kind("What are the common sources of bias in a machine learning system?") \
        == "list"
    assert question_kind("What are the usual causes of a failed training job?") == "list"


@pytest.mark.parametrize("question", [
    # Nineteenth pass: a setting before the ask hid "how do I" from the kind.
    "After training a k-means model in BigQuery ML, how do I look at the center of each cluster?",
    "In a Vertex AI hyperparameter tuning job, how should I set up a learning-rate range?",
    "What do I need to do so that a custom-trained model can return feature attributions?",
])
def test_a_how_to_after_a_setting_is_a_how_to(question: str) -> None:
    assert question_kind(question) == "howto"
