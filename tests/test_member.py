"""Category questions ("Which processor ...?", "What kind of test ...?") are answered by a
sentence that opens with a member of that category the question does not already name."""

from __future__ import annotations

import pytest

from assistant.answer.base import MARKER
from assistant.answer.member import AskedForm, answers_in_form, asked_category, asked_form, names_member


@pytest.mark.parametrize(("question", "category"), [
    ("A team has stacked PDFs. Which processor should it use?", "processor"),
    ("Training code broke last week. What kind of test should it add?", "test"),
    ("Which type of logging do they need, and when is it turned on?", "logging"),
    ("Which post-training quantization should it apply?", "quantization"),
    ("Which pseudonymization method in Sensitive Data Protection fits?", "pseudonymization"),
    # a generic last word names its kind by the word before; a verb ends the category
    ("Which LiteRT post-training quantization option stores weights as integers?",
     "quantization"),
    ("Which export formats are available for an edge model?", "format"),
    ("Which option should they choose?", None),
    # the question names the members to choose between
    ("Which evaluation method does Google recommend, adaptive rubrics or static rubrics?", None),
    ("What should the team do?", None),
    ("What is the maximum number of models per endpoint?", None),
    ("Which approach should they take?", None),
])
def test_the_asked_category(question: str, category: str | None) -> None:
    assert asked_category(question) == category


def test_a_member_opens_the_sentence_and_is_new_to_the_question() -> None:
    q = "No prebuilt processor understands the bundles. Which processor should it use?"
    assert names_member("Custom processors (Custom Splitter) split bundles.", "processor", q)
    assert names_member("Choose a custom processor when no prebuilt one fits.", "processor", q)
    # the member the question already rules out, and the category word later in a clause
    assert not names_member("Prebuilt processors cover invoices and forms.", "processor", q)
    assert not names_member("Candidates who see other processors should check.", "processor", q)
    # the category itself, named with the question's own words, is not a member
    assert not names_member("The TFX model components form the back of the pipeline.",
                            "component", "Which TFX component verifies that a trained model "
                            "can be served?")
    # "integrates" is a verb, not an "integration"
    assert not names_member("Model Armor integrates with several services.", "integration",
                            "Which integration fits best?")


def test_a_category_question_leads_with_the_member(corpus_assistant) -> None:
    q = ("A lender receives each applicant's paperwork as one scanned PDF in which pay slips, "
         "bank statements and ID copies are stacked in no fixed order, and the file must be cut "
         "into its separate documents before any fields are extracted. No prebuilt processor "
         "handles these bundles, and the team wants to stay within Document AI rather than "
         "write page-boundary rules itself. Which processor should it use?")
    lead = MARKER.sub("", corpus_assistant.ask(q).lead)
    assert "Custom Splitter" in lead, lead


def test_a_passive_ask_is_answered_by_what_can_be_done() -> None:
    q = "The engineer wants a terminal inside the replica. What should be enabled on the job?"
    form = asked_form(q)
    assert form == AskedForm(participle="enabled")
    assert answers_in_form("An interactive shell can be enabled on a custom training job.", form, q)
    assert not answers_in_form("Cloud Storage FUSE streams objects on demand.", form, q)
    assert asked_form("Which processor should it use?") == AskedForm(category="processor")
    assert asked_form("What should the team do?") is None


def test_a_passive_ask_leads_with_what_can_be_enabled(corpus_assistant) -> None:
    q = ("A custom training job on Vertex AI has run for two hours on eight GPUs and writes "
         "oddly small checkpoints. The engineer wants a terminal inside the running replica to "
         "look at files under the /gcs/ mount and run nvidia-smi, without stopping the job. "
         "What should be enabled on the job?")
    lead = MARKER.sub("", corpus_assistant.ask(q).lead)
    assert "interactive shell" in lead, lead
