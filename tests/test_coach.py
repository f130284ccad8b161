"""The practice-question coach (issue 16): option detection, bad pastes, verdicts with
citations through the real service, the CLI JSON contract, the multiple-choice eval and the
practice history. Real index, real model, real subprocesses where the behaviour depends on them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer.coach import VERDICTS, ask_sentence
from assistant.answer.coach_records import CoachPolicy
from assistant.answer.coach_service import coach_answer
from assistant.answer.coach_stem import constraint_phrases, deciding_constraint, excluded_terms, negative_ask
from assistant.answer.options import OptionsError, parse_mcq, pasted_form
from assistant.errors import QuestionError

FRAUD = ("A card issuer's fraud model is served online, and the confirmed fraud labels arrive "
         "about 30 days after each transaction. Which two signals should you monitor to detect "
         "that the model degrades before the labels arrive? (Choose two.)")
FRAUD_OPTIONS = ["Accuracy computed on last week's labeled transactions",
                 "Prediction drift in the distribution of the model's fraud scores",
                 "Feature drift in the serving inputs compared with a baseline",
                 "Precision of the model on the labels that arrive next month"]
ROLLOUT = ("A retail team serves a recommendation model on a Vertex AI endpoint and has trained a "
           "new version. It wants to expose the new version to a small share of live traffic "
           "first, roll back quickly if error rates rise, and avoid any change to the client "
           "applications. What should it do?")
ROLLOUT_OPTIONS = [
    "Create a second endpoint for the new version and change the client code to alternate "
    "between the two endpoints",
    "Deploy the new version to the same endpoint and set a traffic split that sends 10% of "
    "requests to it",
    "Undeploy the current version and deploy the new one, then redeploy the old version from "
    "Model Registry if needed",
    "Export both versions to Cloud Storage and compare them with a nightly batch prediction job"]
UNDECIDABLE = ("A SQL-only analytics team wants to fine-tune Gemini from BigQuery and needs the "
               "exact model version string to put in the ENDPOINT option. Which value should it "
               "use?")
UNDECIDABLE_OPTIONS = ["gemini-2.0-flash-001", "gemini-1.5-pro-002", "gemini-2.5-flash",
                       "gemini-1.0-pro-002"]


# --- detection -----------------------------------------------------------------------------

STEM = "Which service should the team use to train a tabular model with SQL only?"
FORMS = {
    "dot": "A. BigQuery ML\nB. Dataflow\nC. Dataproc\nD. Cloud Run",
    "paren": "A) BigQuery ML\nB) Dataflow\nC) Dataproc\nD) Cloud Run",
    "brackets": "(A) BigQuery ML\n(B) Dataflow\n(C) Dataproc\n(D) Cloud Run",
    "lower": "a. BigQuery ML\nb. Dataflow\nc. Dataproc\nd. Cloud Run",
    "numbers": "1. BigQuery ML\n2. Dataflow\n3. Dataproc\n4. Cloud Run",
    "dashes": "- BigQuery ML\n- Dataflow\n- Dataproc\n- Cloud Run",
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_option_lines_in_every_pasted_form(form: str) -> None:
    mcq = parse_mcq(f"{STEM}\n\n{FORMS[form]}")
    assert mcq is not None
    assert mcq.stem == STEM and mcq.select == 1
    assert [(o.label, o.text) for o in mcq.options] == [
        ("A", "BigQuery ML"), ("B", "Dataflow"), ("C", "Dataproc"), ("D", "Cloud Run")]


def test_inline_options_and_wrapped_lines() -> None:
    mcq = parse_mcq(f"{STEM} A. BigQuery ML B. Dataflow C. Dataproc")
    assert mcq is not None and [o.text for o in mcq.options] == ["BigQuery ML", "Dataflow",
                                                                "Dataproc"]
    wrapped = parse_mcq(f"{STEM}\nA. BigQuery ML with a\n   CREATE MODEL statement\nB. Dataflow")
    assert wrapped is not None
    assert wrapped.options[0].text == "BigQuery ML with a CREATE MODEL statement"


@pytest.mark.parametrize("cue,n", [("(Choose two.)", 2), ("Select 2.", 2), ("Choose three.", 3),
                                   ("", 1)])
def test_multiple_select_cues(cue: str, n: int) -> None:
    mcq = parse_mcq(f"{STEM} {cue}\nA. a1 x\nB. b1 y\nC. c1 z\nD. d1 w\nE. e1 v")
    assert mcq is not None and mcq.select == n and mcq.multiple == (n > 1)
    which = parse_mcq("Which two metrics show drift?\nA. x1\nB. y1\nC. z1")
    assert which is not None and which.select == 2
    # Nineteenth pass: "a test set in which 2% of parts are defective" asked for one answer.
    share = parse_mcq("A test set in which 2% of parts are defective. What now?\nA. x1\nB. y1")
    assert share is not None and share.select == 1


@pytest.mark.parametrize("text", [
    "What is training-serving skew?",
    "Compare these serving options:\n- Cloud Run\n- GKE",
    "Plan A. It was a good plan.",
    "Steps:\n1. ingest\n2. train",
    "What is the difference between A) batch and B) online prediction?",
])
def test_ordinary_questions_are_not_options(text: str) -> None:
    assert parse_mcq(text) is None


# --- bad input: one line, or sensible handling ------------------------------------------------

@pytest.mark.parametrize("text,needle", [
    ("A. BigQuery ML\nB. Dataflow", "no question above them"),
    (f"{STEM}\nA. BigQuery ML", "only one option"),
    (f"{STEM}\n" + "\n".join(f"{c}. option {c}" for c in "ABCDEFGHIJKL"), "12 options"),
    (f"{STEM}\nA. BigQuery ML\nB. Dataflow\nC. bigquery ml.", "options A and C are the same"),
    (f"{STEM} (Choose three.)\nA. BigQuery ML\nB. Dataflow\nC. Dataproc", "choose 3 of 3"),
])
def test_unusable_pastes_are_one_line_errors(text: str, needle: str) -> None:
    with pytest.raises(OptionsError) as err:
        parse_mcq(text)
    msg = str(err.value)
    assert needle in msg and "\n" not in msg
    assert isinstance(err.value, QuestionError)  # the CLI and app show it as one line


def test_mixed_lettering_choose_three_of_four_and_a_paragraph_option() -> None:
    mixed = parse_mcq(f"{STEM}\nA. BigQuery ML\n2) Dataflow\n(c) Dataproc\n- Cloud Run")
    assert mixed is not None and [o.label for o in mixed.options] == ["A", "B", "C", "D"]
    assert any("read in order" in n for n in mixed.notes)
    three = parse_mcq(f"{STEM} (Choose three.)\nA. a1 x\nB. b1 y\nC. c1 z\nD. d1 w")
    assert three is not None and three.select == 3
    long = " ".join(["the team exports every table and trains a model"] * 12)
    para = parse_mcq(f"{STEM}\nA. BigQuery ML\nB. {long}")
    assert para is not None and any("words long" in n for n in para.notes)


def test_ask_sentence_is_the_question_not_the_scenario() -> None:
    assert ask_sentence(FRAUD) == ("Which two signals should you monitor to detect that the model "
                                   "degrades before the labels arrive?")


@pytest.mark.parametrize("ask,negative", [
    ("Which of the following is NOT a benefit of RAG?", True),
    ("All of these reduce skew EXCEPT which one?", True),
    ("Which step can the team skip?", True),
    ("Which statement about Feature Store is false?", True),
    ("Which statement is not correct?", True),
    ("What should you do so that the job does not fail?", False),
    ("Why did the change not help?", False),
    ("Which option does not require any code?", False),
    ("Which two signals should you monitor?", False),
])
def test_questions_that_ask_for_the_exception(ask: str, negative: bool) -> None:
    assert negative_ask("A team runs a model on Vertex AI. " + ask) is negative


def test_what_the_stem_rules_out_is_not_a_constraint() -> None:
    stem = ("A manager asks which automation retrains models when triggered, as opposed to "
            "testing code or deploying a pipeline. Which automation is it?")
    assert {"test", "deploy"} <= excluded_terms(stem)
    assert "retrain" not in " ".join(excluded_terms(stem))
    # "instead of" usually belongs to a proposal being questioned, so it rules nothing out.
    assert not excluded_terms("A consultant recommends tuning instead of retrieval. Why?")


@pytest.mark.parametrize("stem,phrase", [
    ("A startup wants Gemini in its product with the least operational overhead. A platform "
     "engineer drafts a plan to host it on GKE. What should you point out?",
     "least operational overhead"),
    (FRAUD, "labels arrive about 30 days after each transaction"),
    ("The marketing team has no ML engineers and does not want to run any infrastructure. "
     "Which model family fits?", "no ML engineers"),
    ("Past support tickets live in BigQuery, and the team works only in SQL. Which approach "
     "fits best?", "works only in SQL"),
    ("A payments processor must score transactions with a strict 10-millisecond latency "
     "budget. What should you answer?", "strict 10-millisecond latency budget"),
])
def test_the_deciding_constraint_is_the_stems_requirement(stem: str, phrase: str) -> None:
    found = [p for p, _ in constraint_phrases(stem)]
    assert any(phrase in p or p in phrase for p in found), found
    named = deciding_constraint(stem, "a sentence about something else", None)
    assert named in stem and len(named.split()) <= 16


def test_the_opening_that_sets_the_scene_is_not_the_constraint() -> None:
    # The opening shares as many words with the deciding sentence, yet it only sets the
    # scene; the requirement is what the people in it want.
    stem = ("A telecom company retrains its churn model every month on Vertex AI. The team "
            "wants each new model kept as a version of one registered model. What should "
            "you do?")
    sentence = ("Upload each retrained churn model as a new version of the same registered "
                "model on Vertex AI.")
    assert deciding_constraint(stem, sentence, None).startswith("The team wants"), \
        deciding_constraint(stem, sentence, None)
    # A requirement in the opening itself still counts.
    stem = "A bank must score loans without any ML engineers. What should it use?"
    assert "without any ML engineers" in deciding_constraint(stem, "loans", None)


def test_a_requirement_cut_after_a_function_word_is_carried_to_its_clause_end() -> None:
    stem = ("Your fraud model's latency budget leaves only a few milliseconds for feature "
            "lookups, and traffic must stay private. Which configuration should you choose?")
    named = deciding_constraint(stem, "latency budget", None)
    assert named == "latency budget leaves only a few milliseconds for feature lookups", named


# --- the service, with the real index and model -----------------------------------------------

def _check_contract(data: dict, n_options: int) -> None:
    for key in ("question", "answer", "abstained", "citations", "passages", "options", "choice"):
        assert key in data
    assert len(data["options"]) == n_options
    cited = {c["n"] for c in data["citations"]}
    ranks = {p["rank"] for p in data["passages"]}
    for o in data["options"]:
        assert set(o) == {"label", "text", "verdict", "reason", "citations"}
        assert o["verdict"] in VERDICTS and o["reason"].strip()
        assert set(o["citations"]) <= cited <= ranks


def test_single_select_gets_a_cited_verdict_on_every_option(corpus_assistant) -> None:
    answer = corpus_assistant.ask(pasted_form(ROLLOUT, ROLLOUT_OPTIONS))
    data = answer.to_json()
    _check_contract(data, 4)
    assert data["select"] == 1 and answer.backend == "coach"
    assert data["choice"] == ["B"], data["options"]
    assert data["confidence"] in ("medium", "high")
    assert all(o["citations"] for o in data["options"])
    assert [o["label"] for o in data["options"] if o["verdict"] == "best"] == ["B"]
    # The reason names a constraint from this stem and quotes a passage.
    assert data["constraint"].rstrip(" .") in ROLLOUT
    assert all('"' in o["reason"] for o in data["options"])
    trap = data["options"][0]
    assert trap["verdict"] == "wrong" and "Trap" in trap["reason"]


def test_choose_two_never_picks_a_label_based_metric(corpus_assistant) -> None:
    """The issue's example: labels arrive 30 days late, so label-based metrics cannot warn
    early. The coach may leave it undecided, but must not pick a label-based option, and every
    option still gets a verdict and a citation."""
    data = corpus_assistant.ask(pasted_form(FRAUD, FRAUD_OPTIONS)).to_json()
    _check_contract(data, 4)
    assert data["select"] == 2
    assert data["choice"] in (["B", "C"], [])
    assert all(o["citations"] for o in data["options"])
    assert data["options"][0]["verdict"] != "best"
    if not data["choice"]:
        assert "does not decide" in data["answer"] and {"B", "C"} <= set(data["remaining"])


LATE = ("A payments company retrains its fraud model monthly. Fraud labels arrive about 30 days "
        "after each transaction. The team wants an early warning that the model is degrading. "
        "Which two metrics should you monitor? (Choose two.)")
LATE_OPTIONS = ["Weekly precision and recall computed on labeled transactions",
                "Feature distribution drift between serving data and the training baseline",
                "Prediction distribution drift of the model scores",
                "Training loss of the latest monthly retraining run"]


def test_late_labels_and_an_early_warning_rule_out_a_label_based_metric(corpus_assistant) -> None:
    """The issue's example in other words ("an early warning", no "before the labels arrive"):
    a study cue about rare fraud backs precision and recall in general, and used to win; the
    stem's late labels rule them out, and the reason says so in the stem's words."""
    data = corpus_assistant.ask(pasted_form(LATE, LATE_OPTIONS)).to_json()
    _check_contract(data, 4)
    assert data["choice"] in (["B", "C"], [])
    first = data["options"][0]
    assert first["verdict"] == "wrong"
    assert first["reason"].startswith('Ruled out by "labels arrive about 30 days'), first["reason"]


# Scenarios whose stem states a requirement that rules options out, whatever the material says
# about them in general: (stem, options, the pick, the ruled-out labels, the stem's words).
RULED_OUT = {
    # The material's automation cue names alerts and Pub/Sub, words the manual option shares.
    "no human involvement": (
        "A lender retrains its credit model with a Vertex AI pipeline. When Model Monitoring "
        "raises a drift alert, the pipeline has to run again with no human involvement, and the "
        "platform team wants to avoid running any new servers. How should the alert start the "
        "pipeline?",
        ["Have the on-call engineer read the alert email and start the pipeline run from the "
         "console.",
         "Send the alert to a Pub/Sub notification channel that triggers a Cloud Run function "
         "which submits the pipeline run.",
         "Run the pipeline every hour on a schedule so any drift is absorbed by the next run.",
         "Poll the monitoring logs with a cron job on a Compute Engine VM that submits the run."],
        "B", "A", "with no human involvement"),
    "labels never made": (
        "A regional gym chain keeps visit logs, class bookings and membership tenure for 200,000 "
        "members in BigQuery. Nobody has ever labeled the members with a persona, but marketing "
        "wants to find groups of similar members for targeted offers, and the analysts only "
        "write SQL. What should they build?",
        ["A BigQuery ML BOOSTED_TREE_CLASSIFIER that predicts each member persona.",
         "A BigQuery ML KMEANS model that groups members into clusters.",
         "A BigQuery ML LINEAR_REG model that predicts visit counts per member.",
         "A Vertex AI AutoML tabular classification model trained on an exported CSV."],
        "B", "AD", "Nobody has ever labeled the members"),
    # The old code picked FSDP here.
    "fits on one GPU": (
        "A team fine-tunes a BERT-base text classifier in PyTorch on Vertex AI. The model fits on "
        "one GPU with room to spare, but one pass over the 600 GB of training text takes 30 "
        "hours, and the team needs each run to finish overnight. Budget allows eight GPUs. What "
        "should they do?",
        ["Split each transformer layer across the eight GPUs with tensor parallelism.",
         "Replicate the model on the eight GPUs and train with DistributedDataParallel.",
         "Divide the layers into pipeline stages placed on different GPUs.",
         "Shard the parameters and optimizer state across the GPUs with FSDP."],
        "B", "ACD", "fits on one GPU"),
    # "A TPU Pod slice ..." is backed by no passage at all, and is still ruled out (with the
    # deciding passage cited) rather than left "not covered".
    "float64": (
        "A research group is moving a climate simulation surrogate to Vertex AI training. Its "
        "solver steps depend on float64 arithmetic to stay numerically stable, and most of the "
        "work is element-wise math rather than large matrix multiplications. A manager asks for "
        "the fastest accelerator. What should you recommend?",
        ["Cloud TPU v5e slices, with the solver cast to bfloat16.",
         "A TPU Pod slice, so the simulation runs across many chips.",
         "GPU or high-memory CPU machines, which support double precision.",
         "Cloud TPUs with mixed precision, keeping only the loss in float32."],
        "C", "ABD", "float64 arithmetic"),
}


@pytest.mark.parametrize("case", sorted(RULED_OUT))
def test_a_requirement_the_stem_states_rules_options_out(corpus_assistant, case: str) -> None:
    stem, options, pick, ruled, words = RULED_OUT[case]
    data = corpus_assistant.ask(pasted_form(stem, options)).to_json()
    _check_contract(data, 4)
    assert data["choice"] == [pick]
    for option in data["options"]:
        if option["label"] in ruled:
            assert option["verdict"] == "wrong"
            assert option["reason"].startswith(f'Ruled out by "{words}'), option["reason"]
            assert option["citations"]
    if len(ruled) == len(options) - 1:
        # every rival breaks the requirement: those words decide, and the pick is no mere lean
        assert data["constraint"] == words
        assert data["confidence"] in ("medium", "high")


def test_select_all_that_apply_picks_every_supported_option(corpus_assistant) -> None:
    """No fixed count: the coach picks the options the material backs (it used to note this
    and still pick exactly one)."""
    stem = FRAUD.replace("Which two", "Which").replace("(Choose two.)", "(Select all that apply.)")
    assert parse_mcq(pasted_form(stem, FRAUD_OPTIONS)).select == 1
    options = ["Monitor feature distribution drift between serving data and the training "
               "baseline", "Monitor prediction distribution drift of the model's output scores",
               "Compute accuracy on yesterday's transactions every morning",
               "Retrain the model every hour on the latest transactions"]
    assert parse_mcq(pasted_form(stem, options)).select_all
    data = corpus_assistant.ask(pasted_form(stem, options)).to_json()
    _check_contract(data, 4)
    assert data["select_all"] is True
    assert data["choice"] == ["A", "B"]
    assert "all options that apply" in data["answer"]


def test_a_close_runner_up_makes_the_pick_a_low_confidence_lean(corpus_assistant) -> None:
    """Confidence is calibrated on the runner-up's share as well as on the raw lead: the same
    pick, with the bar at the pick's whole score, is reported as a lean, not a confident call."""
    mcq = parse_mcq(pasted_form(ROLLOUT, ROLLOUT_OPTIONS))
    assert mcq is not None
    strict = coach_answer(corpus_assistant, mcq, policy=CoachPolicy(confident_share=1.0)).mcq
    usual = coach_answer(corpus_assistant, mcq).mcq
    assert usual["confidence"] in ("medium", "high") and strict["confidence"] == "low"
    assert strict["choice"] == usual["choice"] == ["B"]


COPY_STEM = ("Each of six workers in a Vertex AI custom training job begins by running gsutil cp "
             "to copy the full 1.5 TB image dataset from Cloud Storage onto its local disk. Jobs "
             "take over an hour to start and two workers ran out of disk last week. What should "
             "you change?")
COPY_OPTIONS = ["Train on a single worker so the dataset is copied only once.",
                "Read the dataset through the Cloud Storage FUSE mount under /gcs/.",
                "Attach bigger persistent disks so each worker can hold the dataset.",
                "Load the images into BigQuery and query them with SELECT *."]


def test_an_option_that_carries_on_the_trap_in_the_stems_words_is_not_backed_by_it(
        corpus_assistant) -> None:
    """The trap ("a startup script that copies the dataset onto every worker ... when the /gcs/
    mount already streams it") meets option A only in the stem's words (worker, copy): it used
    to back A, and ruled out B, which is the fix it names."""
    data = corpus_assistant.ask(pasted_form(COPY_STEM, COPY_OPTIONS)).to_json()
    _check_contract(data, 4)
    assert data["choice"] == ["B"], data["options"]
    assert data["options"][0]["verdict"] != "best"


def test_material_that_does_not_decide_picks_none(corpus_assistant) -> None:
    data = corpus_assistant.ask(pasted_form(UNDECIDABLE, UNDECIDABLE_OPTIONS)).to_json()
    _check_contract(data, 4)
    assert data["choice"] == [] and data["confidence"] == "none"
    assert "does not decide" in data["answer"]


def test_a_question_that_asks_for_the_exception_picks_what_the_material_does_not_back(
        corpus_assistant) -> None:
    stem = "Which statement about Vertex AI Feature Store is false?"
    options = ["It can serve the latest feature values online with low latency",
               "It uses BigQuery as the offline store",
               "It requires all features to be computed in Dataproc",
               "It helps reduce training-serving skew"]
    data = corpus_assistant.ask(pasted_form(stem, options)).to_json()
    _check_contract(data, 4)
    assert data["choice"] in (["C"], [])
    assert "exception" in data["answer"]
    if data["choice"]:
        supported = [o for o in data["options"] if o["label"] != "C"]
        assert all(o["verdict"] != "best" and o["citations"] for o in supported)


def test_options_in_another_language_are_handled(corpus_assistant) -> None:
    stem = ("Un equipo quiere entrenar un modelo tabular solo con SQL. "
            "¿Qué servicio debería usar?")
    data = corpus_assistant.ask(pasted_form(stem, ["Aprendizaje automático en el almacén",
                                                   "Procesamiento de flujos gestionado",
                                                   "Clústeres de Hadoop gestionados"])).to_json()
    _check_contract(data, 3)
    assert data["choice"] == []


def test_ordinary_questions_keep_the_normal_path(corpus_assistant) -> None:
    data = corpus_assistant.ask("What is training-serving skew?").to_json()
    assert "options" not in data and "choice" not in data


# --- CLI and eval ---------------------------------------------------------------------------

def _cli(corpus_settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(corpus_settings.index_dir),
           "ASSISTANT_DATA_DIR": str(corpus_settings.data_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_cli_ask_json_has_options_and_choice(corpus_settings) -> None:
    proc = _cli(corpus_settings, "ask", pasted_form(ROLLOUT, ROLLOUT_OPTIONS), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    _check_contract(data, 4)
    assert data["choice"] == ["B"]
    text = _cli(corpus_settings, "ask", pasted_form(FRAUD, FRAUD_OPTIONS))
    assert text.returncode == 0 and "B. Prediction drift" in text.stdout


@pytest.mark.parametrize("text", ["A. BigQuery ML\nB. Dataflow",
                                  f"{STEM}\nA. BigQuery ML\nB. BigQuery ML"])
def test_cli_bad_paste_is_one_line(corpus_settings, text: str) -> None:
    proc = _cli(corpus_settings, "ask", text, "--json")
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr


def test_eval_runs_multiple_choice_lines_through_the_chat_path(corpus_settings,
                                                               tmp_path: Path) -> None:
    lines = [
        {"id": "t1", "split": "dev", "question": ROLLOUT, "options": ROLLOUT_OPTIONS,
         "answer": "B", "domain": 4, "section": "4.1"},
        {"id": "t2", "split": "dev", "question": UNDECIDABLE, "options": UNDECIDABLE_OPTIONS,
         "answer": [], "answerable": False, "domain": 1, "section": "1.1"},
        {"id": "t3", "split": "test", "question": FRAUD, "options": FRAUD_OPTIONS,
         "answer": "A", "domain": 6},
    ]
    f = tmp_path / "mcq.jsonl"
    f.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    out = tmp_path / "out.json"
    proc = _cli(corpus_settings, "eval", str(f), "--split", "dev", "--json", str(out),
                "--baselines")
    assert proc.returncode == 0, proc.stderr
    assert "mcq_accuracy" in proc.stdout and "longest_option" in proc.stdout
    report = json.loads(out.read_text())
    m = report["metrics"]
    assert m["cases"] == 2 and m["mcq_accuracy"] == 1.0 and m["undecided_rate"] == 0.5
    assert m["confidently_wrong_rate"] == 0.0 and m["verdict_coverage"] == 1.0
    assert set(report["per_domain"]) == {"1", "4"}
    case = report["cases"][0]
    assert case["choice"] == ["B"] and len(case["options"]) == 4
    assert set(report["baselines"]) == {"random", "longest_option", "option_words_in_passages"}


def test_eval_file_errors_are_one_line(corpus_settings, tmp_path: Path) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps({"id": "x", "question": "Which?", "options": ["a", "b"],
                             "answer": "E"}) + "\n")
    proc = _cli(corpus_settings, "eval", str(f))
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "'answer'" in lines[0]


# --- practice history -----------------------------------------------------------------------

def test_practice_history_keeps_one_entry_per_answer(store_target: Path | str,
                                                     corpus_assistant) -> None:
    from assistant.store import Store
    from assistant.study.practice_history import PracticeHistory

    store = Store(store_target)
    history = PracticeHistory(store)
    record = corpus_assistant.ask(pasted_form(ROLLOUT, ROLLOUT_OPTIONS)).to_json()
    first = history.save("ana", record, message_id=7)
    assert history.save("ana", record, message_id=7) == first
    assert history.saved("ana", 7) and not history.saved("bo", 7)
    items = PracticeHistory(Store(store_target)).items("ana")
    assert len(items) == 1 and items[0]["stem"] == ROLLOUT
    assert items[0]["choice"] == record["choice"] and len(items[0]["options"]) == 4
    with pytest.raises(ValueError):
        history.save("ana", {"answer": "plain"})


def test_coach_decides_from_indexed_passages_only(corpus_assistant) -> None:
    """The practice bank (corpus/practice) and the eval keys are never a source: no passage
    comes from the bank, and the coach's modules do not load it."""
    import assistant.answer.coach as coach_mod
    import assistant.answer.coach_service as service_mod
    import assistant.answer.options as options_mod

    data = corpus_assistant.ask(pasted_form(ROLLOUT, ROLLOUT_OPTIONS)).to_json()
    assert data["passages"] and all(not p["source"].startswith("corpus/practice")
                                    for p in data["passages"])
    for mod in (coach_mod, service_mod, options_mod):
        text = Path(mod.__file__).read_text(encoding="utf-8")
        # No bank import, and no file reading at all: everything comes from the retriever.
        for needle in ("study.bank", "load_bank", "practice_dir", "open(", "read_text"):
            assert needle not in text, (mod.__name__, needle)


def test_stem_meaning_sees_a_restatement_in_other_words(corpus_assistant) -> None:
    """The stem says the training data was deleted; the corpus sentence that decides says drift
    detection "needs no training data". Meaning puts it closer to the stem than an unrelated
    sentence; a sentence the index never embedded has no closeness (words alone decide)."""
    from assistant.answer.coach_service import stem_meaning

    stem = ("A credit union's default model has served predictions on a Vertex AI endpoint for "
            "two years. Its training data was purged under a data-retention rule two months ago. "
            "The risk team now wants an alert whenever incoming loan applications start to look "
            "different from earlier ones. Which Model Monitoring capability should you turn on?")
    mcq = parse_mcq(pasted_form(stem, ["Training-serving skew detection",
                                       "Prediction drift detection",
                                       "Feature attribution skew detection",
                                       "Skew detection on synthetic rows"]))
    assert mcq is not None
    generation = corpus_assistant.retriever.index.snapshot().generation
    meaning = stem_meaning(corpus_assistant, mcq, generation)
    assert meaning is not None and meaning.stem.shape[0] == 4
    near = meaning.closeness(
        "Vertex AI Model Monitoring detects prediction drift by comparing the latest window of "
        "production data with an earlier window, so drift detection needs no training data at all.")
    far = meaning.closeness(
        "Trap: a classification target with thousands of distinct classes exceeds the 500-value "
        "limit; the fix is to group classes or rethink the problem, not to add training budget.")
    assert near is not None and far is not None and near > far
    assert meaning.closeness("A sentence that no corpus file contains, about nothing.") is None


def test_a_long_clause_is_named_by_its_deciding_phrase_not_cut_mid_phrase() -> None:
    """The constraint named in every verdict is a phrase of the stem that the deciding sentence
    speaks to, not a 14-word window ending in "..." (44% of dev constraints before)."""
    stem = ("An analyst trains a BigQuery ML boosted tree regressor on three years of weekly store "
            "revenue, and stakeholders insist that the reported evaluation metrics come only from "
            "the most recent weeks with every evaluation row later in time than every training "
            "row. Which option should the analyst set?")
    sentence = ("`SEQ` splits sequentially, ordered by the column named in `DATA_SPLIT_COL`, "
                "which suits time-ordered data where the evaluation rows must come after the "
                "training rows.")
    phrase = deciding_constraint(stem, sentence, None)
    assert phrase in stem and not phrase.endswith("...")
    assert "evaluation metrics come only from the most recent weeks" in phrase
    assert len(phrase.split()) <= 14


def test_a_code_name_in_parentheses_is_found_where_the_material_writes_it_plainly(
        corpus_assistant) -> None:
    """"(FPE-FFX)" is typography around a code name: the passage says "encryption with FPE-FFX",
    and the option used to come out "not covered" because its words had to appear with the
    parentheses."""
    stem = ("A payments team de-identifies card numbers with Sensitive Data Protection before "
            "analysts see them. An old billing system downstream accepts only 16-digit values, "
            "and investigators must be able to recover the real number. Which transformation "
            "should the template use?")
    options = ["Format-preserving encryption (FPE-FFX)", "Deterministic encryption (AES-SIV)",
               "Cryptographic hashing with a secret key", "Redaction of the whole value"]
    data = corpus_assistant.ask(pasted_form(stem, options)).to_json()
    _check_contract(data, 4)
    for label in ("A", "B"):
        option = next(o for o in data["options"] if o["label"] == label)
        assert option["verdict"] != "not_covered", option
    assert "FPE-FFX" in data["options"][0]["reason"]


def test_an_option_that_lacks_what_the_scenario_needs_is_wrong_and_says_why(
        corpus_assistant) -> None:
    """The material says optimized online serving "supports only scheduled data sync, not
    continuous sync"; the stem needs continuous freshness, so that option is wrong, and its
    reason quotes the denial rather than a sentence that merely describes the product."""
    stem = ("An ads team keeps its features in BigQuery and serves them to online models through "
            "Vertex AI Feature Store. Feature values must reach the online store continuously as "
            "the BigQuery rows change, and storage cost matters more than the last millisecond "
            "of latency. Which online serving setup should they choose?")
    options = ["Optimized online serving behind a Private Service Connect endpoint",
               "Bigtable online serving with continuous sync from BigQuery",
               "A Feature Store (Legacy) featurestore filled by nightly imports",
               "Memorystore for Redis loaded by a Cloud Scheduler job"]
    data = corpus_assistant.ask(pasted_form(stem, options)).to_json()
    _check_contract(data, 4)
    optimized = data["options"][0]
    assert optimized["verdict"] == "wrong", optimized
    assert "not continuous sync" in optimized["reason"], optimized["reason"]
    assert "A" not in data["choice"]


def test_a_team_without_kubernetes_is_not_told_to_run_gke(corpus_assistant) -> None:
    from assistant.answer.coach_ruleouts import unskilled_platform

    stem = ("A four-person data science team must turn its notebook workflow into a repeatable "
            "training pipeline with each step's artifacts tracked for audits. The team writes "
            "Python with the KFP SDK, has no Kubernetes experience, and wants the least "
            "operational overhead. What should you recommend?")
    assert unskilled_platform(stem) is not None
    assert unskilled_platform("The team runs its models on GKE. What should you do?") is None
    options = ["Kubeflow Pipelines on a GKE cluster that the team installs and upgrades itself.",
               "Vertex AI Pipelines running the compiled KFP pipeline, with lineage recorded.",
               "A notebook scheduled to run all the steps once a week.",
               "Vertex AI Experiments only, logging every step from a notebook."]
    data = corpus_assistant.ask(pasted_form(stem, options)).to_json()
    _check_contract(data, 4)
    # Before the rule the coach leaned to A ("Kubeflow Pipelines on your own GKE cluster
    # gives the same KFP programming model ..." backed it about as well as B).
    assert data["choice"] == ["B"], data["choice"]


def test_a_need_stated_for_another_option_does_not_rule_this_one_out(corpus_assistant) -> None:
    # Nineteenth pass: "Full integer quantization ..., which needs a representative dataset"
    # shares only "weights" and "quantization" with the Float16 option, and counted as a need
    # the scenario cannot meet for Float16 too.
    stem = ("A photo-editing app runs a LiteRT segmentation model on phones through the GPU "
            "delegate. The team wants to roughly halve the model file with little accuracy loss "
            "while keeping GPU acceleration. It has no representative calibration dataset, and "
            "the phones have no Edge TPU. Which post-training quantization option should it "
            "choose?")
    options = ["Full integer quantization of weights and activations",
               "Dynamic range quantization of weights to 8-bit",
               "Float16 quantization of the model's weights",
               "Quantization-aware training of a new model"]
    data = corpus_assistant.ask(pasted_form(stem, options)).to_json()
    assert data["choice"] == ["C"], data["options"]
    assert data["options"][0]["verdict"] == "wrong"
