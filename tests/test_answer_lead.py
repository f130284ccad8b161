"""Lead selection and abstention calibration (issue 14, second pass): exam cues without their
label, worked examples, traps that state the answer, section openings, 'reduce X' questions,
and the abstention rules that used to decline scenarios a passage answers."""

from __future__ import annotations

import pytest

from assistant.answer.abstain import (
    AbstainPolicy,
    Signals,
    asks_for_price,
    identifiers,
    missing_logistics_subject,
    missing_wanted,
    real_ask,
    wanted,
)
from assistant.answer.base import MARKER
from assistant.answer.shape import cue_quotes, quote_match, sentence_role
from assistant.answer.text import content_terms
from assistant.evals import cited_sentences


def _plain(s: str) -> str:
    return MARKER.sub("", s).strip()


def test_a_quoted_cue_without_its_label_is_a_cue() -> None:
    text = '"Tuning finishes but shows no metric values" points to a missing `cloudml-hypertune` report.'
    assert sentence_role(text) == "cue"
    assert cue_quotes('Phrases such as "least operational overhead" or "no infrastructure" point '
                      "to a managed API.") == ["least operational overhead", "no infrastructure"]


def test_a_sentence_about_what_exam_questions_probe_is_meta() -> None:
    assert sentence_role("Gemini and foundation-model tuning questions usually test whether "
                         "tuning is needed at all.") == "meta"
    # a rule stated as what the exam asks for still teaches the rule
    assert sentence_role("Exam questions usually ask for the option with the least operational "
                         "overhead that still meets the requirements.") != "meta"


def test_a_sentence_about_the_note_itself_is_meta() -> None:
    # It once closed an answer about autologging: it describes the study note, not the product.
    assert sentence_role("This note covers the daily practice of Vertex AI Experiments: what to "
                         "record in a run and how autologging works.") == "meta"
    assert sentence_role("These notes cover the BigQuery ML half: which `MODEL_TYPE` fits which "
                         "business problem.") == "meta"
    assert sentence_role("These notes are filed under the current 5.1.") == "meta"
    assert sentence_role("This setting covers most training jobs.") == "plain"
    assert sentence_role("These nodes cover every zone.") == "plain"


def test_one_shared_rare_word_is_not_the_same_scenario() -> None:
    question = set(content_terms("Compliance forbids any customer from receiving a decision "
                                 "from the new model until the comparison is signed off."))
    w = {t: 5.0 for t in question}
    assert quote_match("A compliance officer must approve each release", question, w) == 0.0
    assert quote_match("compliance forbids the new model", question, w) > 0.45


def test_rates_are_not_price_questions() -> None:
    assert not asks_for_price("A model receives a few requests per hour and must cost nothing "
                              "when idle. What should you use?")
    assert asks_for_price("What is the hourly price of a TPU v5e chip?")
    assert asks_for_price("How much does an A100 GPU node cost per hour?")
    assert asks_for_price("What's the per node hour cost of an n1-standard-4 node?")


def test_a_scenarios_own_column_names_are_not_unknown_options() -> None:
    assert identifiers("The table has columns customer_id and churned_flag. What should you "
                       "do?") == []
    assert identifiers("How do I turn on the auto_rollback flag?") == ["auto_rollback"]
    assert identifiers("What does the DRIFT_AUTOFIX option do?") == ["drift_autofix"]
    # Backticks do not make a column an option: the data nouns around it decide.
    assert identifiers("Validation reports a new column `promo_code_v2` that was not in the "
                       "schema. How should the pipeline respond?") == []
    assert identifiers("Most alerts come from a rarely used `browser_version` feature. What "
                       "should the team change?") == []
    assert identifiers("How do I set the `num_leaves` parameter?") == content_terms("num_leaves")


def test_a_logistics_question_about_something_no_passage_mentions() -> None:
    seen = set(content_terms("The exam lasts two hours and has 50 to 60 questions; it is "
                             "offered in two languages at test centers or online."))
    q = "Which ID documents do I need to show at the test center for the exam?"
    assert missing_logistics_subject(q, seen) == "ID documents"
    assert missing_logistics_subject("What languages is the PMLE exam offered in?", seen) is None
    assert missing_logistics_subject("Which ID documents do I need for Vertex AI?", seen) is None


def test_a_short_logistics_ask_is_read_with_what_the_asker_wants_to_know() -> None:
    # "What are the test-centre rules?" alone shares "rule" with the passages; the sentence
    # before it says what is asked (scratch paper, a calculator, a smartwatch), which no
    # passage mentions. Before real_ask the check passed this question and it got filler.
    seen = set(content_terms("The exam lasts two hours and has 50 to 60 questions; it is "
                             "offered at test centers or online, and the rules for test "
                             "centers are set by the delivery partner."))
    q = ("I'm booked to sit the PMLE exam at a test center next month. I want to know whether "
         "the center hands out scratch paper, whether I may bring a calculator, and whether my "
         "smartwatch has to go into a locker. What are the test-center rules?")
    missing = missing_logistics_subject(q, seen)
    assert missing is not None and "calcul" in missing
    assert real_ask("What languages is the PMLE exam offered in?") == \
        "What languages is the PMLE exam offered in?"
    covered = ("I sit the PMLE exam next month. I want to know how long it lasts and whether "
               "test centers set the rules. What are the rules?")
    assert missing_logistics_subject(covered, seen) is None


def test_a_scenario_whose_wanted_detail_no_passage_gives_is_declined() -> None:
    # The scenario around the clause is covered (Agent Engine, agents, deploy); the detail the
    # team needs to know (memory generation, time-to-live) is not. Before missing_wanted
    # such questions got an answer about service accounts.
    seen = set(content_terms("Agent Engine deploys and scales agents built with LangGraph; a "
                             "deployed agent runs as a service account and keeps sessions."))
    q = ("A startup built a customer-service agent with LangGraph and hosts it on Agent "
         "Engine. They need to know how to configure memory generation and the time-to-live "
         "of stored memories when they deploy the agent. What should they configure?")
    assert wanted(q) is not None and "time-to-live" in wanted(q)
    assert missing_wanted(q, seen)
    covered = ("A startup built an agent with LangGraph. They need to know how to deploy the "
               "agent on Agent Engine and which account it runs as. What should they do?")
    assert not missing_wanted(covered, seen)
    assert not missing_wanted("What is Agent Engine?", seen)  # no such clause
    assert AbstainPolicy().abstain(Signals(dense=0.7, coverage=0.9, unseen=0.0,
                                           best_sentence=0.6, terms=20, missing_wanted=True))


def test_abstention_floors_move_with_length_and_meaning_can_vouch() -> None:
    pol = AbstainPolicy()
    mid = Signals(dense=0.5, coverage=0.30, unseen=0.0, best_sentence=0.13, terms=14)
    assert not pol.abstain(mid)  # a 14-word scenario: floors between short and long
    short = Signals(dense=0.5, coverage=0.30, unseen=0.0, best_sentence=0.13, terms=6)
    assert pol.abstain(short)
    vouched = Signals(dense=0.6, coverage=0.30, unseen=0.0, best_sentence=0.13, terms=6,
                      best_sem=0.7)
    assert not pol.abstain(vouched)  # a sentence says it in other words
    priced = Signals(dense=0.6, coverage=0.9, unseen=0.0, best_sentence=0.6, terms=6,
                     best_sem=0.7, missing_price=True)
    assert pol.abstain(priced)  # the exact checks still win
    # A long scenario's situation words are often unknown to the index: its unseen bar is
    # higher; a short question with as many unseen words is still declined.
    assert not pol.abstain(Signals(dense=0.5, coverage=0.4, unseen=0.39, best_sentence=0.2,
                                   terms=30))
    assert pol.abstain(Signals(dense=0.5, coverage=0.4, unseen=0.39, best_sentence=0.2, terms=6))
    assert pol.abstain(Signals(dense=0.5, coverage=0.4, unseen=0.45, best_sentence=0.2,
                               terms=30))
    # Nineteenth pass: past the long floor, the best sentence needs about two rare words'
    # worth of the question, not a fixed share: a 48-term scenario at 0.056 is answered, a
    # 36-term one at 0.052 (s008, unanswerable) is still declined.
    assert not pol.abstain(Signals(dense=0.5, coverage=0.21, unseen=0.17, best_sentence=0.056,
                                   terms=48))
    assert pol.abstain(Signals(dense=0.5, coverage=0.21, unseen=0.17, best_sentence=0.052,
                               terms=36))


def test_worked_example_leads_with_its_stated_answer(corpus_assistant) -> None:
    q = ("A bank runs a customer support chatbot on Gemini in Vertex AI. Testers found that some "
         "users can talk the chatbot into ignoring its instructions, and a few replies repeated "
         "other customers' account numbers taken from retrieved documents. The security team "
         "wants a managed control with minimal custom code. What should you do?")
    ans = corpus_assistant.ask(q)
    assert not ans.abstained
    assert "Model Armor" in ans.lead
    assert "A bank deploys" not in ans.answer  # the example's retelling is not repeated


def test_reduce_latency_leads_with_a_latency_lever(corpus_assistant) -> None:
    ans = corpus_assistant.ask("How do I reduce latency for online predictions on a Vertex AI "
                               "endpoint?")
    assert not ans.abstained
    assert "latenc" in ans.lead.lower() or "time" in ans.lead.lower()
    assert not _plain(ans.lead).startswith("Vertex AI online prediction")
    # a cited section opening is listed after the top k, so citations still point at passages
    ranks = {p.rank for p in ans.passages}
    for _, nums in cited_sentences(ans.answer):
        assert all(n in ranks for n in nums)


def test_every_goal_of_a_scenario_counts(corpus_assistant) -> None:
    # "save memory and ... speed up the matrix math before paying": two goals, the second one
    # ending at "before"; the rule keyed to "target batch size" is about neither.
    ans = corpus_assistant.ask(
        "A team trains a vision model with Adam on one GPU. At the target batch size from the "
        "recipe, the first step fails with an out-of-memory error; the activations, not the "
        "weights, overflow. They want to save memory and speed up the matrix math before paying "
        "for a bigger accelerator. What should they try first?")
    assert "mixed precision" in ans.lead.lower(), ans.lead


@pytest.mark.parametrize("question", [
    "You need to serve a small scikit-learn model that receives a few requests per hour, and "
    "you want to pay nothing when it is idle. What should you use?",
    "Your company runs Kubeflow Pipelines on a self-managed GKE cluster and the platform team "
    "spends many hours on upgrades. The data scientists want to keep their pipeline code. You "
    "need to reduce operational overhead. What should you do?",
])
def test_scenarios_the_material_answers_are_answered(corpus_assistant, question: str) -> None:
    ans = corpus_assistant.ask(question)
    assert not ans.abstained, ans.notes
    assert not ans.lead.startswith("Trap")


# --- third pass (tuned on evals/pmle_dev2.jsonl) -----------------------------------------------

def test_only_the_asking_sentence_makes_a_price_question() -> None:
    assert not asks_for_price("An insurer's pricing team wants neural-network accuracy on its "
                              "tabular policy data. Which model type should it use?")
    assert not asks_for_price("The team must keep the cost per prediction low. Which serving "
                              "option should it choose?")
    assert asks_for_price("The team serves a model on GPUs. How much does an A100 node cost "
                          "per hour?")


def test_a_logistics_question_whose_own_words_no_passage_has() -> None:
    seen = set(content_terms("The exam lasts two hours and has 50 to 60 questions; pace "
                             "yourself and flag long questions for a second look."))
    q = "If I fail the PMLE exam, how long must I wait before I can take it again?"
    assert missing_logistics_subject(q, seen) is not None
    # "how long" and "how many" are the question's phrase, not what the material must state
    assert missing_logistics_subject("How long is the PMLE exam and how many questions does "
                                     "it have?", seen) is None
    # not about the exam: the rule does not apply
    assert missing_logistics_subject("If a training job fails, how long must I wait before "
                                     "retrying it?", seen) is None


def test_a_decision_rule_counts_as_far_as_its_condition_is_the_question() -> None:
    from assistant.answer.compose import condition_fit

    q = ("Your XGBoost model is served on a Vertex AI endpoint with a GPU attached to reduce "
         "latency. Latency barely changed but the bill tripled. What should you do?")
    qterms = set(content_terms(q))
    w = {t: 3.0 for t in qterms}
    other = condition_fit("Choose Reduction Server when a multi-node GPU job spends a large "
                           "share of each step waiting on gradient communication.", qterms, w, None)
    same = condition_fit("Choose CPU serving when the model is XGBoost and the GPU barely "
                          "changed latency but tripled the bill.", qterms, w, None)
    assert other < 0 < same
    assert condition_fit("Choose CPU serving.", qterms, w, None) == 1.0  # no condition stated


@pytest.mark.parametrize("text", [
    "Choose these changes when a scenario reports request too large errors.",
    "Examples are JAX, a pinned CUDA version or system libraries installed with apt.",
    # "this integration" is whatever the sentence before introduced (autologging, there)
    "The documentation says this integration is unavailable for jobs on TPUs.",
    "Google instead recommends experience.",  # instead of what the sentence before said
    # "that model" is the design the paragraph described before
    "The current Vertex AI Feature Store replaces that model: BigQuery is the offline store.",
    "Only some Gemini versions can be tuned this way, and the list changes with releases.",
    "Second, use Vertex AI AutoML when you need your own labels.",  # a list's second step
    "Last, use custom training when nothing else meets the requirement.",
])
def test_sentences_that_point_back_do_not_lead(text: str) -> None:
    from assistant.answer.continuation import points_back

    assert points_back(text)
    assert not points_back("Choose CPU serving when the model is a tree ensemble.")
    assert not points_back("Third-party directories sometimes list a passing score.")


@pytest.mark.parametrize(("question", "why"), [
    ("Our Vertex AI training job sits in JOB_STATE_QUEUED and never starts. Why?", True),
    ("Accuracy fell overnight. What is the most likely cause?", True),
    ("Why does my pipeline step miss the cache? It ran yesterday.", True),
    # "why" as what the scenario needs, not what it asks
    ("An insurer must explain to auditors why each claim was flagged by its XGBoost model. "
     "What should the ML engineer configure?", False),
    ("Adjusters want to know roughly why a claim was flagged. Which model type fits?", False),
])
def test_a_why_question_is_read_from_the_sentence_that_asks(question: str, why: bool) -> None:
    from assistant.answer.shape import asks_why

    assert asks_why(question) is why


def test_explain_why_in_a_scenario_does_not_lead_with_a_reason(corpus_assistant) -> None:
    # "The reason is practical: ..." led because the scenario says "explain ... why".
    ans = corpus_assistant.ask("An insurance company must explain to auditors why each claim "
                               "was flagged by its XGBoost model deployed on Vertex AI. What "
                               "should the ML engineer configure?")
    assert not ans.lead.startswith("The reason"), ans.lead
    assert "Explainable AI" in ans.lead, ans.lead


def test_a_why_question_leads_with_a_cause(corpus_assistant) -> None:
    ans = corpus_assistant.ask("Our Vertex AI training job sits in JOB_STATE_QUEUED and never "
                               "starts. Why?")
    assert "usually means" in ans.lead and "quota" in ans.lead, ans.lead


def test_what_makes_the_symptom_happen_is_a_cause(corpus_assistant) -> None:
    # Nineteenth pass: "... a script that launches a server in the background and exits makes
    # the container stop immediately" states the cause without "because" or "usually means".
    from assistant.answer.shape import CAUSE_LEAD

    assert CAUSE_LEAD.search("A script that exits makes the container stop immediately.")
    assert not CAUSE_LEAD.search("Caching makes the pipeline cheaper to re-run.")
    ans = corpus_assistant.ask(
        "A startup wraps its model in a FastAPI server inside a custom container whose start "
        "script launches uvicorn in the background. Locally the team always started the server "
        "by hand, but on a Vertex AI endpoint the deployment fails because the container stops "
        "right after it starts. What is the most likely cause?")
    assert "background" in ans.lead, ans.lead


def test_a_product_that_also_does_something_can_lead() -> None:
    from assistant.answer.continuation import points_back

    assert points_back("Cost also matters: a GPU replica bills while idle.")
    assert not points_back("BigQuery also offers an `AI.FORECAST` function.")
    assert not points_back("TPU also means a different compiler.")


def test_a_scenarios_late_labels_in_other_words() -> None:
    from assistant.answer.shape import constraints_in

    q = ("An insurer's fraud model learns whether a claim was fraudulent only after "
         "investigators close the case, which usually takes about a month. What should the "
         "team monitor?")
    assert "labels late or missing" in [c.name for c in constraints_in(q)]


def test_a_restated_scenario_sentence_raises_its_passage_sentence(corpus_assistant) -> None:
    """The per-sentence vectors of a multi-sentence question reach the composer."""
    q = ("A logistics company releases a model that expects a new request schema. Old and new "
         "requests are incompatible, so it cannot send a small share of users to the new "
         "model first. Which rollout strategy should it use?")
    ctx = corpus_assistant.context(q)
    assert ctx.clause_vectors is not None and len(ctx.clause_vectors) == 3
    assert corpus_assistant.context("What is a canary rollout?").clause_vectors is None


@pytest.mark.parametrize(("question", "head"), [
    ("Which TFX component makes sure a model can be served?", {"tfx", "component"}),
    ("Which judge models can score translations?", {"judge", "models"}),
    ("What file name must a scikit-learn artifact use?", {"file", "name"}),
    ("which input formats does batch prediction accept?", {"input", "formats"}),
    # A preposition may come first (nineteenth pass).
    ("In which languages can I sit the exam?", {"languages"}),
    # Advice, an approach, or a dropped verb: not a request for a name.
    ("Which model should they train?", set()),
    ("Which approach is best for a small team?", set()),
    ("What the least privilege way to call one endpoint?", set()),
    ("What is Vertex AI Pipelines?", set()),
    # The approach word is the fourth word read: the head still asks for an approach.
    ("Which Vertex Explainable AI method should they use?", set()),
])
def test_the_head_of_an_entity_question(question: str, head: set[str]) -> None:
    from assistant.answer.entity import entity_head

    assert entity_head(question) == frozenset(content_terms(" ".join(sorted(head))))


def test_an_entity_question_leads_with_the_named_thing(corpus_assistant) -> None:
    """Not "The TFX model components form the back of the pipeline" (the head, no name)."""
    from assistant.answer.entity import names_new_entity

    q = ("Which TFX component makes sure a model can be loaded by the serving binary before "
         "Pusher releases it?")
    assert names_new_entity("InfraValidator checks that the model loads.", q)
    assert not names_new_entity("The TFX model components form the back of the pipeline.", q)
    lead = _plain(corpus_assistant.ask(q).lead)
    assert lead.startswith("InfraValidator"), lead


def test_a_file_name_question_is_answered_by_the_sentence_with_the_file_name() -> None:
    # "A scikit-learn model must be saved as `model.joblib`" names the file without the words
    # "file name"; before _FILE_NAME the entity bonus missed it and a generic rule led.
    from assistant.answer.entity import answers_entity, entity_head

    q = "What file name must a scikit-learn model artifact use for the prebuilt container?"
    text = "A scikit-learn model must be saved as `model.joblib` or `model.pkl`."
    heading = ("Model artifact requirements for prebuilt containers",)
    assert answers_entity(text, frozenset(content_terms(text)), heading, entity_head(q), q)
    plain = "A scikit-learn model must be exported in the format the container expects."
    assert not answers_entity(plain, frozenset(content_terms(plain)), heading, entity_head(q), q)


def test_a_yes_no_answer_may_restate_the_question_with_its_verdict(corpus_assistant) -> None:
    lead = _plain(corpus_assistant.ask("Can monitoring be attached to a batch prediction job "
                                       "after it was created?").lead)
    assert "cannot be attached" in lead, lead


# --- sixth pass (tuned on evals/pmle.jsonl, pmle_dev2.jsonl and pmle_dev3.jsonl) -----------


@pytest.mark.parametrize(("question", "confirm"), [
    ("We dropped the gender column, so the model should be fair now, right?", True),
    ("Dropout fixes overfitting. Is that correct?", True),
    ("Which answer is right?", False),
    ("Is the default autoscaling target 60%?", False),
])
def test_a_confirmation_question_is_recognised(question: str, confirm: bool) -> None:
    from assistant.answer import shape

    assert shape.asks_for_confirmation(question) is confirm
    if confirm:
        assert shape.question_kind(question) == "yesno" and shape.asks_about_traps(question)


def test_a_stated_belief_is_answered_by_the_trap_that_names_it(corpus_assistant) -> None:
    """"..., right?" checks a belief; the material lists it as a trap, and the trap (label
    kept, so the quoted belief does not read as the answer's claim) leads."""
    lead = _plain(corpus_assistant.ask("We dropped the gender column from our loan approval "
                                       "model, so the model should be fair now, right?").lead)
    assert lead.startswith("Trap:") and "proxy" in lead, lead


def test_a_date_is_not_the_figure_a_default_question_asks_for(corpus_assistant) -> None:
    """Not the sentence with "(... in the June 2026 guide)", the one with the 60% target."""
    lead = _plain(corpus_assistant.ask("what is the default autoscaling target for vertex ai "
                                       "endpoints?").lead)
    assert "60%" in lead, lead


@pytest.mark.parametrize(("text", "restates"), [
    ("Imagen is Google's text-to-image model family on Vertex AI.", True),
    ("Sensitive Data Protection offers three cryptographic pseudonymization methods.", True),
    ("Batch size trades throughput against memory.", True),
    # a subject the question does not name may define the answer
    ("Vertex AI Vizier is a black-box optimization service.", False),
    # not an overview: it states the asked detail
    ("Imagen adds an invisible SynthID digital watermark to generated images.", False),
    # a statement about every member of an asked category picks none of them
    ("All pseudonymization methods in Sensitive Data Protection are ways to replace a value.", True),
    ("All traffic to the endpoint is encrypted in transit.", False),
    # the question may use either name: the long one or the one in parentheses
    ("Tensor Processing Units (TPUs) are Google's custom accelerators for matrix math.", True),
    ("Sensitive Data Protection (formerly Cloud DLP) is Google Cloud's service for this.", True),
    ("Cloud Storage FUSE (gcsfuse) is a way to mount buckets.", False),
])
def test_an_overview_of_the_asked_subject_is_recognised(text: str, restates: bool) -> None:
    from assistant.answer.overview import restates_subject
    from assistant.answer.text import content_terms

    asked = set(content_terms("How do Imagen, Sensitive Data Protection, TPUs and the batch "
                              "size mark or protect data?"))
    assert restates_subject(text, asked) is restates


def test_an_overview_of_the_asked_subject_does_not_lead(corpus_assistant) -> None:
    """Not "Imagen is Google's text-to-image model family ...": the asker named Imagen."""
    lead = _plain(corpus_assistant.ask("How does Imagen mark the images it generates as "
                                       "AI-made?").lead)
    assert "SynthID" in lead, lead


@pytest.mark.parametrize(("text", "announces"), [
    ("Several day-to-day practices keep notebook environments secure and affordable.", True),
    ("Three techniques protect dates: shifting, bucketing and redaction.", True),
    ("Never paste API keys into notebook cells; store them in Secret Manager.", False),
    ("Several teams share one endpoint.", False),
])
def test_an_announcement_of_items_is_recognised(text: str, announces: bool) -> None:
    from assistant.answer.overview import announces_items

    assert announces_items(text) is announces


def test_a_which_question_wants_a_member_named() -> None:
    from assistant.answer.overview import asks_for_member

    assert asks_for_member("Ages are sensitive. Which de-identification technique fits?")
    assert not asks_for_member("What is de-identification?")
    assert not asks_for_member("Which is it? How should the team protect ages?")


def test_a_category_overview_does_not_answer_which_member_and_the_pick_is_explained(
        corpus_assistant) -> None:
    """"De-identification transforms sensitive values ..." says what the category does; the
    asker wants one technique named, and then what that technique does."""
    ans = corpus_assistant.ask(
        "A health insurer's claims model relies on each patient's exact age, and privacy "
        "reviewers say exact ages next to postcodes can single people out. The team needs to "
        "keep the predictive signal while hiding exact values. Which de-identification "
        "technique should they apply to the age column?")
    lead = _plain(ans.lead)
    assert "bucketing" in lead.lower(), lead
    assert any("ranges" in p for p in ans.points), ans.points


def test_words_of_the_answers_form_are_not_a_missing_subject() -> None:
    """"Which adjustment to her study plan ...?" asks for advice; no passage needs to contain
    the word "adjustment" for the material to cover it."""
    from assistant.answer.abstain import missing_logistics_subject
    from assistant.answer.text import content_terms

    seen = set(content_terms("study plan weeks snippets BigQuery ML SQL Vertex AI SDK read code"))
    q = ("Lena has eight weeks before her PMLE exam and wants to drill coding. Which adjustment "
         "to her study plan should you recommend?")
    assert missing_logistics_subject(q, seen) is None
    # a real subject that no passage names is still missing
    assert missing_logistics_subject("Which calculator is allowed in the PMLE exam?", seen)


@pytest.mark.parametrize(("text", "announces"), [
    ("Several day-to-day practices keep notebook environments secure.", True),
    ("Four Google Cloud controls appear again and again in exam answers.", True),
    ("Two signals decide the orchestrator.", True),
    ("Model Armor screens prompts for prompt injection.", False),
])
def test_an_announcement_of_items_is_recognised(text: str, announces: bool) -> None:
    from assistant.answer.overview import announces_items

    assert announces_items(text) is announces


def test_a_yes_no_question_does_not_lead_with_another_features_limits(corpus_assistant) -> None:
    # The autologging passage says "this integration is unavailable ... for jobs on TPUs": it
    # shares "TPUs" and "custom training job" with the question, but read first it seems to
    # say TPUs cannot run custom training.
    ans = corpus_assistant.ask("Can I use TPUs with a custom container training job on "
                               "Vertex AI?")
    assert "this integration" not in ans.lead, ans.lead


def test_a_definition_question_leads_with_the_definition(corpus_assistant) -> None:
    ans = corpus_assistant.ask("what is a model version alias in vertex ai model registry?")
    assert ans.lead.startswith("An alias is"), ans.lead


def test_a_longer_name_is_another_products() -> None:
    from assistant.answer.extractive import longer_name

    asked = {"vertex": 1.0, "ai": 1.0}
    assert longer_name("Vertex AI Vizier (part of the platform) is a black-box".split(), asked)
    assert not longer_name("Vertex AI, and now Agent Platform, is Google's platform".split(), asked)
    assert not longer_name("Model Armor is a security service".split(),
                           {"model": 1.0, "armor": 1.0})


@pytest.mark.parametrize(("question", "opening"), [
    # A naming sentence is the answer when the asked thing is a new name; it used to be
    # dropped as a meta sentence, and "Ray on Gemini Enterprise Agent Platform is ..." led.
    ("What is Gemini Enterprise Agent Platform?", "Gemini Enterprise Agent Platform, shortened"),
    ("What is Agent Platform Inference?", "Agent Platform Inference is"),
])
def test_what_is_a_new_name_leads_with_what_it_names(corpus_assistant, question: str,
                                                     opening: str) -> None:
    ans = corpus_assistant.ask(question)
    assert ans.lead.startswith(opening), ans.lead


def test_a_rename_question_leads_with_the_products_other_name(corpus_assistant) -> None:
    # The sentence about the platform's rename shared more words; the one that names the
    # asked product's new name is the answer.
    ans = corpus_assistant.ask("Vertex AI Prediction got renamed? What is it called in the "
                               "2026 exam guide?")
    assert "Agent Platform Inference" in ans.lead, ans.lead


def test_an_asked_head_the_sentence_does_not_say_is_no_lead(corpus_assistant) -> None:
    # Nineteenth pass: "The registration fee for the Professional Machine Learning Engineer
    # exam is USD 200" shared the most words and led; it says nothing about languages.
    from assistant.answer.entity import HEAD_MISS_PENALTY, entity_head, head_miss

    q = "In which languages can I sit the Professional Machine Learning Engineer exam?"
    fee = frozenset(content_terms("The registration fee for the exam is USD 200."))
    assert head_miss(fee, ("Exam format and fee",), entity_head(q)) == HEAD_MISS_PENALTY
    said = frozenset(content_terms("The pages list English as the exam language."))
    assert head_miss(said, ("Exam format",), entity_head(q)) == 0.0
    assert head_miss(fee, ("Exam languages",), entity_head(q)) == 0.0  # the heading says it
    lead = _plain(corpus_assistant.ask(q).lead)
    assert "language" in lead.lower(), lead


def test_a_question_that_asks_for_a_setting_credits_a_sentence_that_names_one() -> None:
    # Nineteenth pass: "Which setting in the anomaly query should the analysts change?" is
    # answered by `ANOMALY_PROB_THRESHOLD`, which no sentence puts next to the word "setting".
    from assistant.answer.entity import SETTING_BONUS, setting_bonus

    q = "The detector flags too many days. Which setting in the anomaly query should they change?"
    named = "`ML.DETECT_ANOMALIES` takes an `ANOMALY_PROB_THRESHOLD` between 0 and 1."
    assert setting_bonus(named, q) == SETTING_BONUS
    assert setting_bonus("The detector compares each point with its forecast.", q) == 0.0
    assert setting_bonus(named, "How do I detect anomalies in a time series?") == 0.0
