"""Helpers every section of the benchmark shares: logging, statistics, machine facts,
settings and embedders for a work directory, and timed index builds (``TimedEmbedder``)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.settings import PROJECT_ROOT

__all__ = ["MODES", "log", "stats", "get_dotted", "pkg_version", "loadavg", "machine", "TimedEmbedder",
           "bench_settings", "make_embedder", "child_env", "build_index"]


MODES = ("dense", "bm25", "hybrid")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def stats(values_s: Sequence[float]) -> dict[str, float]:
    from assistant.evals import percentile

    ms = [v * 1000 for v in values_s]
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2), "mean_ms": round(sum(ms) / len(ms), 2),
            "max_ms": round(max(ms), 2)}


def get_dotted(d: dict[str, Any], dotted: str) -> Any:
    cur: Any = d
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def pkg_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    physical = None
    try:
        import psutil

        ram_gib = round(psutil.virtual_memory().total / 2**30, 1)
        physical = psutil.cpu_count(logical=False)
    except ImportError:
        pass
    commit = None
    try:
        commit = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    pkgs = ["torch", "sentence-transformers", "transformers", "onnxruntime", "onnx", "chromadb",
            "bm25s", "numpy", "langchain-core", "langchain-text-splitters", "langchain-chroma",
            "langchain-huggingface"]
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "physical_cores": physical,
        "ram_gib": ram_gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": {k: pkg_version(k) for k in pkgs},
        "git_commit": commit,
        "loadavg_start": loadavg(),
    }


class TimedEmbedder:
    """Wraps an embedder and adds up the time spent loading it and embedding documents, so a
    build's seconds split into model load, embedding and the rest (chunking, Chroma, BM25)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.load_s = 0.0
        self.embed_s = 0.0
        self.embedded = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def warm_up(self) -> None:
        t = time.perf_counter()
        self.inner.warm_up()
        self.load_s += time.perf_counter() - t

    def embed_documents(self, texts: Sequence[str]) -> Any:
        self.warm_up()
        t = time.perf_counter()
        out = self.inner.embed_documents(texts)
        self.embed_s += time.perf_counter() - t
        self.embedded += len(texts)
        return out

    def embed_query(self, text: str) -> Any:
        return self.inner.embed_query(text)


def bench_settings(corpus: Path, index_dir: Path, data_dir: Path, **kw: Any) -> Any:
    from assistant.settings import Settings

    # A copy of the corpus keeps its practice folder (bank and deck keys) out of the index too.
    kw.setdefault("practice_dir", corpus / "practice")
    return Settings(corpus_dir=corpus, index_dir=index_dir, data_dir=data_dir, **kw)


def make_embedder(settings: Any, onnx_dir: Path, backend: str | None = None,
              precision: str = "int8") -> Any:
    from assistant.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.embedding_model,
                                       backend or settings.embedding_backend,
                                       onnx_cache=onnx_dir, onnx_precision=precision)


def child_env(settings: Any) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
                "ASSISTANT_INDEX_DIR": str(settings.index_dir),
                "ASSISTANT_DATA_DIR": str(settings.data_dir),
                "ASSISTANT_EMBEDDING_BACKEND": settings.embedding_backend,
                "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT),
                                               env.get("PYTHONPATH", "")]).rstrip(os.pathsep)})
    return env


def build_index(settings: Any, embedder: Any) -> dict[str, Any]:
    """One ingest, timed and split into model load / embedding / the rest."""
    from assistant.ingest import ingest

    timed = TimedEmbedder(embedder)
    t = time.perf_counter()
    report = ingest(settings, embedder=timed)
    seconds = time.perf_counter() - t
    if report.failed:
        raise RuntimeError("; ".join(f.error or f.path for f in report.failed))
    embed_rate = report.chunks_embedded / timed.embed_s if timed.embed_s else None
    return {"seconds": round(seconds, 3), "chunks": report.chunks_total,
            "chunks_embedded": report.chunks_embedded,
            "chunks_per_s": round(report.chunks_total / seconds, 1) if seconds else None,
            "model_load_s": round(timed.load_s, 3), "embed_s": round(timed.embed_s, 3),
            "embed_chunks_per_s": round(embed_rate, 1) if embed_rate else None,
            "other_s": round(seconds - timed.load_s - timed.embed_s, 3),
            "files_changed": report.count("changed") + report.count("added"),
            "published": report.published}
