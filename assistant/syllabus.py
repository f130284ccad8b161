"""The PMLE exam guide as data: versions, sections, weights, subsections, product names.

This is the one place the project learns what the exam covers. Corpus validation, domain
tagging of user files, filters, flashcards, progress and the UI all read it from here.
Source: ../shared/exam/guide-outline.md (official guide pages, plus two third-party
transcriptions of the June 2026 PDF that agree with each other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "Subsection",
    "Section",
    "Guide",
    "Product",
    "GUIDES",
    "CURRENT_VERSION",
    "GENERAL",
    "PRODUCTS",
    "guide",
    "current_guide",
    "section_of",
    "subsection",
    "domain_name",
    "is_valid_section",
    "infer_section",
    "alias_expansions",
]


@dataclass(frozen=True)
class Subsection:
    id: str  # "3.2"
    name: str
    topics: tuple[str, ...] = ()

    @property
    def domain(self) -> int:
        return int(self.id.split(".")[0])


@dataclass(frozen=True)
class Section:
    domain: int
    name: str
    weight: int  # approximate share of the exam, percent (0 for the general pseudo-section)
    subsections: tuple[Subsection, ...] = ()


@dataclass(frozen=True)
class Guide:
    version: str  # "2024-10", "2026-06"
    label: str
    in_force: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def section(self, domain: int) -> Section:
        for s in self.sections:
            if s.domain == domain:
                return s
        if domain == 0:
            return GENERAL
        raise KeyError(f"guide {self.version} has no section {domain}")

    def subsection_ids(self) -> list[str]:
        return [sub.id for s in self.sections for sub in s.subsections]


_NAMES = {
    1: "Architecting low-code AI solutions",
    2: "Collaborating within and across teams to manage data and models",
    3: "Scaling prototypes into ML models",
    4: "Serving and scaling models",
    5: "Automating and orchestrating ML pipelines",
    6: "Monitoring AI solutions",
}

# Domain 0 is not an exam section: it holds the material about the exam itself, so that the
# corpus files on format, versions, names and planning can be filtered like any other.
GENERAL = Section(
    0,
    "About the exam",
    0,
    (
        Subsection("0.1", "The certification exam: format, delivery, policies"),
        Subsection("0.2", "Exam guide versions and what changed"),
        Subsection("0.3", "Product names across guide versions"),
        Subsection("0.4", "Study plan by section weight"),
    ),
)

_OCT_2024 = Guide(
    version="2024-10",
    label="October 2024 guide",
    in_force="from 1 October 2024 (English replaced on 1 June 2026)",
    sections=(
        Section(1, _NAMES[1], 13, (
            Subsection("1.1", "Building ML models with BigQuery ML",
                       ("BigQuery ML model types", "feature engineering in BigQuery ML",
                        "batch prediction with BigQuery ML")),
            Subsection("1.2", "Building AI solutions from ML APIs or foundation models",
                       ("ML APIs in Model Garden", "Document AI and Retail API",
                        "RAG with Vertex AI Agent Builder")),
            Subsection("1.3", "Training models with AutoML",
                       ("preparing data for AutoML", "AutoML tabular and forecasting",
                        "configuring and debugging AutoML models")),
        )),
        Section(2, _NAMES[2], 14, (
            Subsection("2.1", "Exploring and preprocessing organization-wide data",
                       ("Vertex AI datasets", "Dataflow, TFX and BigQuery preprocessing",
                        "Vertex AI Feature Store", "privacy, PII and PHI",
                        "ingesting text documents for inference")),
            Subsection("2.2", "Prototyping models in Jupyter notebooks",
                       ("Vertex AI Workbench", "Colab Enterprise", "Dataproc notebooks",
                        "Spark kernels", "Model Garden models")),
            Subsection("2.3", "Tracking and running ML experiments",
                       ("Vertex AI Experiments", "Vertex AI TensorBoard",
                        "Kubeflow Pipelines", "evaluating generative AI")),
        )),
        Section(3, _NAMES[3], 18, (
            Subsection("3.1", "Building models", ("framework and architecture", "interpretability")),
            Subsection("3.2", "Training models",
                       ("custom training", "Kubeflow on GKE", "distributed training",
                        "hyperparameter tuning", "troubleshooting training",
                        "fine-tuning foundation models")),
            Subsection("3.3", "Choosing appropriate hardware for training",
                       ("CPU, GPU, TPU, edge", "Reduction Server", "Horovod")),
        )),
        Section(4, _NAMES[4], 20, (
            Subsection("4.1", "Serving models",
                       ("batch and online inference", "serving containers",
                        "Model Registry", "A/B testing")),
            Subsection("4.2", "Scaling online model serving",
                       ("Feature Store online serving", "public and private endpoints",
                        "serving hardware", "autoscaling", "production tuning")),
        )),
        Section(5, _NAMES[5], 22, (
            Subsection("5.1", "Developing end-to-end ML pipelines",
                       ("data and model validation", "consistent preprocessing", "MLflow",
                        "Kubeflow Pipelines, Vertex AI Pipelines, Cloud Composer",
                        "hybrid and multicloud", "TFX and Kubeflow DSL")),
            Subsection("5.2", "Automating model retraining",
                       ("retraining policy", "CI/CD with Cloud Build or Jenkins")),
            Subsection("5.3", "Tracking and auditing metadata",
                       ("Vertex ML Metadata", "lineage", "model and dataset versioning")),
        )),
        Section(6, _NAMES[6], 13, (
            Subsection("6.1", "Identifying risks to AI solutions",
                       ("security", "Responsible AI and bias", "readiness and fairness",
                        "explainability")),
            Subsection("6.2", "Monitoring, testing, and troubleshooting AI solutions",
                       ("Model Monitoring", "training-serving skew",
                        "feature-attribution drift", "baselines",
                        "training and serving errors")),
        )),
    ),
)

_JUN_2026 = Guide(
    version="2026-06",
    label="June 2026 revision",
    in_force="English exam from 1 June 2026",
    sections=(
        Section(1, _NAMES[1], 13, (
            Subsection("1.1", "Building models with BigQuery ML or Agent Platform AutoML",
                       ("classification, regression, forecasting, clustering",
                        "feature engineering and prediction in BigQuery ML",
                        "training with AutoML", "fine-tuning Gemini using BigQuery")),
            Subsection("1.2", "Building AI solutions with Google Cloud AI APIs or foundation models",
                       ("choosing models in Model Garden", "Document AI, Vision, Translation",
                        "Gemini, Imagen, Veo, models as a service",
                        "Gemini cost, latency and availability")),
        )),
        Section(2, _NAMES[2], 16, (
            Subsection("2.1", "Exploring and preprocessing organization-wide data",
                       ("organizing tabular, text and image data",
                        "choosing the preprocessing tool by scale", "Agent Platform Feature Store",
                        "privacy and PII")),
            Subsection("2.2", "Prototyping models in Jupyter notebooks",
                       ("notebook security and collaboration",
                        "Agent Platform Workbench and Colab Enterprise",
                        "prototyping with Model Garden")),
            Subsection("2.3", "Tracking and running ML experiments",
                       ("Experiments, Pipelines, Kubeflow Pipelines",
                        "evaluating predictive and generative AI", "LLM-as-a-judge",
                        "artifacts, versions and lineage")),
        )),
        Section(3, _NAMES[3], 21, (
            Subsection("3.1", "Building models",
                       ("model type: ARIMA, DNN, LLM", "AutoML, BigQuery ML or Pipelines",
                        "deployment strategy", "interpretability")),
            Subsection("3.2", "Training models",
                       ("organizing training data", "custom training and Kubeflow on GKE",
                        "troubleshooting", "hyperparameter tuning",
                        "fine-tuning foundation models and when to tune")),
            Subsection("3.3", "Choosing appropriate hardware for training",
                       ("CPU, GPU, TPU", "data and model parallelism")),
        )),
        Section(4, _NAMES[4], 20, (
            Subsection("4.1", "Serving models",
                       ("batch and online deployment", "Cloud Run and GKE",
                        "prebuilt and custom containers", "Model Registry versions",
                        "A/B and canary rollouts", "pre- and post-processing")),
            Subsection("4.2", "Scaling online model serving",
                       ("Feature Store serving", "public and private endpoints",
                        "serving hardware", "scaling Agent Platform Inference",
                        "production tuning")),
        )),
        Section(5, _NAMES[5], 18, (
            Subsection("5.1", "Developing end-to-end ML pipelines",
                       ("validating data and models", "Agent Platform Pipelines",
                        "Managed Service for Apache Airflow", "Ray on Agent Platform",
                        "consistent preprocessing")),
            Subsection("5.2", "Automating model retraining",
                       ("retraining policy", "CI/CD/CT with Cloud Build")),
        )),
        Section(6, _NAMES[6], 13, (
            Subsection("6.1", "Identifying risks to AI solutions",
                       ("exfiltration and malicious prompting", "Model Armor and safety filters",
                        "responsible AI and bias", "explainability")),
            Subsection("6.2", "Monitoring, testing, and troubleshooting AI solutions",
                       ("Model Monitoring", "skew, data drift, concept drift",
                        "feature-attribution drift", "evaluating generative AI")),
        )),
    ),
)

GUIDES: dict[str, Guide] = {g.version: g for g in (_OCT_2024, _JUN_2026)}
# Today (late 2026) English candidates sit the June 2026 revision.
CURRENT_VERSION = "2026-06"


@dataclass(frozen=True)
class Product:
    """One product across guide versions: its current name and the names it had before."""

    name: str  # the name the current guide uses
    former: tuple[str, ...]  # older or alternative names still common in docs and questions
    note: str = ""


PRODUCTS: tuple[Product, ...] = (
    Product("Gemini Enterprise Agent Platform", ("Vertex AI", "Agent Platform"),
            "Vertex AI was renamed in April 2026; the June 2026 guide uses the new name."),
    Product("Agent Platform AutoML", ("Vertex AI AutoML", "AutoML")),
    Product("Agent Platform Workbench", ("Vertex AI Workbench",)),
    Product("Agent Platform Pipelines", ("Vertex AI Pipelines",)),
    Product("Agent Platform Feature Store", ("Vertex AI Feature Store",)),
    Product("Agent Platform Model Registry", ("Vertex AI Model Registry",)),
    Product("Agent Platform Experiments", ("Vertex AI Experiments",)),
    Product("Agent Platform ML Metadata", ("Vertex ML Metadata", "Vertex AI ML Metadata")),
    Product("Agent Platform Inference", ("Vertex AI Prediction",)),
    Product("Managed Service for Apache Airflow", ("Cloud Composer",)),
    Product("Sensitive Data Protection", ("Cloud DLP", "Cloud Data Loss Prevention")),
    Product("Vertex AI", ("AI Platform", "Cloud ML Engine"),
            "AI Platform was folded into Vertex AI in 2021."),
    Product("Vertex AI Agent Builder", ("Vertex AI Search",),
            "Named by the October 2024 guide for RAG applications."),
)


def guide(version: str | None = None) -> Guide:
    return GUIDES[version or CURRENT_VERSION]


def current_guide() -> Guide:
    return GUIDES[CURRENT_VERSION]


def section_of(section_id: str) -> int:
    """'3.2' -> 3."""
    return int(section_id.split(".")[0])


def subsection(section_id: str, version: str | None = None) -> Subsection | None:
    g = guide(version)
    for s in (*g.sections, GENERAL):
        for sub in s.subsections:
            if sub.id == section_id:
                return sub
    return None


def domain_name(domain: int, version: str | None = None) -> str:
    return guide(version).section(domain).name


def is_valid_section(domain: int, section_id: str, version: str) -> bool:
    if version not in GUIDES:
        return False
    if section_of(section_id) != domain:
        return False
    return subsection(section_id, version) is not None


_SECTION_HEADING = re.compile(r"\bsection\s+([1-6])\b", re.I)
_SUBSECTION_NUMBER = re.compile(r"^\s*([1-6])\.([1-9])\b")


def infer_section(heading_path: tuple[str, ...] | list[str],
                  version: str | None = None) -> tuple[int | None, str | None]:
    """Guess (domain, section) for a user document from its headings.

    The official guide PDF and most study notes title their parts "Section 3: ..." and
    "3.2 Training models"; we read the innermost heading that carries such a number. Text that
    shows no number stays untagged: a wrong tag would hide a passage behind a filter.
    """
    g = guide(version)
    valid = set(g.subsection_ids())
    domain: int | None = None
    section: str | None = None
    for heading in heading_path:
        m = _SUBSECTION_NUMBER.match(heading)
        if m and f"{m.group(1)}.{m.group(2)}" in valid:
            domain, section = int(m.group(1)), f"{m.group(1)}.{m.group(2)}"
            continue
        m = _SECTION_HEADING.search(heading)
        if m:
            d = int(m.group(1))
            if d != domain:
                domain, section = d, None
    return domain, section


@lru_cache(maxsize=1)
def _alias_table() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    rows = []
    for p in PRODUCTS:
        names = (p.name, *p.former)
        for n in names:
            others = tuple(o for o in names if o != n)
            rows.append((re.compile(r"\b" + re.escape(n) + r"\b", re.I), others))
    # Longest names first, so "Vertex AI Pipelines" wins over "Vertex AI".
    rows.sort(key=lambda r: -len(r[0].pattern))
    return tuple(rows)


def alias_expansions(text: str) -> list[str]:
    """Other names of every product mentioned in ``text`` (for query expansion)."""
    found: list[str] = []
    consumed = text
    for pattern, others in _alias_table():
        if pattern.search(consumed):
            found.extend(o for o in others if o not in found)
            consumed = pattern.sub(" ", consumed)
    return found
