"""Eval runs started from the app, saved under ``data_dir/eval-runs/`` (JSON, Markdown, PNG)
so a run is never only on screen, and earlier runs can be reopened. No Streamlit here."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import EvalFileError
from assistant.evals.dataset import load_eval_set
from assistant.evals.harness import EvalReport
from assistant.evals.mcq import MCQReport
from assistant.evals.report import write_text_atomic
from assistant.ingest.uploads import sanitize_filename
from assistant.records import EvalCase
from assistant.settings import Settings

__all__ = ["SavedRun", "runs_dir", "save_run", "save_mcq_run", "list_runs", "load_run",
           "eval_sets_dir", "save_eval_set_upload"]


@dataclass(frozen=True)
class SavedRun:
    path: Path  # the run's folder
    name: str
    created: float

    @property
    def json_path(self) -> Path:
        return self.path / "report.json"

    @property
    def markdown_path(self) -> Path:
        return self.path / "report.md"

    @property
    def plot_path(self) -> Path:
        return self.path / "per-domain.png"


def runs_dir(settings: Settings) -> Path:
    return settings.data_dir / "eval-runs"


def eval_sets_dir(settings: Settings) -> Path:
    """Eval sets uploaded in the app (kept, so they can be run again)."""
    return settings.data_dir / "eval-sets"


def save_eval_set_upload(settings: Settings, filename: str,
                         data: bytes) -> tuple[list[EvalCase], str]:
    """Store an uploaded eval set under its cleaned name in ``eval_sets_dir`` and load it.

    Kept (a user-made set can be run again later), but only once it parses: an
    ``EvalFileError`` (naming the file as the user knows it, not the staging path) leaves
    nothing behind. Returns the cases and the stored file name.
    """
    folder = eval_sets_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    name = sanitize_filename(filename)
    if not name.endswith(".jsonl"):
        name += ".jsonl"
    path = folder / name
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(data)
    try:
        cases = load_eval_set(tmp)
    except EvalFileError as err:
        tmp.unlink(missing_ok=True)
        where = f"{err.path}:{err.line}" if err.line is not None else err.path
        raise EvalFileError(name, err.line, str(err)[len(where) + 2:]) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return cases, name


def _new_run(settings: Settings, name: str) -> SavedRun:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:40] or "run"
    folder = runs_dir(settings) / f"{stamp}-{slug}"
    n = 1
    while folder.exists():
        n += 1
        folder = runs_dir(settings) / f"{stamp}-{slug}-{n}"
    folder.mkdir(parents=True)
    return SavedRun(folder, name, time.time())


def save_run(settings: Settings, report: EvalReport, source: str) -> SavedRun:
    from assistant.evals.report import markdown_report, plot_per_domain

    run = _new_run(settings, report.name)
    payload = report.to_json()
    payload["source"] = source
    payload["created"] = run.created
    # The same atomic writes as `assistant eval --json/--report`: a run listed is a run whole.
    write_text_atomic(run.json_path, json.dumps(payload, ensure_ascii=False, indent=1))
    if report.per_domain:
        plot_per_domain([report], run.plot_path)
    write_text_atomic(run.markdown_path,
                      markdown_report(report, run.plot_path if report.per_domain else None))
    return run


def save_mcq_run(settings: Settings, report: MCQReport, source: str) -> SavedRun:
    """A multiple-choice run (``kind: "mcq"`` in report.json), saved like ``save_run``."""
    from assistant.evals.mcq import mcq_table

    run = _new_run(settings, report.name)
    payload = {"kind": "mcq", **report.to_json(), "source": source, "created": run.created}
    write_text_atomic(run.json_path, json.dumps(payload, ensure_ascii=False, indent=1))
    write_text_atomic(run.markdown_path,
                      f"# Multiple-choice eval: {report.name}\n\nEval set: {source} "
                      f"({len(report.results)} items).\n\n{mcq_table(report)}\n")
    return run


def list_runs(settings: Settings) -> list[SavedRun]:
    root = runs_dir(settings)
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir(), reverse=True):
        j = d / "report.json"
        if not j.is_file():
            continue  # a run that died while saving
        try:
            meta = json.loads(j.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        out.append(SavedRun(d, str(meta.get("name", d.name)), float(meta.get("created", 0))))
    return out


def load_run(run: SavedRun) -> dict[str, Any]:
    return json.loads(run.json_path.read_text(encoding="utf-8"))
