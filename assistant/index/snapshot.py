"""The reader's side of the index: ``Index`` loads the published generation as an immutable
``Snapshot`` (chunks, BM25, Chroma collection, word counts) and swaps in a newer one when an
ingest (in any process) publishes it. The layout is described in ``generations.py``."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import IndexMissingError
from assistant.index.bm25 import load_bm25
from assistant.index.chroma import ChromaStore, is_not_found
from assistant.index.generations import Layout, read_chunks
from assistant.records import Chunk
from assistant.settings import Settings

__all__ = ["Snapshot", "Index"]


@dataclass
class Snapshot:
    """One published generation, loaded for reading. Immutable once built."""

    generation: str
    collection_name: str
    state: dict[str, Any]
    chunks: list[Chunk]
    bm25: Any
    collection: Any
    words: dict[str, int] = field(default_factory=dict)  # surface word counts, for spelling
    by_id: dict[str, int] = field(default_factory=dict)
    domains: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    sections: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    sources: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))

    def __post_init__(self) -> None:
        self.by_id = {c.id: i for i, c in enumerate(self.chunks)}
        self.domains = np.array([c.domain if c.domain is not None else -1 for c in self.chunks],
                                dtype=np.int16)
        self.sections = np.array([c.section or "" for c in self.chunks], dtype=object)
        self.sources = np.array([c.source for c in self.chunks], dtype=object)

    @property
    def files(self) -> dict[str, Any]:
        return self.state.get("files", {})

    def __len__(self) -> int:
        return len(self.chunks)

    def df(self, term: str) -> int:
        """Chunks containing a stemmed term, read off the BM25 index's columns."""
        if self.bm25 is None:
            return 0
        col = self.bm25.vocab_dict.get(term)
        if col is None:
            return 0
        indptr = self.bm25.scores["indptr"]
        return int(indptr[col + 1] - indptr[col])

    @cached_property
    def folded_text(self) -> str:
        """Every chunk's text (with its headings), lowercased and on one line: built on the
        first phrase lookup of this generation (about 2 MB for the bundled corpus)."""
        return re.sub(r"\s+", " ", " \n ".join(c.embed_text() for c in self.chunks).lower())

    def has_phrase(self, phrase: str) -> bool:
        """Whether the phrase ("memory bank") occurs anywhere in the index, as written."""
        return re.sub(r"\s+", " ", phrase.lower()).strip() in self.folded_text

    @cached_property
    def capitalized(self) -> frozenset[str]:
        """Every capitalised word of the index ("BigQuery", "Tabular", "Admin"), as written."""
        return frozenset(w for c in self.chunks
                         for w in re.findall(r"\b[A-Z][\w/-]*", c.embed_text()))

    def knows_name(self, word: str) -> bool:
        """Whether the index writes this word capitalised, as part of some name."""
        return word in self.capitalized

    def idf(self, term: str) -> float:
        n = len(self.chunks)
        d = self.df(term)
        return float(np.log(1.0 + (n - d + 0.5) / (d + 0.5)))


class Index:
    """Read access to the published generation. Cheap to construct; thread-safe.

    ``snapshot()`` costs one ``stat`` per call when nothing changed, and swaps in the new
    generation when an ingest (in any process) published one.
    """

    def __init__(self, settings: Settings, store: ChromaStore | None = None) -> None:
        self.settings = settings
        self.store = store or ChromaStore(settings)
        self.layout = Layout(settings)
        self.root = self.layout.root
        self._snap: Snapshot | None = None
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()

    @property
    def pointer(self) -> Path:
        return self.layout.pointer

    def current_generation(self) -> str | None:
        return self.layout.current_generation()

    def exists(self) -> bool:
        return self.layout.exists()

    def missing_error(self) -> IndexMissingError:
        return IndexMissingError(
            f"no index at {self.settings.index_dir} for these settings; build it with "
            "'assistant ingest' (or start the app, which builds it)")

    def snapshot(self) -> Snapshot:
        try:
            st = self.pointer.stat()
            stamp = (st.st_mtime_ns, st.st_ino)
        except FileNotFoundError:
            raise self.missing_error() from None
        snap = self._snap
        if snap is not None and stamp == self._stamp:
            return snap
        with self._lock:
            if self._snap is not None and stamp == self._stamp:
                return self._snap
            self._snap = self._load()
            self._stamp = stamp
            return self._snap

    def refresh(self) -> Snapshot:
        """Drop the cached snapshot (after a collection vanished under us) and reload."""
        with self._lock:
            self._snap, self._stamp = None, None
        return self.snapshot()

    def _load(self) -> Snapshot:
        gen = self.current_generation()
        if gen is None:
            raise self.missing_error()
        gdir = self.root / gen
        try:
            state = json.loads((gdir / "state.json").read_text(encoding="utf-8"))
            chunks = list(read_chunks(gdir / "chunks.jsonl"))
        except (FileNotFoundError, ValueError):  # ValueError: bad JSON, or a newer schema
            raise IndexMissingError(f"the index at {self.root} is incomplete; rebuild it with "
                                    "'assistant ingest --rebuild'") from None
        bm25 = load_bm25(gdir / "bm25") if chunks else None
        words_path = gdir / "words.json"
        words = json.loads(words_path.read_text(encoding="utf-8")) if words_path.is_file() else {}
        try:
            collection = self.store.get(state["collection"])
        except Exception as err:  # noqa: BLE001
            if not is_not_found(err):
                raise
            # The manifest is there but the vectors are not: the Chroma directory was deleted,
            # or the server was restarted empty. An ingest notices this and republishes.
            raise IndexMissingError(
                f"the {self.store.where} has no collection {state['collection']} for the index "
                f"at {self.root}; rebuild it with 'assistant ingest'") from None
        return Snapshot(generation=gen, collection_name=state["collection"], state=state,
                        chunks=chunks, bm25=bm25, collection=collection, words=words)

    def generations(self) -> list[str]:
        return self.layout.generations()

    def info(self) -> dict[str, Any]:
        snap = self.snapshot()
        per_domain: dict[str, int] = {}
        per_section: dict[str, int] = {}
        for c in snap.chunks:
            d = str(c.domain) if c.domain is not None else "untagged"
            per_domain[d] = per_domain.get(d, 0) + 1
            if c.section:
                per_section[c.section] = per_section.get(c.section, 0) + 1
        return {
            "index_dir": str(self.settings.index_dir),
            "store": self.store.where,
            "collection": snap.collection_name,
            "generation": snap.generation,
            "created": snap.state.get("created"),
            "embedding_model": snap.state.get("embedding_model"),
            "chunk_tokens": snap.state.get("chunk_tokens"),
            "chunk_overlap_tokens": snap.state.get("chunk_overlap_tokens"),
            "files": len(snap.files),
            "chunks": len(snap.chunks),
            "per_domain": dict(sorted(per_domain.items())),
            "per_section": dict(sorted(per_section.items(), key=lambda kv: _section_key(kv[0]))),
            "sources": {path: f.get("chunks_count", 0) for path, f in sorted(snap.files.items())},
        }


def _section_key(s: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in s.split("."))
    except ValueError:
        return (999,)
