"""The regression gate's baseline: what ``--save-baseline`` writes and what the gate test
compares a run against (``tests/test_eval_gate.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.evals.harness import EvalReport
from assistant.evals.report import write_text_atomic

__all__ = ["GATED_METRICS", "save_baseline", "gate_failures"]


GATED_METRICS = ("hit@5", "keyword_recall", "lead_keyword_hit")


def save_baseline(report: EvalReport, path: Path, *, eval_file: str) -> None:
    data = {
        "eval_file": eval_file,
        "settings": report.settings,
        "k": report.k,
        "metrics": {m: report.metrics.get(m) for m in (*GATED_METRICS, "hit@1", "mrr@10",
                                                        "ndcg@10", "keyword_hit_rate",
                                                        "abstention_accuracy",
                                                        "false_abstention_rate",
                                                        "lead_keyword_hit", "redundant_pair_rate",
                                                        "off_topic_rate", "answer_words_mean")},
        "gate": {"metrics": list(GATED_METRICS), "max_drop": 0.03},
    }
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def gate_failures(metrics: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Metrics that dropped more than the allowed margin below the committed baseline."""
    out = []
    drop = float(baseline["gate"]["max_drop"])
    for name in baseline["gate"]["metrics"]:
        base = baseline["metrics"][name]
        now = metrics.get(name)
        if base is not None and (now is None or now < base - drop):
            out.append(f"{name} fell to {now} from the baseline {base} (allowed drop {drop})")
    return out
