"""Eval reports: the Markdown report, the comparison table, the per-domain plot, and writing
them (checked before a run, written atomically after it)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant import syllabus
from assistant.errors import AssistantError
from assistant.evals.harness import EvalReport
from assistant.files import atomic_path, atomic_write

__all__ = ["markdown_report", "comparison_table", "plot_per_domain", "METRIC_COLUMNS",
           "write_text_atomic", "check_output_path", "write_comparison_report"]

METRIC_COLUMNS = ("hit@1", "hit@{k}", "mrr@10", "ndcg@10", "keyword_recall", "keyword_hit_rate",
                  "abstention_accuracy", "false_abstention_rate", "citation_precision",
                  "citation_support", "lead_keyword_hit", "redundant_pair_rate",
                  "off_topic_rate", "answer_words_mean", "retrieve_ms_p50", "retrieve_ms_p95",
                  "answer_ms_p50", "answer_ms_p95")


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}" if v <= 1.0 else f"{v:.1f}"
    return str(v)


def _columns(k: int) -> list[str]:
    return [c.format(k=k) for c in METRIC_COLUMNS]


def comparison_table(reports: Sequence[EvalReport], columns: Sequence[str] | None = None) -> str:
    """One Markdown table: a row per setting, a column per metric."""
    k = reports[0].k if reports else 5
    cols = list(columns) if columns else _columns(k)
    lines = ["| setting | " + " | ".join(cols) + " |",
             "|---|" + "---:|" * len(cols)]
    for r in reports:
        lines.append(f"| {r.name} | " + " | ".join(_fmt(r.metrics.get(c)) for c in cols) + " |")
    return "\n".join(lines)


def markdown_report(report: EvalReport, plot_path: Path | None = None,
                    max_failures: int = 60) -> str:
    k = report.k
    m = report.metrics
    s = report.settings
    out = [f"# Eval report: {report.name}", "",
           f"Settings: mode `{s.get('mode')}`, backend `{s.get('backend')}`, k={k}, chunk "
           f"tokens {s.get('chunk_tokens')}, fusion `{s.get('fusion')}`, {s.get('chunks')} chunks "
           f"in `{s.get('collection')}`.", "",
           f"{m['cases']} cases: {m['answerable']} answerable, {m['unanswerable']} unanswerable, "
           f"{m['errors']} errors.", "", "## Overall", "",
           comparison_table([report]), "", "## Per exam domain", ""]
    cols = ["cases", "hit@1", f"hit@{k}", "mrr@10", "ndcg@10", "keyword_recall",
            "abstention_accuracy", "false_abstention_rate", "lead_keyword_hit",
            "redundant_pair_rate", "off_topic_rate", "answer_words_mean"]
    out.append("| domain | " + " | ".join(cols) + " |")
    out.append("|---|" + "---:|" * len(cols))
    for d, dm in report.per_domain.items():
        try:
            name = syllabus.domain_name(int(d))
        except KeyError:
            name = ""
        out.append(f"| {d} {name} | " + " | ".join(_fmt(dm.get(c)) for c in cols) + " |")
    if plot_path is not None:
        out += ["", f"![hit@{k} per domain]({plot_path.name})"]
    failures = report.failures()
    out += ["", f"## Failed cases ({len(failures)})", ""]
    for r in failures[:max_failures]:
        out.append(f"- **{r.case.id}** ({r.failure(k)}): {r.case.question[:160]}")
        if r.answer is not None and r.answer.standalone_question:
            out.append(f"  - rewritten as: {r.answer.standalone_question[:160]}")
        if r.case.evidence:
            out.append(f"  - evidence: {', '.join(r.case.evidence)}")
        for p in r.passages[:3]:
            c = p.chunk
            out.append(f"  - [{p.rank}] {c.source} > {c.heading[:80]}")
    if len(failures) > max_failures:
        out.append(f"- ... and {len(failures) - max_failures} more (see the JSON report)")
    return "\n".join(out) + "\n"


def write_comparison_report(reports: Sequence[EvalReport], out: Path, *, eval_file: str,
                            n_cases: int, k: int) -> Path:
    """The ``--compare`` report: the comparison table and the per-domain plot beside it
    (``out`` with a .png suffix). Returns the plot's path."""
    png = out.with_suffix(".png")
    plot_per_domain(reports, png)
    body = ["# Eval comparison", "", f"Eval set: `{eval_file}` ({n_cases} cases), k={k}.",
            "", comparison_table(reports), "", f"![hit@{k} per domain]({png.name})", ""]
    write_text_atomic(out, "\n".join(body))
    return png


def plot_per_domain(reports: Sequence[EvalReport], path: Path) -> Path:
    """A grouped bar chart of hit@k per exam domain, one bar per setting."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = reports[0].k
    domains = sorted({d for r in reports for d in r.per_domain}, key=int)
    width = 0.8 / max(1, len(reports))
    fig, ax = plt.subplots(figsize=(8, 4), dpi=110)
    for i, r in enumerate(reports):
        vals = [r.per_domain.get(d, {}).get(f"hit@{k}") or 0.0 for d in domains]
        xs = [j + i * width for j in range(len(domains))]
        ax.bar(xs, vals, width=width, label=r.name)
    ax.set_xticks([j + width * (len(reports) - 1) / 2 for j in range(len(domains))])
    ax.set_xticklabels([f"D{d}" for d in domains])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(f"hit@{k}")
    ax.set_title(f"hit@{k} per exam domain")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Saved beside the target, then renamed: a reader never sees half a PNG.
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
    return path


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` atomically (``assistant.files.atomic_write``): a crash, a kill or a full
    disk leaves the old file (or none), never half a report. A failure is one line."""
    try:
        atomic_write(path, text)
    except OSError as err:
        raise AssistantError(f"cannot write {path} ({err.strerror or type(err).__name__}); "
                             "check the folder exists and is writable") from None


def check_output_path(path: Path) -> None:
    """Refuse an output path that cannot be written before any work is done: an eval run
    takes minutes, and its results must not end as a traceback at the last step."""
    parent = path.parent  # Path("out.json").parent is Path(".")
    if path.is_dir():
        raise AssistantError(f"{path} is a folder; give a file name for the output")
    if not parent.is_dir():
        raise AssistantError(f"{parent} does not exist; create the folder or choose another "
                             "output path")
    if not os.access(parent, os.W_OK):
        raise AssistantError(f"{parent} is not writable; choose another output path")
