"""Product names the material never uses: found on the real index, named when declining, and
a decline reason only when the asking sentence is about them."""

from __future__ import annotations

import pytest

from assistant.answer.abstain import AbstainPolicy, Signals, abstention_text, unknown_names
from assistant.answer.text import content_terms


@pytest.fixture(scope="module")
def snap(corpus_assistant):
    return corpus_assistant.retriever.index.snapshot()


@pytest.mark.parametrize(("question", "names"), [
    ("Can I set a time-to-live on memories in Agent Engine Memory Bank?",
     ["Agent Engine Memory Bank"]),
    ("We keep features in Databricks Unity Catalog. How do we serve them?",
     ["Databricks Unity Catalog"]),
    # known names side by side are not a new product
    ("Should we use TensorFlow MultiWorkerMirroredStrategy on Vertex AI?", []),
    # acronyms at the ends of a run of capitals are not part of a name
    ("The job runs on a 16 GB GPU and is built by Cloud Build CI. What is wrong?", []),
    # a sentence's first word is not part of a name; the exam's name is not a product
    ("Which Professional ML Engineer topics cover pipelines?", []),
])
def test_unknown_names_on_the_shipped_index(snap, question: str, names: list[str]) -> None:
    assert unknown_names(question, snap.has_phrase, snap.knows_name) == names


def test_a_name_declines_only_when_the_asking_sentence_names_it() -> None:
    pol = AbstainPolicy()
    base = dict(dense=0.5, coverage=0.30, unseen=0.1, best_sentence=0.2, terms=30)
    passing = Signals(**base, unknown_names=("Looker Studio",))
    assert not pol.abstain(passing)  # a 30-word scenario that mentions it in passing
    asked = Signals(**base, unknown_names=("Memory Bank",), name_asked=True)
    assert pol.abstain(asked)
    covered = Signals(**{**base, "coverage": 0.6}, unknown_names=("Memory Bank",),
                      name_asked=True)
    assert not pol.abstain(covered)  # the rest of the question is well covered


def test_the_decline_names_what_the_material_never_mentions() -> None:
    text = abstention_text([], "How do I use Memory Bank?", ("Memory Bank", "Memory Bank"))
    assert "(it never mentions Memory Bank);" in text
    two = abstention_text([], "q", ("Dialogflow Messenger", "Looker Studio"))
    assert "never mentions Dialogflow Messenger and Looker Studio" in two
    assert "never mentions" not in abstention_text([], "q")


@pytest.mark.parametrize(("question", "declined"), [
    ("Can I set a time-to-live on stored memories in Agent Engine Memory Bank?", True),
    # mentioned in passing, and answerable: the endpoint's autoscaling
    ("A retailer expects Black Friday traffic to be ten times normal. The Vertex AI endpoint "
     "must not drop requests. What should you configure?", False),
    ("Our data engineers load events with Cloud Data Fusion and analysts read them in Looker "
     "Studio. We need to detect training-serving skew on a Vertex AI endpoint. What should we "
     "turn on?", False),
])
def test_questions_naming_unknown_products(corpus_assistant, question: str,
                                           declined: bool) -> None:
    ans = corpus_assistant.ask(question)
    assert ans.abstained == declined, ans.answer
    if declined:
        assert "never mentions" in ans.answer and ans.citations == []


def test_a_plain_word_the_material_never_uses_counts_half(snap, corpus_assistant) -> None:
    from assistant.answer.abstain import PLAIN_UNSEEN, signals

    q = "Is Vertex Explainable AI being retired, and if so, when does access end?"
    passages = corpus_assistant.retrieve(q)
    s = signals(q, passages, snap, snap.df)
    assert snap.df("retir") == 0  # the material says "deprecated"
    terms = {t: snap.idf(t) for t in dict.fromkeys(content_terms(q))}
    assert s.unseen == pytest.approx(PLAIN_UNSEEN * terms["retir"] / sum(terms.values()))
    ans = corpus_assistant.ask(q)
    assert not ans.abstained and "2027" in ans.answer, ans.answer
    # An unknown product name still counts in full and declines.
    q2 = "Is Vertex Explainable AI being replaced by Vertex Insight Studio?"
    s2 = signals(q2, corpus_assistant.retrieve(q2), snap, snap.df)
    assert s2.unseen > s.unseen


def test_units_the_material_spells_out_are_not_unseen_topics(snap, corpus_assistant) -> None:
    from assistant.answer.abstain import signals
    from assistant.retrieve import normalize_query

    # "QPS" and "ms" are what candidates type; the material says "throughput" and
    # "milliseconds". The query is mended before retrieval and the abstention rule see it.
    assert normalize_query("p95 under 50 ms at 10k QPS") == \
        "p95 under 50 milliseconds at 10k throughput (requests per second)"
    assert normalize_query("ms teams") == "ms teams"  # only a number's unit is spelled out
    q = "Our model must serve predictions with under 50 ms latency at high QPS. What should we do?"
    ans = corpus_assistant.ask(q)
    assert not ans.abstained, ans.answer
    assert "throughput" in ans.answer.lower(), ans.answer
    # A size unit counts toward no unseen share: "TB" is no topic the material lacks.
    q2 = "We have 40 TB of tabular training data in BigQuery. Which service trains a model on it?"
    assert snap.df("tb") == 0
    s2 = signals(q2, corpus_assistant.retrieve(q2), snap, snap.df)
    assert s2.unseen == 0.0


def test_a_short_question_about_an_unknown_product_is_declined(corpus_assistant) -> None:
    # Each word is known ("Agent Platform", "RAG Engine"), the product is not; a sentence about
    # RAG Engine sits close in meaning and must not answer it.
    for q in ("What is Vertex AI Agent Engine?", "What is Cloud Data Fusion?"):
        ans = corpus_assistant.ask(q)
        assert ans.abstained and "never mentions" in ans.answer, ans.answer
    assert not corpus_assistant.ask("What is Vertex AI Feature Store?").abstained
