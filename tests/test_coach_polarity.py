"""Polarity rules of the practice-question coach (issue 16, round three): which sentences count
against an option, and which state it as the fix."""

from __future__ import annotations

from assistant.answer.coach_polarity import (
    alone_beyond,
    correction_share,
    denied_requirement,
    negativity,
    reverses,
    unmet_need,
)
from assistant.answer.coach_ruleouts import (
    forbidden_actions,
    impossible_targets,
    rule_out_phrases,
    stem_rule_outs,
)
from assistant.answer.coach_stem import missing_things, required_terms
from assistant.answer.text import content_terms


def _w(option: str) -> dict[str, float]:
    return {t: 1.0 for t in content_terms(option)}


def _neg(sentence: str, option: str) -> float:
    w = _w(option)
    hit = {t for t in w if t in set(content_terms(sentence))}
    return negativity(sentence, w, hit, False)


def test_a_purpose_clause_does_not_deny_its_subject() -> None:
    s = ("VPC Service Controls let an organization draw a service perimeter around projects, "
         "so that protected data cannot be moved to resources outside the perimeter.")
    assert _neg(s, "Put the projects in a VPC Service Controls perimeter") < 0.4
    # a plain denial still counts against an option that says what it denies
    assert _neg("VPC Service Controls cannot stop a user from reading data.",
                "VPC Service Controls stop a user from reading data") >= 0.4


def test_a_negation_inside_quoted_scenario_wording_is_not_a_verdict() -> None:
    s = ('Exam cue: "regulated data must not leave the project boundary" points to VPC '
         "Service Controls.")
    assert _neg(s, "Enclose the services in a VPC Service Controls perimeter") == 0.0


def test_a_trap_with_a_quoted_excuse_still_warns() -> None:
    s = ('Trap: disabling idle shutdown "so work is never interrupted" is the wrong default '
         "for a team; scheduled executions are the right home for long jobs.")
    assert _neg(s, "Disable idle shutdown so the loop is never interrupted") >= 0.4


def test_the_fix_ends_at_its_not() -> None:
    s = ("Trap: a target with thousands of classes exceeds the 500-value limit; the fix is to "
         "group classes or rethink the problem, not to add training budget.")
    grouped, budget = _w("Group the SKUs into fewer classes"), _w("Double the training budget")
    assert correction_share(s, grouped, {"group", "class"} & set(grouped)) > 0.35
    assert correction_share(s, budget, {"train", "budget"} & set(budget)) == 0.0


SKEW_NEED = ("For training-serving skew detection, the baseline is the distribution of each "
             "feature in the original training data, so skew detection requires access to that "
             "training data.")


def test_what_a_scenario_says_is_gone() -> None:
    stem = ("A lender's model has served for two years, and the training data was deleted under "
            "a retention policy. The fraud desk has no labeled examples yet. What should you do?")
    gone = missing_things(stem)
    assert frozenset(content_terms("training data")) in gone
    assert frozenset(content_terms("labeled examples")) in gone
    assert missing_things("Train a model on the labeled examples in BigQuery.") == []
    # an activity the scenario does without is not a thing it lacks
    assert missing_things("It supports face detection with no training, without stopping.") == []
    # "no one has ever labeled ..." means there are no labels (it used to read as "ever")
    assert missing_things("No one has ever labeled the customers with a segment.") == \
        [frozenset(content_terms("labels"))]


def test_a_need_the_scenario_cannot_meet_argues_against_the_option() -> None:
    gone = [frozenset(content_terms("training data"))]
    w = _w("Training-serving skew detection against the training table")
    hit = {t for t in w if t in set(content_terms(SKEW_NEED))}
    assert unmet_need(SKEW_NEED, w, hit, gone) >= 0.4
    # the same need is no objection when the scenario still has the data
    assert unmet_need(SKEW_NEED, w, hit, [frozenset(content_terms("labels"))]) == 0.0
    # "needs no training data" states the opposite need
    free = ("Model Monitoring detects prediction drift by comparing recent windows of "
            "production data, so drift detection needs no training data at all.")
    w2 = _w("Prediction drift detection over recent windows")
    hit2 = {t for t in w2 if t in set(content_terms(free))}
    assert unmet_need(free, w2, hit2, gone) == 0.0


def test_a_negation_in_the_traps_situation_does_not_turn_the_trap_into_a_fact() -> None:
    # "never" belongs to "the question never asked for", not to what the trap names
    s = ("Trap: building an LSTM in a custom container for a simple demand forecast that "
         "BigQuery ML `ARIMA_PLUS` can produce with one `CREATE MODEL` statement adds cost and "
         "complexity that the question never asked for.")
    assert _neg(s, "Build an LSTM model in a custom training container") >= 0.4
    # a negation in the trap's own predicate still states a negative fact
    fact = "Trap: CMEK does not stop an authorized user from copying data to another project."
    assert _neg(fact, "Encrypt the disks with CMEK") < 0.4


def test_what_the_stem_rules_out_doing() -> None:
    stem = ("Operations wants each new model picked up without stopping or redeploying the "
            "streaming job, and without retraining on premises. What should you do?")
    assert forbidden_actions(stem) == set(content_terms("stop redeploy retrain"))
    assert forbidden_actions("Which option lets the team deploy with little effort?") == set()


FEATURE_STEM = ("A marketplace serves BigQuery features to online models through Vertex AI Feature "
                "Store. Feature values must reach the online store continuously as BigQuery rows "
                "change. Which online serving setup should you choose?")
SYNC_ONLY = "Optimized online serving supports only scheduled data sync, not continuous sync."


def _denied(sentence: str, option: str, stem: str) -> float:
    w = _w(option)
    hit = {t for t in w if t in set(content_terms(sentence))}
    return denied_requirement(sentence, w, hit, required_terms(stem), set(content_terms(option)))


def test_what_a_scenario_requires_leaves_out_its_limits_and_its_ask() -> None:
    req = required_terms("Rows change often. Data must not leave the project. Which setup?")
    assert {"row", "chang"} <= req
    assert not {"leav", "project", "setup"} & req


def test_a_capability_denied_to_an_options_subject_rules_it_out() -> None:
    option = "Optimized online serving reached through a Private Service Connect endpoint"
    assert _denied(SYNC_ONLY, option, FEATURE_STEM) >= 0.4
    assert _denied("Optimized online serving does not support continuous sync.", option,
                   FEATURE_STEM) >= 0.4
    # not when the scenario does not ask for that capability
    assert _denied(SYNC_ONLY, option, "Features refresh once a day. Which setup?") == 0.0
    # not for an option that names the denied capability itself (it is a different subject)
    assert _denied(SYNC_ONLY, "Bigtable online serving with continuous sync", FEATURE_STEM) == 0.0
    # ", not" without "only", or an "only" inside the scenario's quoted words, denies nothing
    cue = ('Scenario cue: "only the training step needs GPUs" means request accelerators on '
           "that one task, not on every step.")
    assert _denied(cue, "Request accelerators on the training task",
                   "The training step needs GPUs on every step. What should you do?") == 0.0


def test_what_the_model_cannot_be_turned_into() -> None:
    assert impossible_targets("Some of its operators cannot be converted to ONNX. What now?") \
        == set(content_terms("ONNX"))
    assert impossible_targets("The model can't be exported as TensorFlow Lite.") >= \
        set(content_terms("TensorFlow"))
    assert impossible_targets("The model can be converted to ONNX. What now?") == set()


def test_what_already_does_the_job_is_the_correction_not_the_trap() -> None:
    s = ("Trap: writing a startup script that runs `gsutil cp` for the whole dataset onto every "
         "worker wastes time and disk when the `/gcs/` mount already streams the data.")
    assert _neg(s, "Read the data through the /gcs/ mount") < 0.4
    assert _neg(s, "Write a startup script that runs gsutil cp onto every worker") >= 0.4


def test_the_stems_own_words_for_what_it_rules_out() -> None:
    assert rule_out_phrases("The team has no Kubernetes experience and wants a managed "
                            "service. Which should they use?") == \
        {"unskilled": "no Kubernetes experience"}
    assert rule_out_phrases("Fix it without retraining the model, and fast. What now?") == \
        {"forbidden": "without retraining the model"}
    assert rule_out_phrases("Some operators cannot be converted to ONNX. What now?") == \
        {"impossible": "cannot be converted to ONNX"}
    assert rule_out_phrases("Drift alerts fire every week. What should you do?") == {}
    late = "Labels arrive about 30 days later, and the team wants an early warning."
    assert rule_out_phrases(late) == {"late_labels": "Labels arrive about 30 days later"}
    # late labels with no hurry: a label-based evaluation is still the way to measure quality
    assert rule_out_phrases("Labels arrive about 30 days later. How is accuracy measured?") == {}


def test_a_pejorative_in_a_reason_clause_judges_that_clause_not_the_choice() -> None:
    s = ("Choose keeping the champion deployed at a small or zero traffic share over undeploying "
         "it when fast rollback matters, because redeploying an undeployed model is much slower "
         "than changing a traffic split.")
    assert _neg(s, "Keep the champion deployed at a small traffic share") < 0.4
    assert _neg(s, "Redeploy the undeployed model") >= 0.4
    # outside a reason clause the pejorative still judges what it follows
    s = "Scaling out only on demand, which is slower because new replicas must start, saves cost."
    assert _neg(s, "Scale out only on demand") >= 0.4


def test_a_pejorative_stops_at_the_clause_that_says_what_to_do() -> None:
    s = ("Monitoring becomes harder because predictions do not pass through an endpoint; "
         "devices must upload samples of inputs and predictions to a bucket.")
    assert _neg(s, "Devices upload samples of inputs to a bucket") < 0.4


def test_no_person_in_the_loop_rules_out_an_option_where_someone_acts_by_hand() -> None:
    stem = ("The drift alert must start the retraining pipeline automatically, without a person "
            "in the loop. Which design does that?")
    assert rule_out_phrases(stem) == {"unattended": "without a person in the loop"}
    rule_outs = stem_rule_outs(stem)
    assert rule_outs("Email the on-call engineer, who starts the run from the console") == \
        ["without a person in the loop"]
    assert rule_outs("Ask a team member to run the notebook manually") == \
        ["without a person in the loop"]
    assert rule_outs("Route the alert through Pub/Sub to a function that submits the run") == []
    # "no personal data" is not "no person", and a stem that wants a reviewer rules out nothing
    assert rule_out_phrases("The prompts contain no personal data. What is simplest?") == {}
    assert stem_rule_outs("Keep a human in the loop for every loan decision. What now?")(
        "A data scientist reviews each flagged decision") == []


def test_a_trap_does_not_warn_against_what_the_situation_offers() -> None:
    s = ("Trap: provisioning a GPU endpoint for a model that is offered as MaaS adds cost and "
         "operational work.")
    assert _neg(s, "Use a model-as-a-service (MaaS) offering through a serverless API") < 0.4
    assert _neg(s, "Provision a GPU endpoint for the model") > 0.5


def test_without_managing_gpus_rules_out_self_managed_hardware() -> None:
    stem = ("A startup wants to deploy an open-source LLM from Model Garden with the least "
            "operational effort, without managing GPUs. Which option should they choose?")
    assert rule_out_phrases(stem)["no_servers"] == "without managing GPUs"
    rule_outs = stem_rule_outs(stem)
    assert rule_outs("Self-deploy the model to a Vertex AI endpoint with dedicated A100 GPUs") == \
        ["without managing GPUs"]
    assert rule_outs("Deploy the model on a GKE cluster with GPU node pools and vLLM") == \
        ["without managing GPUs"]
    assert rule_outs("Use a model-as-a-service offering through a serverless API") == []


def test_labels_never_made_rule_out_a_supervised_model_not_one_that_gets_labels() -> None:
    stem = ("Purchase totals are stored in BigQuery, and no one has ever labeled customers with "
            "a segment. Which approach should you recommend?")
    # the quoted words end on a content word, not on "with a"
    assert rule_out_phrases(stem) == {"unlabeled": "no one has ever labeled customers"}
    rule_outs = stem_rule_outs(stem)
    for supervised in ("Train a BOOSTED_TREE_CLASSIFIER that predicts each segment",
                       "Train a LOGISTIC_REG model", "Train an AutoML classification model"):
        assert rule_outs(supervised) == ["no one has ever labeled customers"], supervised
    for other in ("Train a KMEANS model and assign customers to clusters",
                  "Train an unsupervised anomaly model", "Use semi-supervised learning",
                  "Label a sample of customers, then train a classifier"):
        assert rule_outs(other) == [], other


def test_whether_the_model_fits_on_one_device_rules_out_the_wrong_parallelism() -> None:
    fits = "The classifier fits comfortably in one GPU's memory, but an epoch takes a day. What now?"
    assert rule_out_phrases(fits) == {"fits_device": "fits comfortably in one GPU's memory"}
    rule_outs = stem_rule_outs(fits)
    assert rule_outs("Split the layers across GPUs with model parallelism") != []
    assert rule_outs("Shard the parameters with FSDP") != []
    assert rule_outs("Train with data parallelism across several GPUs") == []
    exceeds = ("With Adam, the weights and optimizer state need far more memory than one 80 GB GPU "
               "has, even at batch size 1. What should you do?")
    assert rule_out_phrases(exceeds) == {"exceeds_device": "more memory than one 80 GB GPU"}
    rule_outs = stem_rule_outs(exceeds)
    assert rule_outs("Add more DDP workers") == ["more memory than one 80 GB GPU"]
    assert rule_outs("Shard model state with FSDP") == []
    # a batch that does not fit is not the model's state: more workers may be the answer
    assert rule_out_phrases("The batch does not fit in one GPU. What now?") == {}


PHRASED = [  # (stem, an option it rules out, an option it leaves alone)
    ("The solver needs double-precision arithmetic throughout. Which hardware?",
     "Use Cloud TPUs for speed", "Use GPUs or CPUs rather than TPUs"),
    ("Compliance wants text transcripts of every call. What should you use?",
     "Text-to-Speech with SSML", "Speech-to-Text with diarization"),
    ("The app must read each article aloud in a natural-sounding voice. What fits?",
     "Speech-to-Text with a custom model", "Text-to-Speech with a WaveNet voice"),
    ("The team wants no servers to manage and pays per request. Which mode?",
     "A self-deployed open model on a GPU endpoint", "A model-as-a-service API billed per use"),
    ("The team does not want to write or maintain serving code. What should you do?",
     "Write a FastAPI container that loads the weights", "Use a prebuilt serving container"),
    ("Nobody needs a prediction before morning. What is cheapest?",
     "A Pub/Sub and Dataflow streaming pipeline", "A nightly batch prediction job"),
    ("Descriptions for 2 million items are due overnight; latency per item does not matter.",
     "Provision throughput for the online API", "Submit a Gemini batch prediction job"),
    ("The group wants the least rework when moving to Vertex AI. What should it do?",
     "Rewrite the model in TensorFlow", "Keep PyTorch in the prebuilt PyTorch container"),
    ("Policy says the weights must run inside the bank's own project and VPC. What fits?",
     "Call a serverless managed API", "Self-deploy it to an endpoint in the project"),
    ("The marketing team has no data scientists and knows dashboards. What should it use?",
     "Write a custom TensorFlow model", "Train a model with BigQuery ML"),
    ("The lab has only a few hundred labeled images of each defect. What should it do?",
     "Train a CNN from scratch", "Fine-tune a pretrained image model"),
    ("Security requires least privilege for the batch job's identity. What should you grant?",
     "Grant the Editor role on the project", "Grant Vertex AI User on a dedicated account"),
    ("Prediction traffic must never cross the public internet. Which endpoint fits?",
     "A dedicated public endpoint", "A Private Service Connect endpoint"),
    ("The analysts must lose the ability to change IAM policy but keep training. Which role?",
     "Vertex AI Administrator on the project", "Vertex AI User on the project"),
    ("Fraud is 0.4% of transactions and the model flags almost none. What should you change?",
     "Keep accuracy as the metric and raise the threshold", "Judge it by PR AUC rather than accuracy"),
    ("The classifier must run offline inside the iOS app. What should the team do?",
     "Call the Vertex AI endpoint from the app", "Export an AutoML Edge model in Core ML format"),
    ("The model must run on phones without network access. What should you do?",
     "Use the Cloud Vision API from the phone", "Convert it to LiteRT and bundle it in the app"),
    ("The model must run on phones without network access. What should you do?",
     "Serve the model from Cloud Run with GPUs", "Quantize it and run it on the device"),
    ("The analysts want a model without moving the data out of BigQuery. What should they do?",
     "Export the table to CSV files in Cloud Storage and train there", "Use BigQuery ML"),
    ("Fraud scores need features computed within seconds of each card swipe. What fits?",
     "Recompute the features in a nightly batch job", "Compute them in a streaming pipeline"),
    ("The analysts have no Spark experience. How should they build the features?",
     "Run a PySpark job on Dataproc", "Write the features as BigQuery SQL"),
    ("Nobody on the team has run a data pipeline before. What should they use?",
     "Build an Apache Beam pipeline on Dataflow", "Schedule BigQuery SQL queries"),
    ("The team has no one who maintains Docker images. How should it train?",
     "Build a custom container with its own Dockerfile", "Use a prebuilt training container"),
    ("Data must not be copied to projects outside the company, even with stolen credentials.",
     "Encrypt every dataset with customer-managed encryption keys",
     "A VPC Service Controls perimeter around BigQuery and Vertex AI"),
]


def test_values_that_must_or_must_never_come_back_rule_out_the_other_transformation() -> None:
    back = stem_rule_outs("Analysts must later be able to recover the original card numbers for "
                          "flagged cases. Which transformation fits?")
    assert back("Masking all but the last four digits") == ["recover the original card numbers"]
    assert back("Format-preserving encryption (FPE-FFX)") == []
    never = stem_rule_outs("No party may ever be able to recover citizen identifiers from the "
                           "shared data. Which method fits?")
    assert never("Deterministic encryption with AES-SIV") != []
    assert never("Cryptographic hashing to an irreversible token") == []
    assert rule_out_phrases("No party may ever be able to recover citizen identifiers from the "
                            "data.") == {"irreversible": "No party may ever be able to recover "
                                         "citizen identifiers"}


def test_phrased_requirements_rule_out_the_options_that_break_them() -> None:
    for stem, broken, kept in PHRASED:
        rule_outs = stem_rule_outs(stem)
        assert len(rule_outs(broken)) == 1 and rule_outs(broken)[0] in stem, (stem, broken)
        assert len(rule_outs(broken)[0].split()) <= 9, rule_outs(broken)  # a phrase, not a clause
        assert rule_outs(kept) == [], (stem, kept)
    # near misses: both speech directions wanted, a shared VM pool, a perimeter with CMEK
    assert stem_rule_outs("Transcribe the calls and read the summaries aloud. Which APIs?")(
        "Text-to-Speech for the summaries") == []
    assert stem_rule_outs("The team wants no servers to manage. What should it do?")(
        "Co-host the models on shared VMs in a deployment resource pool") == []
    assert stem_rule_outs("Stop exfiltration by users with valid credentials. What fits?")(
        "A VPC Service Controls perimeter, with CMEK on every dataset") == []
    # what an option sets aside is not what it does
    assert stem_rule_outs("They must lose the ability to change IAM policy. Which role?")(
        "Vertex AI User rather than Vertex AI Administrator") == []
    # without the requirement in the stem, none of them is ruled out
    assert all(stem_rule_outs("Which option fits best?")(broken) == [] for _, broken, _ in PHRASED)


def test_late_labels_rule_out_label_metrics_not_getting_labels() -> None:
    rule_outs = stem_rule_outs("There are no labels yet, and they want a model right away. "
                               "What should they do?")
    assert rule_outs("Measure accuracy on labeled data") == ["no labels yet"]
    assert rule_outs("Label a sample of 1,000 images with a labeling service") == []
    # without the hurry, nothing is ruled out
    assert stem_rule_outs("Labels arrive a month later. How should accuracy be measured?")(
        "Measure accuracy on the labeled data") == []


def test_a_study_cue_backs_an_option_only_for_the_scenario_it_quotes() -> None:
    from assistant.answer.shape import cue_match

    cue = ("Scenario cue: \"the retraining pipeline runs every week but the model never "
           "changes\" points to a cached training step reusing old outputs.")
    same = {t: 1.0 for t in content_terms(
        "Our weekly retraining pipeline runs every week, yet the model never changes. Why?")}
    other = {t: 1.0 for t in content_terms(
        "A corrupted data export produced a much worse model, and it replaced the production "
        "model automatically. How should you prevent this?")}
    assert cue_match(cue, set(same), same) >= 0.3 > cue_match(cue, set(other), other)
    # A cue that quotes nothing is judged by the words before "points to".
    late = {t: 1.0 for t in content_terms("Labels arrive late. What should we do?")}
    assert cue_match("Exam cue: labels arrive late points to drift monitoring.", set(late),
                     late) >= 0.3


def test_an_exception_clause_argues_against_what_it_names() -> None:
    # "on by default unless disabled": disabling is the exception, not the advice
    s = ('Scenario cue: "a data scientist changes only the evaluation step and wants to re-run '
         'the pipeline" points to execution caching, which is on by default unless disabled.')
    assert _neg(s, "Disable caching for the whole pipeline run") > 0.0


def test_operations_tpus_do_not_support_rule_tpus_out() -> None:
    stem = ("You must train a large TensorFlow model with custom CUDA operations that TPUs do "
            "not support. Training on one GPU is too slow. What should you do?")
    assert rule_out_phrases(stem)["tpu_unsupported"] == "TPUs do not support"
    applies = stem_rule_outs(stem)
    assert applies("Use Cloud TPUs with a larger batch size") == ["TPUs do not support"]
    assert applies("Use GPUs rather than TPUs with a distribution strategy") == []


def test_a_sentence_that_moves_the_same_thing_the_other_way_reverses_the_option() -> None:
    # Nineteenth pass: "request an increase ... or reduce the replica count" backed "Increase
    # the replica count" through its words; it says the opposite.
    s = ("Check the quotas for the specific GPU type in the job's region, request an increase, "
         "or reduce the replica count.")
    assert reverses("Increase the replica count so the job starts on smaller machines", s)
    assert not reverses("Check the quota in that region and request more", s)
    # A negated direction states no direction: "do not cut a single request's latency".
    trap = "More replicas raise throughput, but per-request latency needs a faster model."
    assert not reverses("More replicas raise throughput but do not cut a request's latency", trap)
    # The sentence that moves the thing both ways does not reverse either way.
    both = "Increase or reduce the replica count to match the load."
    assert not reverses("Reduce the replica count", both)
    # An option that also says what the sentence says agrees with it: "activations grow with
    # batch size" backs "Reduce the batch size, since activations grow with the batch".
    grow = "The activations saved for the backward pass grow with batch size."
    assert not reverses("Reduce the per-device batch size, since activations grow with the batch",
                        grow)


def test_a_limit_of_a_tool_is_no_verdict_on_what_it_cannot_see() -> None:
    # Nineteenth pass: "monitoring cannot see concept drift" counted against "Concept drift"
    # as the cause of falling precision; it denies only that monitoring sees it.
    s = ("Feature distribution monitoring in Vertex AI Model Monitoring cannot see concept drift "
         "on its own, because the inputs may not move at all.")
    assert _neg(s, "Concept drift: the relationship to cancellation has changed") == 0.0
    assert _neg(s, "Model Monitoring detects concept drift on its own") > 0.5
    # Other negations still deny their object.
    assert _neg("Reduction Server does not help TPU training.", "Use Reduction Server for TPU training") > 0


def test_a_warning_against_one_step_alone_spares_the_option_that_adds_another() -> None:
    # Nineteenth pass: "raising minReplicaCount alone is expensive" counted against "Raise
    # minReplicaCount and set the autoscaling target below the 60% default".
    s = ("Trap: raising `minReplicaCount` alone is an expensive way to handle peaks, because "
         "those replicas run all day; raising the maximum lets autoscaling add replicas.")
    both = "Raise minReplicaCount and set the autoscaling target below the 60% default"
    hit = set(content_terms(both)) & set(content_terms(s))
    assert alone_beyond(both, s, hit)
    one = "Raise minReplicaCount to 10 for the peak"
    assert not alone_beyond(one, s, set(content_terms(one)) & set(content_terms(s)))
    # "just" means "merely" ("fine-tuning just to make it know the documents"): no exception.
    trap = "Trap: fine-tuning a model just to make it know a document collection is wrong."
    tune = "Fine-tune a Gemini model on the contracts and prompt it per file"
    assert not alone_beyond(tune, trap, set(content_terms(tune)) & set(content_terms(trap)))
