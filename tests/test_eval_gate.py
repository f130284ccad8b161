"""The regression gate: the shipped eval set on the shipped corpus, default settings, must not
fall more than 3 points below evals/baseline.json on hit@5, answer keyword recall or lead
keyword hit (the first sentence holds the answer keywords).

Update the baseline deliberately, in its own commit, with the reason:
    assistant eval evals/pmle.jsonl --save-baseline evals/baseline.json
"""

from __future__ import annotations

import json

from assistant.evals import gate_failures, load_eval_set, run_eval
from assistant.settings import PROJECT_ROOT

BASELINE = PROJECT_ROOT / "evals" / "baseline.json"
EVAL_SET = PROJECT_ROOT / "evals" / "pmle.jsonl"


def test_eval_set_meets_the_gate(corpus_assistant) -> None:
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    report = run_eval(load_eval_set(EVAL_SET), corpus_assistant, k=baseline["k"])
    assert report.metrics["errors"] == 0, [r.error for r in report.results if r.error]
    failures = gate_failures(report.metrics, baseline)
    assert not failures, failures


def test_gate_detects_a_drop() -> None:
    """The gate itself can fail: a 4-point drop is caught, a 2-point one is not."""
    baseline = {"metrics": {"hit@5": 0.90, "keyword_recall": 0.85},
                "gate": {"metrics": ["hit@5", "keyword_recall"], "max_drop": 0.03}}
    assert gate_failures({"hit@5": 0.86, "keyword_recall": 0.85}, baseline)
    assert not gate_failures({"hit@5": 0.88, "keyword_recall": 0.83}, baseline)
    assert gate_failures({"hit@5": None, "keyword_recall": 0.85}, baseline)
