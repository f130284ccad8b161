"""The targets of issue 8, the comparison with the baseline, and the Markdown table
(evals/bench.md)."""

from __future__ import annotations

from typing import Any

from assistant.evals.bench.common import MODES, get_dotted

__all__ = ["TARGETS", "evaluate_targets", "compare", "markdown"]


# Targets of issue 8 (2-core machine, warm, shipped corpus). "max" = at most, "min" = at least.
TARGETS: list[tuple[str, str, str, float]] = [
    ("retrieve p95 (hybrid), ms", "query.retrieve.hybrid.p95_ms", "max", 25.0),
    ("extractive ask p95, ms", "query.ask.p95_ms", "max", 60.0),
    ("retrieve p95 at scale (hybrid), ms", "scale.query.retrieve.hybrid.p95_ms", "max", 50.0),
    ("re-ingest, no change (in process), s", "ingest.no_change.seconds", "max", 2.0),
    ("re-ingest, no change (command), s", "ingest.no_change_command.seconds", "max", 2.0),
    ("cold start to first answer, s", "cold_start.spawn_to_first_answer_s", "max", 10.0),
    ("peak RSS of the ask process, MB", "memory.peak_rss_mb", "max", 1200.0),
    ("hit@5 minus baseline's, points", "comparison.hit5_points_over_baseline", "min", 5.0),
    ("retrieve p95 / baseline's", "comparison.retrieve_p95_ratio", "max", 1.2),
]

def evaluate_targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for label, path, kind, limit in TARGETS:
        value = get_dotted(summary, path)
        met = None if value is None else (value <= limit if kind == "max" else value >= limit)
        rows.append({"target": label, "limit": f"{'<=' if kind == 'max' else '>='} {limit:g}",
                     "measured": value, "met": met})
    return rows


def compare(summary: dict[str, Any]) -> dict[str, Any]:
    ours = summary["query"]
    base = summary.get("baseline")
    if not base:
        return {}
    oq = ours["quality"]["hybrid"]
    bq = base["quality"]
    return {
        "hit5_points_over_baseline": round(100 * (oq["hit@5"] - bq["hit@5"]), 1),
        "mrr10_points_over_baseline": round(100 * (oq["mrr@10"] - bq["mrr@10"]), 1),
        "hit5_ratio": round(oq["hit@5"] / bq["hit@5"], 3) if bq["hit@5"] else None,
        "retrieve_p50_ratio": round(ours["retrieve"]["hybrid"]["p50_ms"] / base["retrieve"]["p50_ms"], 3),
        "retrieve_p95_ratio": round(ours["retrieve"]["hybrid"]["p95_ms"] / base["retrieve"]["p95_ms"], 3),
    }


def _fmt(v: Any, nd: int = 1) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def markdown(summary: dict[str, Any], command: str) -> str:
    m = summary["machine"]
    q = summary["query"]
    qual = q["quality"]
    base = summary.get("baseline")
    ing = summary["ingest"]
    lines = [
        "# Performance benchmark",
        "",
        f"Produced by `{command}` (evals/bench.py); full figures in evals/bench.json.",
        "",
        f"Machine: {m['cpu']}, {m['logical_cores']} logical cores, {_fmt(m['ram_gib'])} GiB RAM, "
        f"{m['os']}, Python {m['python']}; torch {m['packages'].get('torch')}, "
        f"sentence-transformers {m['packages'].get('sentence-transformers')}, onnxruntime "
        f"{m['packages'].get('onnxruntime')}, chromadb {m['packages'].get('chromadb')}. "
        f"Load average before/after: {m.get('loadavg_start')} / {m.get('loadavg_end')} "
        "(other work on the machine inflates wall-clock times).",
        "",
        f"Corpus: {ing['corpus_files']} files, {ing['cold']['chunks']} chunks; eval set: "
        f"{summary['eval']['cases']} cases ({qual['hybrid']['answerable']} answerable). Latency "
        f"over the eval questions, warm, query caches cleared, one thread; embedding backend: "
        f"{q['settings']['backend']}.",
        "",
        "| pipeline | chunks | hit@5 | MRR@10 | retrieve p50 ms | retrieve p95 ms | ask p50 ms | ask p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in MODES:
        r = q["retrieve"][mode]
        ask = q["ask"] if mode == q["settings"]["retrieval_mode"] else {}
        lines.append(f"| ours, {mode} | {ing['cold']['chunks']} | {_fmt(qual[mode]['hit@5'], 3)} | "
                     f"{_fmt(qual[mode]['mrr@10'], 3)} | {_fmt(r['p50_ms'])} | {_fmt(r['p95_ms'])} | "
                     f"{_fmt(ask.get('p50_ms'))} | {_fmt(ask.get('p95_ms'))} |")
    if base:
        lines.append(f"| LangChain baseline (1000/200 chars, Chroma, k=5) | {base['chunks']} | "
                     f"{_fmt(base['quality']['hit@5'], 3)} | {_fmt(base['quality']['mrr@10'], 3)} | "
                     f"{_fmt(base['retrieve']['p50_ms'])} | {_fmt(base['retrieve']['p95_ms'])} | - | - |")
    sc = summary.get("scale")
    if sc:
        sq = sc["query"]
        lines.append(f"| ours, hybrid, {sc['factor']}x synthetic corpus | {sc['build']['chunks']} | - | - | "
                     f"{_fmt(sq['retrieve']['hybrid']['p50_ms'])} | {_fmt(sq['retrieve']['hybrid']['p95_ms'])} | "
                     f"{_fmt(sq['ask']['p50_ms'])} | {_fmt(sq['ask']['p95_ms'])} |")
    cmp_ = summary.get("comparison") or {}
    if cmp_:
        lines += ["", f"Ours (hybrid) vs baseline: hit@5 {cmp_['hit5_points_over_baseline']:+.1f} points, "
                      f"MRR@10 {cmp_['mrr10_points_over_baseline']:+.1f} points, retrieve p50 "
                      f"{cmp_['retrieve_p50_ratio']:.2f}x and p95 {cmp_['retrieve_p95_ratio']:.2f}x the "
                      "baseline's. The baseline sends follow-up questions raw; ours rewrites them. "
                      f"The baseline's query embedding runs torch on {base['torch_threads']} "
                      "intra-op threads (its default); with one thread its retrieve p50/p95 is "
                      f"{_fmt(base['retrieve_torch_1_thread']['p50_ms'])} / "
                      f"{_fmt(base['retrieve_torch_1_thread']['p95_ms'])} ms."]
    st = q["hybrid_stages"]
    lines += ["", "Where a hybrid retrieval's time goes (p50 / p95 ms): normalise + embed the "
                  f"query {_fmt(st['embed']['p50_ms'], 2)} / {_fmt(st['embed']['p95_ms'], 2)}, "
                  f"Chroma query {_fmt(st['dense']['p50_ms'], 2)} / {_fmt(st['dense']['p95_ms'], 2)}, "
                  f"BM25 {_fmt(st['bm25']['p50_ms'], 2)} / {_fmt(st['bm25']['p95_ms'], 2)}; the "
                  f"extractive answer adds {_fmt(q['ask']['compose']['p50_ms'], 2)} / "
                  f"{_fmt(q['ask']['compose']['p95_ms'], 2)}. Profile of one ask: evals/bench.json, "
                  "\"profile\"."]
    tp = q["throughput"]
    qps_n = tp[f"threads_{tp['threads']}_qps"]
    lines += [
        "",
        "| cost | value |",
        "|---|---:|",
        f"| cold full build ({ing['backend']}), s | {_fmt(ing['cold']['seconds'])} "
        f"({_fmt(ing['cold']['chunks_per_s'])} chunks/s; embedding {_fmt(ing['cold']['embed_chunks_per_s'])} chunks/s) |",
        f"| re-ingest, no change, s (in process / `assistant ingest`) | {_fmt(ing['no_change']['seconds'], 2)} / "
        f"{_fmt(ing['no_change_command']['seconds'], 2)} (chunks embedded: {ing['no_change']['chunks_embedded']}) |",
        f"| re-ingest after changing one file, s | {_fmt(ing['one_file_changed']['seconds'], 2)} "
        f"(chunks embedded: {ing['one_file_changed']['chunks_embedded']}) |",
        f"| throughput, asks/s (1 / {tp['threads']} threads) | {_fmt(tp['threads_1_qps'])} / "
        f"{_fmt(qps_n)} |",
    ]
    if base:
        lines.append(f"| baseline build (split + embed + Chroma), s | {_fmt(base['build_s'])} |")
    cs = summary.get("cold_start")
    if cs:
        lines.append(f"| cold start, new process to first answer, s (`assistant ask`) | "
                     f"{_fmt(cs['spawn_to_first_answer_s'], 2)} ({_fmt(cs['command_ask_s'], 2)}) |")
    mem = summary.get("memory")
    if mem:
        lines.append(f"| peak RSS of the ask process, MB | {_fmt(mem['peak_rss_mb'])} |")
    if sc:
        lines.append(f"| {sc['factor']}x corpus build (vectors synthesized), s | {_fmt(sc['build']['seconds'])} |")
        if sc.get("memory"):
            lines.append(f"| {sc['factor']}x: cold start s / peak RSS MB | "
                         f"{_fmt(sc['cold_start']['spawn_to_first_answer_s'], 2)} / "
                         f"{_fmt(sc['memory']['peak_rss_mb'])} |")
    be = summary.get("backends")
    if be:
        sample = be["embedding_sample"]
        lines += ["", "Embedding backends (cold build of the corpus; document embedding on a "
                      f"sample of {sample['chunks']} chunks, best of {sample['repeats']}; query "
                      "embedding over the eval questions; hit@5 on the eval set):", "",
                  "| backend | cold build s | embed chunks/s | query embed p50 ms | p95 ms | hit@5 dense | hit@5 hybrid | MRR@10 hybrid |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name in ("torch", "onnx-fp32", "onnx-int8"):
            r = be[name]
            lines.append(f"| {name} | {_fmt(r['cold_build_s'])} | {_fmt(r['embed_chunks_per_s'])} | "
                         f"{_fmt(r['query_embed']['p50_ms'], 2)} | {_fmt(r['query_embed']['p95_ms'], 2)} | "
                         f"{_fmt(r['hit@5']['dense'], 3)} | {_fmt(r['hit@5']['hybrid'], 3)} | "
                         f"{_fmt(r['mrr@10']['hybrid'], 3)} |")
        for name in ("onnx-fp32", "onnx-int8"):
            v = be[name]["vs_torch"]
            lines.append("")
            lines.append(f"{name} vs torch: documents {v['document_embedding_speedup']:.1f}x, "
                         f"queries {v['query_embedding_speedup']:.1f}x, hit@5 "
                         f"{v['hit@5_points']['dense']:+.1f} points dense / "
                         f"{v['hit@5_points']['hybrid']:+.1f} hybrid; meets the rule: "
                         f"{_fmt(v['meets_rule'])}.")
        lines += ["", f"Rule: {be['rule']}. Default backend in this run: {be['default_backend']}."]
    lines += ["", "| target | limit | measured | met |", "|---|---|---:|---|"]
    for t in summary["targets"]:
        lines.append(f"| {t['target']} | {t['limit']} | {_fmt(t['measured'], 2)} | {_fmt(t['met'])} |")
    lines += ["", f"Benchmark runtime: {summary['runtime_s']:.0f} s.", ""]
    return "\n".join(lines)
