"""The index: immutable generations of (Chroma collection, chunk list, BM25 index).

Layout under ``index_dir``::

    chroma/                  Chroma persistent store (embedded mode; unused in server mode)
    embeddings.sqlite3       content-addressed vector cache shared by all generations
    ingest.lock              the writers' lock (one ingest at a time, across processes)
    <collection>/CURRENT     name of the published generation, replaced atomically
    <collection>/g000007/    state.json (manifest), chunks.jsonl, bm25/
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
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from assistant.errors import IndexMissingError, IndexUnavailableError
from assistant.records import Chunk
from assistant.settings import PROJECT_ROOT, Settings

__all__ = ["ChromaStore", "Snapshot", "Index", "display_path", "resolve_display_path",
           "tokenize_for_bm25", "generation_name"]


def display_path(path: Path) -> str:
    """Paths as users see them: project-relative for the shipped corpus, absolute otherwise."""
    p = path.resolve()
    try:
        return p.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(p)


def resolve_display_path(shown: str) -> Path:
    p = Path(shown)
    return p if p.is_absolute() else PROJECT_ROOT / p


def generation_name(n: int) -> str:
    return f"g{n:06d}"


# --- BM25 --------------------------------------------------------------------------------

_STEMMER: Any = None
_STEMMER_LOCK = threading.Lock()


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        with _STEMMER_LOCK:
            if _STEMMER is None:
                import Stemmer

                _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


def tokenize_for_bm25(texts: list[str], *, as_ids: bool) -> Any:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False,
                          return_ids=as_ids)


# --- Chroma ------------------------------------------------------------------------------


class ChromaStore:
    """Creates the client (embedded or HTTP) lazily and turns connection failures into one
    clear line. Chroma never embeds anything here: we always pass vectors, so its default
    embedding function (which would download a model) is never used."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        s = self.settings
        if s.server_mode:
            return f"Chroma server at {'https' if s.chroma_ssl else 'http'}://{s.chroma_host}:{s.chroma_port}"
        return f"embedded Chroma at {s.index_dir / 'chroma'}"

    def unavailable(self, err: BaseException) -> IndexUnavailableError:
        s = self.settings
        if s.server_mode:
            return IndexUnavailableError(
                f"cannot reach the {self.where} ({type(err).__name__}); start it with "
                f"'chroma run --path DIR --port {s.chroma_port}' or unset ASSISTANT_CHROMA_HOST")
        return IndexUnavailableError(f"the {self.where} failed ({type(err).__name__}: {err}); "
                                     "run 'assistant ingest --rebuild'")

    def client(self) -> Any:
        if self._client is not None:
            return self._client
        with self._lock:
            if self._client is None:
                import chromadb
                from chromadb.config import Settings as ChromaSettings

                # No telemetry: the machine has no network and users did not ask for it.
                cs = ChromaSettings(anonymized_telemetry=False)
                try:
                    if self.settings.server_mode:
                        self._client = chromadb.HttpClient(
                            host=self.settings.chroma_host, port=self.settings.chroma_port,
                            ssl=self.settings.chroma_ssl, settings=cs)
                    else:
                        path = self.settings.index_dir / "chroma"
                        path.mkdir(parents=True, exist_ok=True)
                        self._client = chromadb.PersistentClient(path=str(path), settings=cs)
                except Exception as err:  # noqa: BLE001 - any failure here means "unreachable"
                    raise self.unavailable(err) from None
        return self._client

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a Chroma call; connection-level failures become ``IndexUnavailableError``."""
        try:
            return fn(*args, **kwargs)
        except Exception as err:  # noqa: BLE001
            if _is_not_found(err):
                raise
            if _is_connection_error(err):
                raise self.unavailable(err) from None
            raise

    def create(self, name: str) -> Any:
        return self.call(self.client().create_collection, name,
                         configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)

    def get(self, name: str) -> Any:
        return self.call(self.client().get_collection, name, embedding_function=None)

    def delete(self, name: str) -> None:
        try:
            self.call(self.client().delete_collection, name)
        except Exception as err:  # noqa: BLE001
            if not _is_not_found(err):
                raise

    def names(self) -> list[str]:
        cols = self.call(self.client().list_collections)
        return [c if isinstance(c, str) else c.name for c in cols]


def _is_not_found(err: BaseException) -> bool:
    return type(err).__name__ in ("NotFoundError", "CollectionNotFoundError") or \
        "does not exist" in str(err)


def _is_connection_error(err: BaseException) -> bool:
    names = {t.__name__ for t in type(err).__mro__}
    return bool(names & {"ConnectError", "ConnectTimeout", "ReadTimeout", "RemoteProtocolError",
                         "ConnectionError", "ConnectionRefusedError", "TimeoutException",
                         "NetworkError", "ReadError", "WriteError"}) or \
        "Could not connect" in str(err) or "Connection refused" in str(err)


# --- snapshots ---------------------------------------------------------------------------


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

    def idf(self, term: str) -> float:
        n = len(self.chunks)
        d = self.df(term)
        return float(np.log(1.0 + (n - d + 0.5) / (d + 0.5)))


_SURFACE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")


def count_words(chunks: list[Chunk]) -> dict[str, int]:
    """Surface word counts of the indexed text, computed once per generation by the writer."""
    words: dict[str, int] = {}
    for c in chunks:
        for w in _SURFACE_WORD.findall(c.embed_text().lower()):
            words[w] = words.get(w, 0) + 1
    return words


def read_chunks(path: Path) -> Iterator[Chunk]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                yield Chunk(id=d["id"], source=d["source"], title=d["title"],
                            heading_path=tuple(d["heading_path"]), text=d["text"],
                            ordinal=d["ordinal"], page=d["page"], domain=d["domain"],
                            section=d["section"], guide_version=d["guide_version"],
                            page_kind=d.get("page_kind", "page"), ocr=d.get("ocr", False),
                            encoding=d.get("encoding"))


def write_chunks(path: Path, chunks: list[Chunk]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for c in chunks:
            fh.write(json.dumps({"id": c.id, "source": c.source, "title": c.title,
                                 "heading_path": list(c.heading_path), "text": c.text,
                                 "ordinal": c.ordinal, "page": c.page, "domain": c.domain,
                                 "section": c.section, "guide_version": c.guide_version,
                                 "page_kind": c.page_kind, "ocr": c.ocr,
                                 "encoding": c.encoding},
                                ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


class Index:
    """Read access to the published generation. Cheap to construct; thread-safe.

    ``snapshot()`` costs one ``stat`` per call when nothing changed, and swaps in the new
    generation when an ingest (in any process) published one.
    """

    def __init__(self, settings: Settings, store: ChromaStore | None = None) -> None:
        self.settings = settings
        self.store = store or ChromaStore(settings)
        self.root = settings.index_dir / settings.collection_name()
        self._snap: Snapshot | None = None
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_generation(self) -> str | None:
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def exists(self) -> bool:
        gen = self.current_generation()
        return gen is not None and (self.root / gen / "state.json").is_file()

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
        import bm25s

        gen = self.current_generation()
        if gen is None:
            raise self.missing_error()
        gdir = self.root / gen
        try:
            state = json.loads((gdir / "state.json").read_text(encoding="utf-8"))
            chunks = list(read_chunks(gdir / "chunks.jsonl"))
        except (FileNotFoundError, json.JSONDecodeError):
            raise IndexMissingError(f"the index at {self.root} is incomplete; rebuild it with "
                                    "'assistant ingest --rebuild'") from None
        bm25 = bm25s.BM25.load(str(gdir / "bm25"), show_progress=False) if chunks else None
        words_path = gdir / "words.json"
        words = json.loads(words_path.read_text(encoding="utf-8")) if words_path.is_file() else {}
        try:
            collection = self.store.get(state["collection"])
        except Exception as err:  # noqa: BLE001
            if not _is_not_found(err):
                raise
            # The manifest is there but the vectors are not: the Chroma directory was deleted,
            # or the server was restarted empty. An ingest notices this and republishes.
            raise IndexMissingError(
                f"the {self.store.where} has no collection {state['collection']} for the index "
                f"at {self.root}; rebuild it with 'assistant ingest'") from None
        return Snapshot(generation=gen, collection_name=state["collection"], state=state,
                        chunks=chunks, bm25=bm25, collection=collection, words=words)

    def generations(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name.startswith("g"))

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


def remove_generation_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
