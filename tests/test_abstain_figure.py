"""A question that asks for a figure (a maximum, a minimum, a default, "how many") is answered
only when a sentence states one; passages about the same product without it mean "not
covered", not a confident answer about something else."""

from __future__ import annotations

import pytest

from assistant.answer.abstain_number import asked_figure


@pytest.mark.parametrize(("question", "kind", "about"), [
    ("What is the maximum number of feature views in one online store?", "max",
     {"featur", "view", "onlin", "store"}),
    ("How many trials can run concurrently?", "any", {"trial", "concurr"}),
    ("What is the default autoscaling target?", "default", {"autosc", "target"}),
    # The asking sentence points back at the sentence that names the figure.
    ("They need the default maximum running time of a job. What is it?", "default",
     {"time", "job"}),
])
def test_the_asked_figure_is_read_from_the_asking_sentence(question: str, kind: str,
                                                           about: set[str]) -> None:
    asked = asked_figure(question)
    assert asked is not None and asked[0] == kind and about <= set(asked[1]), asked


@pytest.mark.parametrize("question", [
    "What is Vertex AI Vizier?",
    "How long is the Professional Machine Learning Engineer exam?",  # the exam's own figures
    "A team retrains every week at the latest. What should you do?",  # advice, not a figure
])
def test_other_questions_ask_for_no_figure(question: str) -> None:
    assert asked_figure(question) is None


def test_a_figure_the_material_does_not_state_is_declined(corpus_assistant) -> None:
    # The material explains the Model Registry but states none of its quotas.
    ans = corpus_assistant.ask("What is the maximum number of models one Vertex AI Model "
                               "Registry can hold per project?")
    assert ans.abstained and "does not cover" in ans.answer
    assert any('"missing_figure": true' in n.replace("'", '"').replace("True", "true")
               for n in ans.notes), ans.notes


def test_a_figure_the_material_states_is_answered(corpus_assistant) -> None:
    ans = corpus_assistant.ask("What is the minimum number of rows AutoML Tabular needs?")
    assert not ans.abstained and "1,000" in ans.answer, ans.answer
