"""The performance benchmark keeps working: evals/bench.py runs end to end on a tiny corpus.

Timings are noisy, so nothing here asserts a duration: only that every section ran, that its
figures are well-formed, and that the behaviour the benchmark reports is right (a re-ingest
with no change embeds nothing; the ONNX backends agree with torch).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.settings import PROJECT_ROOT

BENCH = PROJECT_ROOT / "evals" / "bench.py"

_DOCS = {
    "monitoring.md": """---
title: "Model monitoring"
domain: 6
section: "6.2"
---

# Model monitoring

## Skew and drift

Training-serving skew is a difference between the feature distribution in training and the
one seen in production. Vertex AI Model Monitoring compares serving traffic with the training
baseline and raises an alert when the distance passes a threshold.

## Alerts

Alerts go to email or Cloud Monitoring notification channels; a sampling rate keeps the cost
of monitoring low on busy endpoints.
""",
    "features.md": """---
title: "Feature Store"
domain: 2
section: "2.1"
---

# Feature Store

## Online serving

Vertex AI Feature Store serves features online with low latency from Bigtable or an
optimized online store, and keeps point-in-time correct training data in BigQuery.
""",
    "pipelines.md": """---
title: "Pipelines"
domain: 5
section: "5.1"
---

# Pipelines

## Orchestration

Vertex AI Pipelines runs Kubeflow Pipelines definitions serverlessly and records the lineage
of every artifact in Vertex ML Metadata.
""",
}

_CASES = [
    {"id": "t1", "question": "What is training-serving skew?", "domain": 6, "section": "6.2",
     "answerable": True, "evidence": ["skew"], "answer_keywords": ["skew"]},
    {"id": "t2", "question": "How does Feature Store serve features online?", "domain": 2,
     "section": "2.1", "answerable": True, "evidence": ["online"], "answer_keywords": ["online"]},
    {"id": "t3", "question": "and where does it keep the lineage?", "domain": 5, "section": "5.1",
     "answerable": True, "evidence": ["lineage"], "answer_keywords": ["lineage"],
     "history": ["What runs Kubeflow pipelines on Vertex AI?"]},
    {"id": "t4", "question": "What is the capital of Australia?", "domain": 0, "section": "0.1",
     "answerable": False, "evidence": [], "answer_keywords": []},
]


_MCQ = {"id": "m1", "split": "dev", "domain": 5, "section": "5.1",
        "question": "Which service runs Kubeflow Pipelines definitions serverlessly and records "
                    "the lineage of every artifact?",
        "options": ["Vertex AI Pipelines", "Cloud Composer", "Dataflow", "Cloud Run"],
        "answer": "A"}


@pytest.mark.slow
def test_benchmark_runs_on_a_tiny_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in _DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    eval_file = tmp_path / "tiny.jsonl"
    eval_file.write_text("\n".join(json.dumps(c) for c in _CASES) + "\n", encoding="utf-8")
    # The coach section reads the multiple-choice set next to the eval file.
    (tmp_path / "pmle_mcq.jsonl").write_text(json.dumps(_MCQ) + "\n", encoding="utf-8")
    out, md = tmp_path / "bench.json", tmp_path / "bench.md"

    proc = subprocess.run(
        [sys.executable, str(BENCH), "--corpus", str(corpus), "--eval", str(eval_file),
         "--out", str(out), "--md", str(md), "--scale", "3", "--threads", "2",
         "--workdir", str(tmp_path / "work"), "--onnx-cache", str(tmp_path / "onnx")],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]

    summary = json.loads(out.read_text(encoding="utf-8"))
    assert json.loads(proc.stdout) == summary  # the printed summary is the file
    for section in ("machine", "ingest", "query", "profile", "cold_start", "memory", "baseline",
                    "comparison", "backends", "scale", "targets"):
        assert section in summary, section

    ing = summary["ingest"]
    assert ing["cold"]["chunks"] == ing["cold"]["chunks_embedded"] > 0  # really embedded
    assert ing["no_change"]["chunks_embedded"] == 0
    assert ing["no_change_command"]["chunks_embedded"] == 0
    changed = ing["one_file_changed"]
    assert changed["files_changed"] == 1 and 0 < changed["chunks_embedded"] < ing["cold"]["chunks"]

    q = summary["query"]
    assert q["questions"] == len(_CASES)
    assert q["index_build"]["chunks_embedded"] == 0  # reused the cold build's vectors
    for mode in ("dense", "bm25", "hybrid"):
        assert q["retrieve"][mode]["n"] == len(_CASES)
        assert 0 < q["retrieve"][mode]["p50_ms"] <= q["retrieve"][mode]["p95_ms"]
        assert 0.0 <= q["quality"][mode]["hit@5"] <= 1.0
    # Three answerable cases whose evidence only one file contains: hybrid finds them all.
    assert q["quality"]["hybrid"]["hit@5"] == 1.0
    assert q["ask"]["n"] == len(_CASES) and q["throughput"]["threads_2_qps"] > 0
    assert summary["profile"]["top_self_time"]

    assert summary["cold_start"]["spawn_to_first_answer_s"] > 0
    assert summary["memory"]["peak_rss_mb"] > 50

    base = summary["baseline"]
    assert base["chunks"] > 0 and 0.0 <= base["quality"]["hit@5"] <= 1.0
    assert base["retrieve"]["n"] == len(_CASES)

    be = summary["backends"]
    for name in ("torch", "onnx-fp32", "onnx-int8"):
        assert be[name]["chunks"] == ing["cold"]["chunks"]
        assert be[name]["query_embed"]["n"] == len(_CASES)
    assert isinstance(be["onnx-int8"]["vs_torch"]["meets_rule"], bool)

    sc = summary["scale"]
    assert sc["factor"] == 3
    assert sc["build"]["chunks"] >= 3 * ing["cold"]["chunks"] - 3  # the real files + 2 copies
    assert sc["vectors"]["embedded_by_model"] == 0  # every copy reused a real vector
    assert sc["query"]["retrieve"]["hybrid"]["n"] == len(_CASES)
    assert summary["coach"]["n"] == 1

    targets = {t["target"]: t for t in summary["targets"]}
    assert all(t["measured"] is not None for t in targets.values())

    table = md.read_text(encoding="utf-8")
    assert "| LangChain baseline" in table and "| ours, hybrid |" in table
    assert summary["machine"]["cpu"] in table


def test_onnx_backends_agree_with_torch() -> None:
    """The ONNX export computes the same sentence embedding as sentence-transformers: fp32 to
    rounding, int8 to within quantisation error, for short and long (truncated) texts."""
    from assistant.embed import SentenceTransformerEmbedder

    texts = ["What is training-serving skew?",
             "Vertex AI Model Monitoring compares serving traffic with the training baseline. " * 40]
    torch_emb = SentenceTransformerEmbedder(backend="torch")
    ref = torch_emb.embed_documents(texts)
    fp32 = SentenceTransformerEmbedder(backend="onnx", onnx_precision="fp32")
    int8 = SentenceTransformerEmbedder(backend="onnx", onnx_precision="int8")
    assert len({torch_emb.model_id, fp32.model_id, int8.model_id}) == 3  # separate cache keys
    got32 = fp32.embed_documents(texts)
    got8 = int8.embed_documents(texts)
    assert np.allclose(np.linalg.norm(got8, axis=1), 1.0, atol=1e-4)
    assert (ref * got32).sum(axis=1).min() > 0.9999
    assert (ref * got8).sum(axis=1).min() > 0.98
    # A vector depends on its text only: alone (the query path) or in a list (ingest).
    assert np.allclose(int8.embed_query(texts[0]), got8[0], atol=1e-5)
