"""Helpers of the reliability suite: marked corpora, the ingest victim process, generation
bookkeeping, bounded runs in a worker process, and artifact scanning."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import (
    ChromaServer,  # noqa: F401 - re-exported; shared with tests/test_server_mode.py
    assert_one_line_error,
)

from assistant.settings import PROJECT_ROOT, Settings

HERE = Path(__file__).resolve().parent

# Topic sentences shared by every generation: the same questions find passages in each one, and
# only the marker word tells the generations apart.
TOPICS = (
    ("Dataflow", "Dataflow runs Apache Beam pipelines for batch and streaming preprocessing at "
                 "scale, with autoscaling workers."),
    ("Feature Store", "Vertex AI Feature Store serves feature values online with low latency "
                      "and keeps the history offline for training."),
    ("Model Monitoring", "Model Monitoring compares serving feature distributions with the "
                         "training baseline to detect skew and drift."),
    ("Pipelines", "Vertex AI Pipelines orchestrates the steps of a training workflow and "
                  "caches the steps whose inputs did not change."),
    ("Endpoints", "Online prediction endpoints serve requests with low latency and split "
                  "traffic between model versions for a canary rollout."),
    ("Hyperparameter tuning", "Hyperparameter tuning jobs search learning rates and layer "
                              "sizes with Bayesian optimisation over many trials."),
    ("BigQuery ML", "BigQuery ML trains linear, boosted tree and time series models with SQL "
                    "inside the data warehouse."),
    ("TPUs", "TPUs speed up the training of large matrix-heavy models, while GPUs suit "
             "custom operations and smaller batches."),
)

QUESTIONS = (
    "How does Dataflow preprocess data at scale?",
    "What does Model Monitoring compare to detect skew?",
    "How do endpoints split traffic for a canary rollout?",
    "When should I use TPUs instead of GPUs?",
    "What does BigQuery ML train with SQL?",
    "How does the Feature Store serve features online?",
    "What does Vertex AI Pipelines cache?",
    "How do hyperparameter tuning jobs search?",
)


def write_marked_corpus(folder: Path, marker: str, *, files: int = 4, extra: str = "") -> Path:
    """``files`` Markdown files; every section names ``marker`` in its heading and body, so
    every chunk of the generation built from them carries it (and no other marker)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.md"):
        old.unlink()
    for f in range(files):
        lines = [f"# Study notes {f} ({marker})", ""]
        for t, (topic, sentence) in enumerate(TOPICS):
            if (t + f) % 2:
                continue
            lines += [f"## {topic} {marker}", "",
                      f"{sentence} The {marker} edition of note {f}.{t} says so. {extra}", ""]
        (folder / f"notes-{f}.md").write_text("\n".join(lines), encoding="utf-8")
    return folder


def generation_ids(settings: Settings, gen: str) -> set[str]:
    path = settings.index_dir / settings.collection_name() / gen / "chunks.jsonl"
    with path.open(encoding="utf-8") as fh:
        return {json.loads(line)["id"] for line in fh if line.strip()}


def current_generation(settings: Settings) -> str | None:
    try:
        return (settings.index_dir / settings.collection_name() / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
                "TOKENIZERS_PARALLELISM": "false", "ANONYMIZED_TELEMETRY": "False",
                "PYTHONPATH": str(PROJECT_ROOT)})
    env.update(extra)
    return env


# --- the ingest victim -------------------------------------------------------------------


@dataclass
class VictimRun:
    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    _buf: bytes = b""

    def read_until(self, predicate: Any, timeout: float) -> str | None:
        """Read stdout lines until one satisfies ``predicate``; None at EOF or timeout.

        Reads the raw pipe (os.read), not the text wrapper: a buffered readline could pull
        "PAUSED" into Python's buffer, where select() no longer sees it, and both sides wait.
        """
        import select

        fd = self.proc.stdout.fileno()  # type: ignore[union-attr]
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self._buf:
                raw, self._buf = self._buf.split(b"\n", 1)
                line = raw.decode("utf-8", "replace")
                self.lines.append(line)
                if predicate(line):
                    return line
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], min(0.5, left))
            if not ready:
                continue
            data = os.read(fd, 65536)
            if not data:
                return None
            self._buf += data

    def phases(self) -> list[str]:
        return [ln.split()[1] for ln in self.lines if ln.startswith("AT ")]

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def close(self) -> None:
        """After a kill: collect what it printed and close the pipes."""
        self.finish(30)

    def finish(self, timeout: float = 300) -> tuple[int, str]:
        out, err = self.proc.communicate(timeout=timeout)
        rest = self._buf.decode("utf-8", "replace") + out
        self._buf = b""
        self.lines.extend(rest.splitlines())
        return self.proc.returncode, err


def start_victim(settings: Settings, paths: Iterable[Path], *, pause_at: str | None = None,
                 log: Path | None = None) -> VictimRun:
    cmd = [sys.executable, str(HERE / "ingest_victim.py"), *[str(p) for p in paths],
           "--index-dir", str(settings.index_dir), "--data-dir", str(settings.data_dir)]
    if pause_at:
        cmd += ["--pause-at", pause_at]
    if log:
        cmd += ["--log", str(log)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env(),
                            cwd=str(PROJECT_ROOT))
    return VictimRun(proc)


def run_victim(settings: Settings, paths: Iterable[Path], timeout: float = 300) -> dict[str, Any]:
    """A complete (unkilled) ingest in a child process; returns its report."""
    run = start_victim(settings, paths)
    code, err = run.finish(timeout)
    assert code == 0, err[-3000:]
    done = [ln for ln in run.lines if ln.startswith("DONE ")]
    assert done, (run.lines[-20:], err[-2000:])
    return json.loads(done[-1][5:])


def rng_from_env(name: str = "RELIABILITY_SEED") -> tuple[random.Random, int]:
    """A seeded RNG; the seed is printed by the tests so a failing run can be replayed."""
    seed = int(os.environ.get(name) or random.SystemRandom().randrange(1 << 31))
    return random.Random(seed), seed


# --- single-line errors ------------------------------------------------------------------


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    """helpers.assert_one_line_error (exit 2, one line, no traceback), in the CLI's
    ``error: ...`` form."""
    line = assert_one_line_error(proc)
    assert line.startswith("error: "), line
    return line
