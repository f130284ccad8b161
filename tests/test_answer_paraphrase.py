"""Questions worded unlike the material that the material answers: found on the real index
(eighteenth pass of issue 14)."""

from __future__ import annotations

import pytest

from assistant.answer.abstain import quantities
from assistant.answer.action import heading_does, scenario_task
from assistant.answer.definition import definition_subject, opens_with
from assistant.answer.entity import name_does
from assistant.answer.product import asks_for_product, names_product
from assistant.retrieve import normalize_query


def test_everyday_phrasings_are_spelled_as_the_material_spells_them() -> None:
    assert normalize_query("How do I make sure a step is not rerun?") == \
        "How do I ensure a step is not re-run?"


@pytest.mark.parametrize(("question", "needle"), [
    # "make sure" and "rerun": "sure" was a rare unseen word and coverage fell below its floor
    ("How do I make sure a pipeline step is not rerun when its inputs have not changed?",
     "caching"),
    # the best passage's cosine is 0.285: on topic, below the old 0.30 dense floor
    ("How can we reduce hallucinations in a Gemini-based customer support assistant?",
     "grounding"),
])
def test_paraphrased_questions_are_answered(corpus_assistant, question: str,
                                            needle: str) -> None:
    ans = corpus_assistant.ask(question)
    assert not ans.abstained, ans.notes
    assert needle in ans.lead.lower(), ans.lead


@pytest.mark.parametrize("question", ["What is the best way to cook rice?",
                                      "What is the weather in Paris tomorrow?"])
def test_off_topic_questions_are_still_declined(corpus_assistant, question: str) -> None:
    assert corpus_assistant.ask(question).abstained


def test_a_heading_that_names_the_asked_action_marks_the_how_to() -> None:
    q = "How do you handle class imbalance when training a classifier?"
    assert heading_does(q, "Handling class imbalance: class weights, resampling and thresholds")
    assert not heading_does(q, "Choosing a metric for imbalanced data")
    # "Choosing ..." headings are everywhere: a choice question is no how-to of one of them
    assert not heading_does("How do I choose between Cloud Composer and Vertex AI Pipelines?",
                            "Choosing Cloud Composer for general orchestration")


@pytest.mark.parametrize(("question", "needle", "not_lead"), [
    ("How do you handle class imbalance when training a classifier?", "", "ROC AUC"),
    ("How do I turn off caching for one pipeline task?", "set_caching_options", ""),
])
def test_a_how_to_leads_from_the_section_that_does_it(corpus_assistant, question: str,
                                                      needle: str, not_lead: str) -> None:
    ans = corpus_assistant.ask(question)
    assert not ans.abstained, ans.notes
    assert needle in ans.lead, ans.lead
    assert not not_lead or not_lead not in ans.lead, ans.lead


@pytest.mark.parametrize(("text", "named"), [
    ("Redaction removes the sensitive value entirely, which suits free-text fields.", False),
    ("A loss that becomes NaN or explodes usually points to a learning rate that is too high.",
     False),
    ('Scenario cue: "no ML expertise" points to a managed option.', False),
    ("Vertex AI TensorBoard plots loss and metric curves per run.", True),
    ("BigQuery ML trains models with SQL.", True),
    ("Train on GPUs when the model has custom operations.", True),
])
def test_a_sentence_names_a_product(text: str, named: bool) -> None:
    assert names_product(text) is named


@pytest.mark.parametrize(("question", "asks"), [
    ("Which service should they use?", True),
    ("A team compares runs. What should they use?", True),
    ("Which Google Cloud service should the team choose?", True),
    ("What should you do?", False),
    ("Which approach should they use?", False),
])
def test_a_question_asks_for_a_product(question: str, asks: bool) -> None:
    assert asks_for_product(question) is asks


def test_a_product_question_leads_with_a_product(corpus_assistant) -> None:
    ans = corpus_assistant.ask("A team wants to compare dozens of training runs with different "
                               "learning rates and see their loss curves side by side. What "
                               "should they use?")
    assert "TensorBoard" in ans.lead or "Experiments" in ans.lead, ans.lead


def test_the_role_of_a_component_is_what_it_does(corpus_assistant) -> None:
    subject = definition_subject("What is the role of the TFX ExampleValidator component?")
    assert subject == ["tfx", "examplevalid", "compon"]
    assert opens_with("ExampleValidator compares new statistics against the schema.", subject)
    assert not opens_with("On Vertex AI Pipelines a TFX ExampleValidator step runs.", subject)
    ans = corpus_assistant.ask("What is the role of the TFX ExampleValidator component?")
    assert ans.lead.startswith("ExampleValidator"), ans.lead


def test_a_name_that_says_the_asked_action_answers_which_component() -> None:
    q = "Which TFX component validates data?"
    assert name_does("ExampleValidator compares new statistics against the schema.", q)
    assert not name_does("The TFX data components form the front of the pipeline.", q)
    assert not name_does("SchemaGen infers a schema.", q)


def test_late_labels_lead_with_a_signal_that_needs_none(corpus_assistant) -> None:
    ans = corpus_assistant.ask(
        "Your team deployed a model to a Vertex AI endpoint. After two months, prediction "
        "quality dropped, and you suspect the input data has changed. Ground-truth labels are "
        "not available for several weeks. What should you do first?")
    assert "drift" in ans.lead, ans.lead
    assert "joins them with ground-truth labels" not in ans.lead, ans.lead


def test_the_task_a_scenario_wants_done() -> None:
    assert scenario_task("An analyst wants to cluster customers into segments using data "
                         "already in BigQuery. What should they use?") == \
        {"cluster", "custom", "segment"}
    assert scenario_task("What should they use?") == set()


def test_a_scenario_leads_with_its_task_not_its_setting(corpus_assistant) -> None:
    ans = corpus_assistant.ask("An analyst wants to cluster customers into segments using data "
                               "already in BigQuery, without writing Python. What should they "
                               "use?")
    assert "KMEANS" in ans.lead, ans.lead


def test_counts_of_things_are_no_topic() -> None:
    assert quantities("only 800 labeled images and 300 small models") == {"800", "300"}
    # an error code or a version is a name; a figure before a comma is no count of things
    assert quantities("HTTP 429 errors, error 503 when calling version 2 of the API") == set()
    assert quantities("the passing score is 700, is that right?") == set()


def test_a_short_scenario_with_a_count_is_answered(corpus_assistant) -> None:
    ans = corpus_assistant.ask("A healthcare startup wants to classify chest X-rays but has "
                               "only 800 labeled images. What approach should they take?")
    assert not ans.abstained, ans.notes
    assert "pretrained" in ans.answer, ans.answer


def test_a_numbered_subject_is_defined_by_the_sentence_with_its_number(corpus_assistant) -> None:
    subject = definition_subject("What is MLOps level 1?")
    assert subject is not None
    assert opens_with("MLOps level 1 automates the ML pipeline.", subject)
    assert not opens_with("MLOps level 0 is a manual process.", subject)
    assert "level 1" in corpus_assistant.ask("What is MLOps level 1?").lead


def test_a_back_reference_that_a_colon_resolves_can_lead(corpus_assistant) -> None:
    from assistant.answer.continuation import points_back

    assert not points_back("TensorFlow Data Validation (TFDV) implements these checks: it "
                           "computes statistics and validates new data.")
    assert points_back("In TFX, Evaluator and InfraValidator implement these checks, and Pusher "
                       "only releases a blessed model.")
    lead = corpus_assistant.ask("What is TensorFlow Data Validation?").lead
    assert lead.startswith("TensorFlow Data Validation"), lead


def test_online_versus_batch_leads_with_the_difference(corpus_assistant) -> None:
    for q in ("What is the difference between online and batch prediction?",
              "online vs batch inference?"):
        ans = corpus_assistant.ask(q)
        assert not ans.abstained, ans.answer
        assert "synchronously" in ans.lead or "asynchronous" in ans.lead, ans.lead


def test_use_x_instead_of_y_leads_with_x_whatever_umbrella_name_both_carry(corpus_assistant) -> None:
    from assistant.answer.shape import preferred_option

    assert preferred_option("When should I use Vertex AI Search instead of RAG Engine?") == \
        ({"search"}, {"rag", "engin"})
    lead = corpus_assistant.ask("When should I use Vertex AI Search instead of RAG Engine?").lead
    assert lead.startswith("Choose Vertex AI Search"), lead
    lead = corpus_assistant.ask("When should I use RAG Engine instead of Vertex AI Search?").lead
    assert "RAG Engine" in lead.split(" for ")[0], lead
