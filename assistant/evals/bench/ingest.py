"""Ingest: cold full build of a copy of the corpus, re-ingest with no change (in process and
as the ``assistant ingest`` command), and re-ingest after appending a section to one file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from assistant.evals.bench.common import bench_settings, build_index, child_env, log, make_embedder
from assistant.settings import PROJECT_ROOT

__all__ = ["bench_ingest", "time_export", "copy_sqlite"]


def bench_ingest(corpus: Path, work: Path, onnx_dir: Path,
                 fresh_export: bool) -> tuple[dict[str, Any], Any, Any]:
    """Cold build, no-change re-ingest (in process and as a command), one-file change."""
    copy = work / "corpus-copy"
    # corpus/practice (answer keys of the practice bank) is never indexed; a copy would be.
    shutil.copytree(corpus, copy, ignore=shutil.ignore_patterns("practice"))
    s = bench_settings(copy, work / "idx-ingest", work / "data")
    out: dict[str, Any] = {"corpus_files": sum(1 for p in copy.rglob("*") if p.is_file()),
                           "backend": s.embedding_backend}
    emb = make_embedder(s, onnx_dir)
    if s.embedding_backend == "onnx" and fresh_export:
        # Once per machine (the export is shared by every index); not part of the build.
        out["onnx_export_s"] = time_export(emb)
    log("ingest: cold full build")
    out["cold"] = build_index(s, emb)
    log("ingest: re-ingest, no change")
    out["no_change"] = build_index(s, emb)
    out["no_change_command"] = _ingest_command(s)
    target = _file_to_change(copy)
    with target.open("a", encoding="utf-8") as fh:
        fh.write("\n\n## Benchmark edit\n\nThis paragraph was appended by the benchmark to "
                 "measure an incremental ingest: one changed file is re-chunked and only its "
                 "new chunks are embedded; every other file is trusted from the manifest.\n")
    log("ingest: re-ingest after changing one file")
    out["one_file_changed"] = {**build_index(s, emb), "file": target.relative_to(copy).as_posix()}
    return out, s, emb


def time_export(emb: Any) -> float:
    """A fresh export into the work dir (the shared export beside the weights is not used)."""
    from assistant.embed import export_onnx

    t = time.perf_counter()
    export_onnx(emb.model_dir, emb._onnx_cache, emb.precision, use_shared=False)
    return round(time.perf_counter() - t, 2)


def copy_sqlite(src: Path, dst: Path) -> None:
    """The cache runs in WAL mode: a plain file copy could miss pages still in the -wal file."""
    import sqlite3

    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def _file_to_change(corpus: Path) -> Path:
    files = sorted(p for p in corpus.rglob("*.md") if p.is_file())
    if not files:
        files = sorted(p for p in corpus.rglob("*") if p.is_file())
    return sorted(files, key=lambda p: p.stat().st_size)[len(files) // 2]


def _ingest_command(s: Any) -> dict[str, Any]:
    """What a user waits for: ``assistant ingest`` in a new process, nothing changed."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "assistant", "ingest", "--json"],
                          env=child_env(s), capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT)
    seconds = time.perf_counter() - t
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"assistant ingest failed: {proc.stderr.strip()[-500:]}") from None
    return {"seconds": round(seconds, 3), "chunks_embedded": report["chunks_embedded"],
            "published": report["published"]}
