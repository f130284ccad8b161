"""Evals: load an eval set, run it, compute metrics the same way every time, report, tune,
gate, and keep the runs started from the app.

    dataset.py   load and validate an eval set (JSONL, the schema of the design page)
    metrics.py   relevance and keyword matching, per-case results, aggregation
    harness.py   run_eval: the eval set through the assistant, into an EvalReport
    report.py    Markdown report, comparison table, per-domain plot; writing them safely
    tuning.py    comparisons across settings; the abstention-threshold sweep
    gate.py      the regression gate's baseline
    runs.py      eval runs saved from the app (data_dir/eval-runs/)
    review.py    tutor review exports; approved answers as eval cases

The names below are the package's public API; import them from ``assistant.evals``.
"""

from assistant.evals.dataset import load_eval_set
from assistant.evals.gate import GATED_METRICS, gate_failures, save_baseline
from assistant.evals.harness import EvalReport, run_eval
from assistant.evals.metrics import (
           CaseResult,
           aggregate,
           all_terms,
           cited_sentences,
           is_relevant,
           percentile,
           term_matches,
)
from assistant.evals.report import check_output_path, write_text_atomic
from assistant.evals.review import case_from_answer

__all__ = ["write_text_atomic", "check_output_path", "save_baseline", "gate_failures",
           "GATED_METRICS", "load_eval_set", "term_matches", "all_terms", "is_relevant",
           "CaseResult", "EvalReport", "run_eval", "aggregate", "cited_sentences",
           "case_from_answer", "percentile"]
