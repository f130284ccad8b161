"""A question that asks for a figure (a maximum, a minimum, a default, "how many") is answered
only when a sentence states one; passages about the same product without it mean "not
covered", not a confident answer about something else."""

from __future__ import annotations

import pytest

from assistant.answer.abstain import asks_for_price
from assistant.answer.abstain_number import asked_figure, asking_sentence, states_the_figure
from assistant.answer.text import states_figure
from assistant.records import Chunk, Passage


@pytest.mark.parametrize(("question", "kind", "about"), [
    ("What is the maximum number of feature views in one online store?", "max",
     {"featur", "view", "onlin", "store"}),
    ("How many trials can run concurrently?", "any", {"trial", "concurr"}),
    ("What is the default autoscaling target?", "default", {"autosc", "target"}),
    # The asking sentence points back at the sentence that names the figure.
    ("They need the default maximum running time of a job. What is it?", "default",
     {"time", "job"}),
    # "What is the limit?" names nothing of its own either.
    ("The architect asks how many Model Armor templates one project may hold. What is the "
     "limit?", "any", {"model", "armor", "templat"}),
    ("They want to know the shortest commitment term Google sells for an order. What are "
     "those figures?", "min", {"commit", "term", "order"}),
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


@pytest.mark.parametrize("question", [
    "What is the monthly storage charge per GiB for data kept in a TensorBoard instance?",
    "What does Vertex AI Pipelines charge per pipeline run?",
    # the price is named in the sentence the ask points back to
    "Finance wants the monthly list price of one scale unit. What are those figures?",
])
def test_a_charge_is_a_price_question(question: str) -> None:
    assert asks_for_price(question)


@pytest.mark.parametrize("question", [
    "The endpoint serves 10,000 requests per hour. What should you do?",  # a rate, not a price
    "A team wants a low cost per prediction. Which serving option fits?",  # sets the scene
    "Which metric should they monitor? What is it?",
    # advice on spending less, not an amount
    "How do I reduce the cost of a Vertex AI endpoint that is idle most of the day?",
    "How can we lower the monthly bill of our endpoint?",
])
def test_a_rate_or_a_scene_is_not_a_price_question(question: str) -> None:
    assert not asks_for_price(question)


def test_a_bare_ask_points_back_but_advice_does_not() -> None:
    q = "The team needs the longest run time of a job. What is the limit?"
    assert asking_sentence(q) == "The team needs the longest run time of a job."
    q2 = "The team needs the longest run time of a job. What should you do?"
    assert asking_sentence(q2) == "What should you do?"


def test_a_section_number_is_not_a_figure() -> None:
    chunk = Chunk(id="c1", source="s.md", title="t", heading_path=("Model Armor",), ordinal=0,
                  text="Model Armor is new in subsection 6.1 of the guide, which asks about "
                       "templates.")
    q = "How many Model Armor templates can one project hold?"
    assert not states_the_figure(q, [Passage(chunk, 1, 1.0)])
    chunk2 = Chunk(id="c2", source="s.md", title="t", heading_path=("Model Armor",), ordinal=1,
                   text="A project can hold up to 100 Model Armor templates.")
    assert states_the_figure(q, [Passage(chunk2, 1, 1.0)])


def test_a_price_the_material_does_not_state_is_declined(corpus_assistant) -> None:
    # The material describes TensorBoard for experiments but states no product prices.
    ans = corpus_assistant.ask("Our team logs training curves to the managed TensorBoard "
                               "instance behind our experiments. What is the monthly storage "
                               "charge per GiB for data kept in a Vertex AI TensorBoard "
                               "instance?")
    assert ans.abstained and "does not cover" in ans.answer


def test_a_figure_about_another_setting_does_not_answer_a_code_name() -> None:
    q = ("Before submitting a tuning job they want the maximum values that max_trial_count and "
         "parallel_trial_count accept. What are the limits?")
    other = Chunk(id="c1", source="s.md", title="t", heading_path=("Tuning",), ordinal=0,
                  text="BigQuery ML tuning sets NUM_TRIALS, the maximum number of sub-models, "
                       "between 1 and 100.")
    assert not states_the_figure(q, [Passage(other, 1, 1.0)])
    same = Chunk(id="c2", source="s.md", title="t", heading_path=("Tuning",), ordinal=1,
                 text="A tuning job accepts max_trial_count up to 1,000.")
    assert states_the_figure(q, [Passage(same, 1, 1.0)])


def test_a_figure_spelled_in_words_is_a_figure() -> None:
    # "stays valid for two years" answers "how long ...?" as well as "valid for 2 years" would;
    # "one model" or "two of the options" state no figure.
    assert states_figure("The certification stays valid for two years.")
    assert states_figure("The exam lasts twelve hours.")
    assert states_figure("The recommended experience is three or more years of industry work.")
    assert not states_figure("Pick two of the options for one model.")
    assert not states_figure("The guide changed in June 2026.")


def test_a_duration_the_material_states_in_words_is_answered(corpus_assistant) -> None:
    # The validity period is written "two years": it used to count as no figure at all, and a
    # question the material answers plainly was declined.
    ans = corpus_assistant.ask("How long is the PMLE certification valid?")
    assert not ans.abstained and "two years" in ans.lead, ans.answer


def test_how_to_cut_a_cost_is_answered_not_declined_as_a_price(corpus_assistant) -> None:
    # "the cost of a ..." once read as a price question, and the corpus states no product
    # prices, so a question its section on idle endpoints answers was declined.
    ans = corpus_assistant.ask("How do I reduce the cost of a Vertex AI endpoint that is idle "
                               "most of the day?")
    assert not ans.abstained, ans.notes
    assert "replica" in ans.answer.lower(), ans.answer


def test_how_many_reads_the_thing_counted() -> None:
    from assistant.answer.abstain_number import counted_figure

    pattern = counted_figure("How many questions are on the PMLE exam?")
    assert pattern is not None
    assert pattern.search("The exam contains 50 to 60 questions, about two minutes each.")
    assert not pattern.search("Google does not publish how many questions come from each section.")
    assert counted_figure("What is the exam fee?") is None
    duration = counted_figure("How long is the exam?")
    assert duration is not None and duration.search("The exam lasts two hours (120 minutes).")
    assert not duration.search("Keep the last part of the two hours for flagged items.")
    assert not duration.search("That is roughly two minutes per question.")


@pytest.mark.parametrize(("question", "expected"), [
    # "questions" and "exam" are stop words: "many" was the only word left to match, and the
    # sentence that repeats "how many questions" led instead of the count.
    ("How many questions are on the PMLE exam?", "50 to 60"),
    # "long" is the only word left too, and "keep the last part of the two hours" has it.
    ("How long is the exam?", "two hours (120 minutes)"),
    # ... while a count per section really is unpublished.
    ("How many questions come from section 3 of the exam guide?", "does not publish"),
    # The fee section says what the exam costs in those words too (it was declined as a price).
    ("How much does the exam cost?", "USD 200"),
    # "taking" matched "people who take ML systems to production"; "three or more years" was
    # no figure, so the question was declined as missing_figure.
    ("How much experience do I need before taking the PMLE exam?", "three or more years"),
])
def test_exam_counts_and_fee_lead_with_the_fact(corpus_assistant, question: str,
                                                expected: str) -> None:
    ans = corpus_assistant.ask(question)
    assert not ans.abstained and expected in ans.lead, ans.answer


def test_limit_as_a_verb_asks_for_no_figure() -> None:
    # Nineteenth pass: "What should the team change to limit the damage ...?" was read as a
    # question about a limit, and declined because no sentence states one.
    assert asked_figure("What should the team change to limit the damage if an injection "
                        "attack still gets through?") is None
    assert asked_figure("How do we limit who can read the table?") is None
    assert asked_figure("What is the limit on feature views in one online store?") is not None
