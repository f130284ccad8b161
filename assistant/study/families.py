"""Families of interchangeable options: the products and settings an exam question offers side
by side (orchestrators, serving options, processing engines, accelerators ...).

A quiz's distractors come from the correct option's family, so they are plausible: every
member is a real product or setting the corpus describes. The table is data: one row per
family, one entry per member with the spellings the corpus uses. Product renames are not
repeated here; ``syllabus.PRODUCTS`` adds them, so "Cloud Composer" also matches "Managed
Service for Apache Airflow" and the quiz never offers two names of one product as two options.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from assistant import syllabus

__all__ = ["Member", "Family", "FAMILIES", "families", "families_of", "find_members",
           "option_label"]


@dataclass(frozen=True)
class Member:
    name: str  # canonical spelling used as the option text
    aliases: tuple[str, ...]  # every spelling that refers to it (name included)
    pattern: re.Pattern[str]

    def mentioned_in(self, text: str) -> bool:
        return self.pattern.search(text) is not None


@dataclass(frozen=True)
class Family:
    key: str
    topic: str  # "ML orchestration and automation tools": shown in the quiz stem
    members: tuple[Member, ...]


# key -> (topic, members). A member is "Name" or "Name|alias|alias". Aliases are matched
# case-insensitively on word boundaries. Keep rows short: a member belongs here only when the
# corpus says what it is for, because every distractor needs a cited rationale.
_TABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "orchestration": ("ML pipeline orchestration and automation tools", (
        "Vertex AI Pipelines|Vertex AI pipeline",
        "Cloud Composer|Airflow",
        "Kubeflow Pipelines|self-managed Kubeflow|self-hosted Kubeflow|Kubeflow on GKE",
        "Ray on Gemini Enterprise Agent Platform|Ray on Vertex AI|Ray on Agent Platform",
        "Cloud Build",
        "Jenkins",
        "MLflow",
    )),
    "data_processing": ("data preprocessing tools", (
        "Dataflow|Apache Beam",
        "Dataproc|serverless Spark|Spark",
        "BigQuery|BigQuery SQL",
        "pandas",
        "TensorFlow Transform|tf.Transform",
    )),
    "low_code": ("ways to build a model", (
        "BigQuery ML",
        "Vertex AI AutoML|AutoML",
        "custom training|Vertex AI custom training",
        "pretrained AI APIs|pretrained API|Cloud Vision API|Vision API|Natural Language API",
        "Model Garden",
    )),
    "ai_apis": ("Google Cloud AI APIs", (
        "Cloud Vision API|Vision API",
        "Cloud Natural Language API|Natural Language API",
        "Cloud Translation API|Translation API|Translation Advanced",
        "Document AI",
        "Speech-to-Text",
        "Video Intelligence API",
        "Retail API|Vertex AI Search for commerce",
    )),
    "serving": ("model serving options", (
        "online inference|online prediction|online endpoint|Vertex AI endpoint",
        "batch prediction|batch inference|Vertex AI batch prediction",
        "Cloud Run",
        "GKE|Google Kubernetes Engine",
        "edge deployment|edge inference|edge model",
    )),
    "serving_container": ("serving container choices", (
        "prebuilt container|prebuilt serving container|prebuilt Vertex AI serving container",
        "custom container|fully custom container",
        "custom prediction routine|CPR",
    )),
    "endpoint": ("endpoint types", (
        "public endpoint|shared public endpoint|dedicated public endpoint",
        "private endpoint|private services access endpoint",
        "Private Service Connect endpoint|PSC endpoint|Private Service Connect",
        "Optimized online serving",
    )),
    "hardware": ("training and serving hardware", (
        "CPU|CPUs|CPU machine",
        "GPU|GPUs",
        "TPU|TPUs|Cloud TPU",
        "edge deployment|edge inference|edge model|edge device|edge devices",
    )),
    "feature_serving": ("feature storage and serving options", (
        "Vertex AI Feature Store|Feature Store",
        "Bigtable online serving",
        "Optimized online serving",
        "BigQuery|BigQuery SQL",
        "Memorystore",
    )),
    "distributed": ("distributed training techniques", (
        "Reduction Server",
        "Horovod",
        "data parallelism|data-parallel",
        "model parallelism",
        "parameter server|parameter servers",
    )),
    "explainability": ("explanation methods", (
        "Sampled Shapley",
        "Integrated Gradients",
        "XRAI",
        "example-based explanations|example-based explanation",
    )),
    "notebooks": ("notebook environments", (
        "Vertex AI Workbench|Workbench",
        "Colab Enterprise",
        "Spark kernels|Dataproc Spark kernels",
        "serverless Spark sessions|Dataproc Serverless|Serverless for Apache Spark",
        "BigQuery Studio",
    )),
    "tracking": ("experiment, metadata and model tracking tools", (
        "Vertex AI Experiments",
        "Vertex AI TensorBoard|TensorBoard",
        "Vertex ML Metadata|ML Metadata",
        "Vertex AI Model Registry|Model Registry",
        "Cloud Logging",
    )),
    "security": ("security controls", (
        "VPC Service Controls|VPC-SC",
        "CMEK|customer-managed encryption keys",
        "IAM",
        "Model Armor",
        "Sensitive Data Protection",
    )),
    "genai_adaptation": ("ways to adapt a foundation model", (
        "prompt design|prompt engineering",
        "RAG|retrieval-augmented generation|grounding in your own data",
        "supervised fine-tuning|supervised tuning",
        "Grounding with Google Search",
        "distillation",
    )),
    "retrieval": ("retrieval and grounding services", (
        "Vertex AI Search",
        "RAG Engine|Vertex AI RAG Engine",
        "Vector Search",
        "Grounding with Google Search",
    )),
    "genai_consumption": ("ways to consume a foundation model", (
        "MaaS|model as a service|models as a service",
        "Provisioned Throughput",
        "pay-as-you-go",
        "self-deployment|self-deployed",
        "batch prediction|batch inference",
    )),
    "rollout": ("model rollout strategies", (
        "canary|canary rollout",
        "A/B test|A/B testing",
        "traffic split|traffic splitting",
        "shadow deployment|shadow mode",
        "blue-green|blue/green",
    )),
    "eval_modes": ("evaluation methods", (
        "pointwise|pointwise evaluation|pointwise metrics",
        "pairwise|pairwise evaluation|pairwise metrics",
        "computation-based metrics",
        "model-based metrics",
        "LLM-as-a-judge",
    )),
    "metrics": ("evaluation metrics", (
        "precision",
        "recall",
        "PR AUC",
        "ROC AUC",
        "accuracy",
        "RMSE",
        "MAE",
    )),
    "retraining": ("retraining triggers", (
        "schedule|scheduled retraining|on a schedule",
        "new-data trigger|event-driven triggers|event-driven trigger",
        "performance-degradation trigger|performance-based trigger",
        "distribution-shift trigger|drift-based trigger|on-drift trigger|drift detection",
        "on-demand retraining|manual retraining",
    )),
    "drift": ("kinds of model degradation", (
        "training-serving skew|skew detection",
        "prediction drift|data drift",
        "concept drift",
        "feature attribution drift",
    )),
    "monitoring": ("monitoring tools", (
        "Vertex AI Model Monitoring|Model Monitoring",
        "Cloud Monitoring",
        "Cloud Logging",
        "Explainable AI|Vertex Explainable AI",
    )),
    "logging": ("prediction logging options", (
        "request-response logging",
        "container logging",
        "access logging",
    )),
    "deid": ("de-identification methods", (
        "redaction",
        "masking",
        "cryptographic hashing",
        "bucketing",
        "date shifting",
        "format-preserving encryption",
    )),
    "bqml_models": ("BigQuery ML model types", (
        "ARIMA_PLUS",
        "ARIMA_PLUS_XREG",
        "BOOSTED_TREE_CLASSIFIER|boosted tree",
        "KMEANS|k-means",
        "MATRIX_FACTORIZATION|matrix factorization",
        "LOGISTIC_REG|logistic regression",
        "LINEAR_REG|linear regression",
        "AUTOENCODER",
    )),
    "data_formats": ("training data formats", (
        "TFRecord",
        "Parquet",
        "CSV",
        "JSONL",
        "Avro",
    )),
}


def _renames() -> dict[str, tuple[str, ...]]:
    """Every spelling of a product across guide versions, keyed by each spelling (lower)."""
    out: dict[str, tuple[str, ...]] = {}
    for p in syllabus.PRODUCTS:
        names = (p.name, *p.former)
        for n in names:
            # Short generic names ("AutoML", "Agent Platform", "Vertex AI") would make every
            # mention of the platform a mention of one product: skip names inside other names.
            out.setdefault(n.lower(), names)
    return out


def _member(spec: str) -> Member:
    names = [s.strip() for s in spec.split("|") if s.strip()]
    renames = _renames()
    extra: list[str] = []
    for n in names:
        for other in renames.get(n.lower(), ()):
            # "Vertex AI" -> "Gemini Enterprise Agent Platform" would swallow every product.
            if other.lower() not in {"vertex ai", "agent platform", "automl"}:
                extra.append(other)
    aliases = tuple(dict.fromkeys([*names, *extra]))
    return Member(names[0], aliases, _mention_pattern(aliases))


def _mention_pattern(names: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so that where two names overlap the longer one matches. Not followed by a
    # capitalised word: "BigQuery" must not match inside "BigQuery ML" or "BigQuery Storage
    # Read API", which are other products.
    alts = "|".join(re.escape(a) for a in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w`-])(?:{alts})(?![\w-]| (?-i:[A-Z]))", re.I)


@lru_cache(maxsize=1)
def families() -> tuple[Family, ...]:
    return tuple(Family(key, topic, tuple(_member(m) for m in members))
                 for key, (topic, members) in _TABLE.items())


def families_of(member_name: str) -> list[Family]:
    return [f for f in families() if any(m.name == member_name for m in f.members)]


@lru_cache(maxsize=1)
def _scanner() -> tuple[re.Pattern[str], dict[str, tuple[tuple[Member, Family], ...]]]:
    """One alternation of every alias (longest first, so the longest name wins where two
    overlap), and which members each alias names: one pass over a text instead of one per
    member."""
    owners: dict[str, list[tuple[Member, Family]]] = {}
    for fam in families():
        for m in fam.members:
            for a in m.aliases:
                owners.setdefault(a.lower(), []).append((m, fam))
    return _mention_pattern(owners), {k: tuple(v) for k, v in owners.items()}


@lru_cache(maxsize=8192)
def find_members(text: str) -> tuple[tuple[int, int, Member, Family], ...]:
    """Every (start, end, member, family) mention in ``text``, in text order; an alias shared
    by several families (Dataproc, BigQuery ...) yields one row per family."""
    pattern, owners = _scanner()
    return tuple((mt.start(), mt.end(), m, fam) for mt in pattern.finditer(text)
                 for m, fam in owners[mt.group(0).lower()])


def option_label(member: Member) -> str:
    """The option text: the current guide's name first when the product was renamed, so the
    candidate sees both names ("Managed Service for Apache Airflow (Cloud Composer)")."""
    for p in syllabus.PRODUCTS:
        if member.name == p.name:
            return f"{p.name} ({p.former[0]})" if p.former else p.name
        if member.name in p.former and p.name not in ("Vertex AI",):
            return f"{p.name} ({member.name})"
    return member.name


FAMILIES = families()
