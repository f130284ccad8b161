"""An ingest run that can be stopped at a named point, for the kill -9 tests.

Run as ``python ingest_victim.py --index-dir D --data-dir D2 DOCS... [--pause-at PHASE:N]``.
It is the real ``assistant.ingest.ingest`` with the real model and real Chroma; the only
addition is a hook at each step of a publish that prints ``AT <phase> <n>`` and, when asked to
pause there, waits on stdin. The parent then sends SIGKILL: the process dies with the index in
exactly the state it has at that step, which makes every phase reachable (a pointer flip
lasts microseconds; a purely random delay would almost never land in it). Random-delay kills
are done by the parent too, without any pause.

Phases, in the order an ingest meets them:
    orphans   dropping leftovers of an earlier killed run (a Chroma collection delete)
    load      reading and chunking one changed file
    embed     one batch of new chunks through the model (before the vectors are cached)
    create    creating the next generation's Chroma collection
    add       writing one batch of vectors to it
    bm25      building the BM25 index of the next generation
    chunks    writing its chunks.jsonl
    state     replacing its state.json (the manifest)
    flip      replacing the CURRENT pointer (the publish)
    flipped   just after the publish, before the directory fsync and the clean-up
    cleanup   deleting a generation two publishes old (collection or directory)

With ``--log FILE`` the process also appends ``LOCKED <pid> <t>`` when it holds the writers'
lock (first progress callback) and ``UNLOCKING <pid> <t>`` at the last one, for the test that
checks writers in different processes never overlap.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

PHASES = ("orphans", "load", "embed", "create", "add", "bm25", "chunks", "state", "flip",
          "flipped", "cleanup")

_counts: dict[str, int] = {}
_pause: tuple[str, int] | None = None
_published = False


def hook(phase: str) -> None:
    n = _counts.get(phase, 0) + 1
    _counts[phase] = n
    sys.stdout.write(f"AT {phase} {n}\n")
    sys.stdout.flush()
    if _pause == (phase, n):
        sys.stdout.write("PAUSED\n")
        sys.stdout.flush()
        sys.stdin.readline()  # the parent kills us here, or writes a line to let us go on


def _before(owner: Any, attr: str, phase: str | Callable[[], str]) -> None:
    """Replace ``owner.attr`` (a module function or a class method) by one that passes the
    hook first; ``phase`` may be computed at call time."""
    real = getattr(owner, attr)

    def hooked(*a: Any, **kw: Any) -> Any:
        hook(phase() if callable(phase) else phase)
        return real(*a, **kw)

    setattr(owner, attr, hooked)


def _drop_phase() -> str:
    return "cleanup" if _published else "orphans"


def install_hooks() -> None:
    import assistant.index.generations as generations
    import assistant.ingest.pipeline as pipeline
    from assistant.index import ChromaStore

    _before(pipeline, "load_document", "load")
    _before(ChromaStore, "create", "create")
    _before(ChromaStore, "delete", _drop_phase)
    # The index package writes the generation (assistant.index.generations); ingest calls it.
    _before(generations, "remove_generation_dir", _drop_phase)
    _before(generations, "tokenize_for_bm25", "bm25")
    _before(generations, "write_chunks", "chunks")

    real_call = ChromaStore.call

    def call(self: ChromaStore, fn: Any, *a: Any, **kw: Any) -> Any:
        if getattr(fn, "__name__", "") == "add":
            hook("add")
        return real_call(self, fn, *a, **kw)

    ChromaStore.call = call  # type: ignore[method-assign]

    real_replace = pathlib.Path.replace

    def replace(self: pathlib.Path, target: Any) -> Any:
        global _published
        name = pathlib.Path(target).name
        if name == "state.json":
            hook("state")
        elif name == "CURRENT":
            hook("flip")
            out = real_replace(self, target)
            _published = True
            hook("flipped")
            return out
        return real_replace(self, target)

    pathlib.Path.replace = replace  # type: ignore[method-assign]


class HookedEmbedder:
    """The real embedder; each batch of documents passes the 'embed' hook first."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def embed_documents(self, texts: Any, *a: Any, **kw: Any) -> Any:
        hook("embed")
        return self._inner.embed_documents(texts, *a, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def main() -> int:
    global _pause
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--index-dir", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--pause-at", default=None, help="PHASE:N")
    ap.add_argument("--log", default=None)
    args = ap.parse_args()
    if args.pause_at:
        phase, n = args.pause_at.split(":")
        _pause = (phase, int(n))

    from assistant.embed import SentenceTransformerEmbedder
    from assistant.ingest import ingest
    from assistant.settings import Settings

    install_hooks()
    s = Settings(index_dir=pathlib.Path(args.index_dir), data_dir=pathlib.Path(args.data_dir))
    embedder = HookedEmbedder(SentenceTransformerEmbedder(
        s.embedding_model, s.embedding_backend, onnx_cache=s.index_dir / "onnx"))
    log = pathlib.Path(args.log) if args.log else None
    first = True

    def progress(fraction: float, message: str) -> None:
        nonlocal first
        if log is None:
            return
        if first:
            first = False
            with log.open("a") as fh:
                fh.write(f"LOCKED {os.getpid()} {time.time():.6f}\n")
        if fraction >= 1.0:
            with log.open("a") as fh:
                fh.write(f"UNLOCKING {os.getpid()} {time.time():.6f}\n")

    report = ingest(s, [pathlib.Path(p) for p in args.paths], embedder=embedder,
                    progress=progress)
    sys.stdout.write("DONE " + json.dumps(report.to_json()) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
