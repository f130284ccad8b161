"""Incremental ingest with a manifest of content hashes.

Only new or changed files are loaded and chunked; only chunks whose text the embedding cache
has not seen are embedded. A run with no change publishes nothing and embeds nothing. Each
failed file is reported as ``path: reason`` and keeps its previous chunks (if any): a file
that became unreadable does not take good passages down with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from assistant import syllabus
from assistant.embed import Embedder, EmbeddingCache, SentenceTransformerEmbedder
from assistant.errors import AssistantError, IngestError
from assistant.index import generations
from assistant.index.chroma import ChromaStore, is_not_found
from assistant.index.generations import Layout, collection_for
from assistant.index.paths import display_path, resolve_display_path
from assistant.index.snapshot import Index
from assistant.ingest.chunking import Chunker, load_tokenizer
from assistant.ingest.loaders import SUPPORTED_SUFFIXES, load_document
from assistant.records import Chunk
from assistant.settings import Settings

__all__ = ["FileResult", "IngestReport", "chunk_file", "discover", "ingest", "make_chunker",
           "Progress"]

Progress = Callable[[float, str], None]  # fraction done (0..1), message

_EMBED_BATCH = 64


@dataclass
class FileResult:
    path: str
    status: str  # added | changed | unchanged | deleted | failed
    chunks: int = 0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "status": self.status, "chunks": self.chunks}
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    chunks_total: int = 0
    chunks_embedded: int = 0  # vectors computed by the model in this run
    chunks_written: int = 0  # vectors written to the new collection
    generation: str | None = None
    published: bool = False
    collection: str = ""
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def to_json(self) -> dict[str, Any]:
        return {
            "published": self.published,
            "generation": self.generation,
            "collection": self.collection,
            "files": [f.to_json() for f in self.files],
            "added": self.count("added"),
            "changed": self.count("changed"),
            "deleted": self.count("deleted"),
            "unchanged": self.count("unchanged"),
            "failed": len(self.failed),
            "chunks_total": self.chunks_total,
            "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        """The one-line summary both ``assistant ingest`` and the Documents page show."""
        j = self.to_json()
        state = f"published {self.generation}" if self.published else "index already up to date"
        return (f"{state}: {j['chunks_total']} chunks from "
                f"{j['added'] + j['changed'] + j['unchanged']} files ({j['added']} added, "
                f"{j['changed']} changed, {j['deleted']} deleted, {j['unchanged']} unchanged, "
                f"{j['failed']} failed); embedded {j['chunks_embedded']} chunks in "
                f"{j['seconds']:.1f}s")


def hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def discover(paths: Iterable[Path], *, exclude: Iterable[Path] = ()
             ) -> tuple[list[Path], list[FileResult]]:
    """Files to consider (recursively), and failures for paths that cannot be used.

    Hidden files and directories (".git", ".DS_Store") are skipped silently; any other file
    with an unknown extension is reported, so a user sees why it was not indexed. Folders in
    ``exclude`` (the practice bank) are skipped silently too, even inside a named folder.
    """
    excluded = {p.resolve() for p in exclude}
    found: list[Path] = []
    failures: list[FileResult] = []
    for root in paths:
        if not root.exists():
            failures.append(FileResult(str(root), "failed",
                                       error=f"{root}: no such file or directory"))
            continue
        if root.is_file():
            candidates = [root]
        else:
            candidates = []
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                     and (Path(dirpath) / d).resolve() not in excluded)
                candidates.extend(Path(dirpath) / f for f in sorted(filenames)
                                  if not f.startswith("."))
        for p in candidates:
            if p.suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(p)
            else:
                shown = display_path(p)
                failures.append(FileResult(shown, "failed", error=(
                    f"{shown}: unsupported file type '{p.suffix or '(none)'}'; supported: "
                    + ", ".join(sorted(SUPPORTED_SUFFIXES)))))
    # De-duplicate while keeping order (a file named twice, or inside two given folders).
    seen: set[str] = set()
    unique = []
    for p in found:
        key = str(p.resolve())
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, failures


def make_chunker(settings: Settings, model_dir: str | Path | None = None) -> Chunker:
    """The chunker ingest uses: the embedding model's tokenizer and the settings' sizes."""
    if model_dir is None:
        from assistant.embed import resolve_model_dir
        model_dir = resolve_model_dir(settings.embedding_model)
    return Chunker(load_tokenizer(str(model_dir)), settings.chunk_tokens,
                   settings.chunk_overlap_tokens)


def chunk_file(settings: Settings, chunker: Chunker, path: Path, shown: str) -> list[Chunk]:
    """Load one file and cut it into chunks exactly as ingest does. Raises ``IngestError``."""
    s = settings
    doc = load_document(path, max_bytes=int(s.max_file_mb * 1e6), max_pages=s.max_pdf_pages,
                        ocr_command=s.tesseract_cmd)
    doc.source = shown
    version = doc.guide_version

    def infer(heading_path: tuple[str, ...]) -> tuple[int | None, str | None]:
        return syllabus.infer_section(heading_path, version)

    # Front matter tags the whole file; otherwise infer per section from its headings.
    return chunker.chunk(doc, domain_of=None if doc.domain is not None else infer)


class _Writer:
    """Everything one ingest run needs; lives only while the writers' lock is held."""

    def __init__(self, settings: Settings, embedder: Embedder | None, progress: Progress | None):
        self.settings = settings
        self.store = ChromaStore(settings)
        self.index = Index(settings, self.store)
        self.layout: Layout = self.index.layout
        self.embedder = embedder or SentenceTransformerEmbedder(
            settings.embedding_model, settings.embedding_backend,
            onnx_cache=settings.index_dir / "onnx")
        self.chunker = make_chunker(settings, getattr(self.embedder, "model_dir", None))
        self.cache = EmbeddingCache(settings.index_dir / "embeddings.sqlite3")
        self.progress = progress or (lambda _f, _m: None)

    def clean_orphans(self) -> None:
        generations.clean_orphans(self.layout, self.store)

    def vectors_intact(self, expected: int) -> bool:
        """Whether the published generation's collection still holds all its vectors. A
        deleted Chroma directory or a Chroma server restarted empty leaves a manifest that
        says "up to date" over a store that has nothing."""
        name = collection_for(self.settings, str(self.layout.current_generation()))
        try:
            return int(self.store.call(self.store.get(name).count)) == expected
        except Exception as err:  # noqa: BLE001
            if is_not_found(err):
                return False
            raise

    def load_state(self) -> tuple[dict[str, Any], dict[str, list[Chunk]]]:
        gen = self.index.current_generation()
        if gen is None or not (self.index.root / gen / "state.json").is_file():
            return {}, {}
        gdir = self.index.root / gen
        state = json.loads((gdir / "state.json").read_text(encoding="utf-8"))
        by_file: dict[str, list[Chunk]] = {}
        for c in generations.read_chunks(gdir / "chunks.jsonl"):
            by_file.setdefault(c.source, []).append(c)
        return state, by_file

    def chunk_file(self, path: Path, shown: str) -> list[Chunk]:
        return chunk_file(self.settings, self.chunker, path, shown)

    def vectors_for(self, chunks: list[Chunk], report: IngestReport,
                    start: float, span: float) -> list[Any]:
        model_id = self.embedder.model_id
        keys = [EmbeddingCache.key(model_id, c.embed_text()) for c in chunks]
        have = self.cache.get_many(keys)
        todo = [i for i, k in enumerate(keys) if k not in have]
        for b in range(0, len(todo), _EMBED_BATCH):
            batch = todo[b:b + _EMBED_BATCH]
            vecs = self.embedder.embed_documents([chunks[i].embed_text() for i in batch])
            self.cache.put_many([(keys[i], v) for i, v in zip(batch, vecs)])
            for i, v in zip(batch, vecs):
                have[keys[i]] = v
            report.chunks_embedded += len(batch)
            self.progress(start + span * min(1.0, (b + len(batch)) / max(1, len(todo))),
                          f"embedded {report.chunks_embedded} of {len(todo)} new chunks")
        return [have[k] for k in keys]


def ingest(settings: Settings, paths: list[Path] | None = None, *, rebuild: bool = False,
           embedder: Embedder | None = None, progress: Progress | None = None,
           lock_timeout: float = 600.0) -> IngestReport:
    """Bring the index in step with the files. Returns a report; raises only for problems
    with the index itself (lock timeout, unreachable Chroma server), never for a bad file."""
    t0 = time.perf_counter()
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.index_dir / "ingest.lock"))
    try:
        lock.acquire(timeout=lock_timeout)
    except Timeout:
        raise AssistantError(f"another ingest holds {settings.index_dir / 'ingest.lock'}; wait "
                             "for it to finish and run ingest again") from None
    try:
        report = _ingest_locked(settings, paths, rebuild, embedder, progress)
    finally:
        lock.release()
    report.seconds = time.perf_counter() - t0
    return report


def _ingest_locked(settings: Settings, paths: list[Path] | None, rebuild: bool,
                   embedder: Embedder | None, progress: Progress | None) -> IngestReport:
    w = _Writer(settings, embedder, progress)
    report = IngestReport(collection=settings.collection_name())
    w.progress(0.0, "checking files")
    w.clean_orphans()
    old_state, old_chunks = ({}, {}) if rebuild else w.load_state()
    old_files: dict[str, Any] = old_state.get("files", {})

    roots = paths if paths else [settings.corpus_dir, settings.uploads_dir]
    roots = [r for r in roots if paths or r.exists()]  # default roots may not exist yet
    files, failures = discover(roots, exclude=[settings.practice_dir])
    report.files.extend(failures)

    new_files: dict[str, Any] = {}
    new_chunks: dict[str, list[Chunk]] = {}
    seen: set[str] = set()

    # Files already indexed that were not named this time are re-checked as well: an edit or a
    # deletion anywhere is picked up by any ingest.
    candidates: list[tuple[str, Path]] = [(display_path(p), p) for p in files]
    named = {shown for shown, _ in candidates}
    candidates += [(shown, resolve_display_path(shown)) for shown in old_files if shown not in named]

    to_load: list[tuple[str, Path, str, dict[str, Any]]] = []
    for shown, path in candidates:
        if shown in seen:
            continue
        seen.add(shown)
        prev = old_files.get(shown)
        try:
            st = path.stat()
        except FileNotFoundError:
            if prev is not None:
                report.files.append(FileResult(shown, "deleted", prev.get("chunks_count", 0)))
            else:
                report.files.append(FileResult(shown, "failed", error=(
                    f"{shown}: the file disappeared during ingest; run ingest again")))
            continue
        except OSError as err:
            report.files.append(FileResult(shown, "failed",
                                           error=f"{shown}: cannot be read ({err.strerror})"))
            _keep_previous(shown, prev, old_chunks, new_files, new_chunks)
            continue
        meta = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
        if prev is not None and prev.get("size") == st.st_size and \
                prev.get("mtime_ns") == st.st_mtime_ns and shown in old_chunks:
            # Same size and timestamp: trust the manifest without reading the file.
            new_files[shown] = prev
            new_chunks[shown] = old_chunks[shown]
            report.files.append(FileResult(shown, "unchanged", len(old_chunks[shown])))
            continue
        try:
            digest = hash_file(path)
        except FileNotFoundError:
            report.files.append(FileResult(shown, "failed", error=(
                f"{shown}: the file disappeared during ingest; run ingest again")))
            _keep_previous(shown, prev, old_chunks, new_files, new_chunks)
            continue
        except OSError as err:
            report.files.append(FileResult(shown, "failed",
                                           error=f"{shown}: cannot be read ({err.strerror})"))
            _keep_previous(shown, prev, old_chunks, new_files, new_chunks)
            continue
        if prev is not None and prev.get("sha256") == digest and shown in old_chunks:
            new_files[shown] = {**prev, **meta}
            new_chunks[shown] = old_chunks[shown]
            report.files.append(FileResult(shown, "unchanged", len(old_chunks[shown])))
            continue
        to_load.append((shown, path, digest, meta))

    for i, (shown, path, digest, meta) in enumerate(to_load):
        prev = old_files.get(shown)
        w.progress(0.05 + 0.25 * i / max(1, len(to_load)), f"reading {shown}")
        try:
            chunks = w.chunk_file(path, shown)
        except IngestError as err:
            report.files.append(FileResult(shown, "failed", error=f"{shown}: {err.reason}"))
            _keep_previous(shown, prev, old_chunks, new_files, new_chunks)
            continue
        except RecursionError:
            report.files.append(FileResult(shown, "failed",
                                           error=f"{shown}: structure nested too deeply to read"))
            _keep_previous(shown, prev, old_chunks, new_files, new_chunks)
            continue
        new_files[shown] = {**meta, "sha256": digest, "chunks_count": len(chunks)}
        new_chunks[shown] = chunks
        report.files.append(FileResult(shown, "changed" if prev else "added", len(chunks)))

    changed = rebuild or any(f.status in ("added", "changed", "deleted") for f in report.files) \
        or w.index.current_generation() is None
    ordered = [c for shown in sorted(new_chunks) for c in new_chunks[shown]]
    report.chunks_total = len(ordered)
    if not changed and not w.vectors_intact(len(ordered)):
        changed = True  # the store lost the published vectors: republish (from the cache)
    from assistant.answer.sentvec import SENTENCE_SCHEMA  # here: assistant.answer imports us

    if not changed and old_state.get("sentence_schema", 1) != SENTENCE_SCHEMA:
        changed = True  # sentence vectors from an older release: republish (from the cache)
    if not changed:
        report.generation = w.index.current_generation()
        w.progress(1.0, "index is up to date")
        return report

    _publish(w, settings, report, new_files, ordered)
    return report


def _keep_previous(shown: str, prev: dict[str, Any] | None, old_chunks: dict[str, list[Chunk]],
                   new_files: dict[str, Any], new_chunks: dict[str, list[Chunk]]) -> None:
    if prev is not None and shown in old_chunks:
        new_files[shown] = prev
        new_chunks[shown] = old_chunks[shown]


def _publish(w: _Writer, settings: Settings, report: IngestReport, files: dict[str, Any],
             chunks: list[Chunk]) -> None:
    gen = w.layout.next_generation()
    gdir = w.layout.root / gen
    gdir.mkdir(parents=True, exist_ok=False)
    name = collection_for(settings, gen)
    vectors = w.vectors_for(chunks, report, 0.3, 0.6)

    w.progress(0.9, "writing the index")
    collection = w.store.create(name)
    report.chunks_written += w.store.add_chunks(collection, chunks, vectors)
    # Sentence vectors for the composer's semantic scoring (answer/sentvec.py), before the
    # manifest: a generation with a state.json is complete.
    w.progress(0.92, "embedding sentences")
    from assistant.answer.sentvec import SENTENCE_SCHEMA, build_sentence_vectors

    build_sentence_vectors(gdir, [c.text for c in chunks], w.embedder.model_id,
                           w.embedder.embed_documents, w.cache)
    generations.write_generation(gdir, chunks, {
        "generation": gen,
        "collection": name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "embedding_model": settings.embedding_model,
        "embedding_backend": settings.embedding_backend,
        "chunk_tokens": settings.chunk_tokens,
        "sentence_schema": SENTENCE_SCHEMA,
        "chunk_overlap_tokens": settings.chunk_overlap_tokens,
        "files": files,
    })
    generations.publish(w.layout, gen)
    report.generation = gen
    report.published = True
    generations.prune(w.layout, w.store)
    w.progress(1.0, f"published {gen}: {len(chunks)} chunks")
