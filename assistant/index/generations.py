"""The on-disk layout of an index, and the writer's side of it: generations, the chunk list,
publishing and pruning.

Layout under ``index_dir``::

    chroma/                  Chroma persistent store (embedded mode; unused in server mode)
    embeddings.sqlite3       content-addressed vector cache shared by all generations
    ingest.lock              the writers' lock (one ingest at a time, across processes)
    <collection>/CURRENT     name of the published generation, replaced atomically
    <collection>/g000007/    state.json (manifest), chunks.jsonl, words.json, bm25/
    (vectors of g000007 live in the Chroma collection "<collection>-g000007")

Why generations: an ingest builds the next generation beside the current one and publishes it
with one atomic rename. Readers (many threads, other processes) never take a lock and never see
a half-built index: each query runs against one snapshot, old or new, never a mix. A killed
ingest leaves an unpublished generation that the next ingest deletes. ``<collection>`` derives
from the embedding model and chunking settings, so changing them starts a separate index.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.files import atomic_write
from assistant.index.bm25 import build_bm25, tokenize_for_bm25
from assistant.index.chroma import ChromaStore
from assistant.records import Chunk
from assistant.settings import Settings

__all__ = ["Layout", "generation_name", "collection_for", "read_chunks", "write_chunks",
           "count_words", "write_generation", "publish", "prune", "clean_orphans",
           "remove_generation_dir", "KEEP_GENERATIONS"]

# The published generation and its predecessor (readers may still be finishing a query on it).
KEEP_GENERATIONS = 2


def generation_name(n: int) -> str:
    return f"g{n:06d}"


def collection_for(settings: Settings, generation: str) -> str:
    """The Chroma collection holding the vectors of one generation: the one place that names it."""
    return f"{settings.collection_name()}-{generation}"


class Layout:
    """Where the generations of the index for ``settings`` live, and which one is published."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.index_dir / settings.collection_name()

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_generation(self) -> str | None:
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def generations(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name.startswith("g"))

    def next_generation(self) -> str:
        gens = self.generations()
        last = int(gens[-1][1:]) if gens else 0
        return generation_name(last + 1)

    def exists(self) -> bool:
        gen = self.current_generation()
        return gen is not None and (self.root / gen / "state.json").is_file()


# --- the chunk list ------------------------------------------------------------------------


def read_chunks(path: Path) -> Iterator[Chunk]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield Chunk.from_dict(json.loads(line))


def write_chunks(path: Path, chunks: list[Chunk]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for c in chunks:
            fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


_SURFACE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")


def count_words(chunks: list[Chunk]) -> dict[str, int]:
    """Surface word counts of the indexed text, computed once per generation by the writer."""
    words: dict[str, int] = {}
    for c in chunks:
        for w in _SURFACE_WORD.findall(c.embed_text().lower()):
            words[w] = words.get(w, 0) + 1
    return words


# --- writing, publishing, pruning ----------------------------------------------------------


def write_generation(gdir: Path, chunks: list[Chunk], state: dict[str, Any]) -> None:
    """The files of an unpublished generation: BM25, chunk list, word counts, and last the
    manifest (written atomically: a generation with a state.json is complete)."""
    if chunks:
        build_bm25(tokenize_for_bm25([c.embed_text() for c in chunks], as_ids=True),
                   gdir / "bm25")
    write_chunks(gdir / "chunks.jsonl", chunks)
    (gdir / "words.json").write_text(json.dumps(count_words(chunks)), encoding="utf-8")
    atomic_write(gdir / "state.json", json.dumps(state, indent=1, ensure_ascii=False),
                 unique=False)


def publish(layout: Layout, generation: str) -> None:
    """The publish step: one atomic rename of the pointer. Everything before it is invisible."""
    atomic_write(layout.pointer, generation + "\n", unique=False)
    _fsync_dir(layout.root)


def prune(layout: Layout, store: ChromaStore) -> None:
    """Keep the published generation and its predecessor; drop older ones (collection first)."""
    for old in layout.generations()[:-KEEP_GENERATIONS]:
        store.delete(collection_for(layout.settings, old))
        remove_generation_dir(layout.root / old)


def clean_orphans(layout: Layout, store: ChromaStore) -> None:
    """Remove what a killed ingest left: generations newer than the published one, those
    older than its predecessor (a run killed between publishing and pruning leaves them,
    and the next run may find nothing to publish), and collections of this index that no
    generation directory claims."""
    current = layout.current_generation()
    gens = layout.generations()
    published = [g for g in gens if current is not None and g <= current]
    keep = set(published[-KEEP_GENERATIONS:])
    for g in gens:
        if g not in keep:
            remove_generation_dir(layout.root / g)
    base = layout.settings.collection_name()
    wanted = {collection_for(layout.settings, g) for g in keep}
    for name in store.names():
        if name.startswith(f"{base}-g") and name not in wanted:
            store.delete(name)


def remove_generation_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
