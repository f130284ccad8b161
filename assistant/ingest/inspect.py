"""The chunk inspector: what ingest makes of one file, chunk by chunk.

Both ``assistant info FILE`` and the Documents page call ``inspect_file``. The file is read
and chunked with exactly the code and settings ingest uses (``pipeline.chunk_file``), so what
is shown is what is (or would be) indexed: each chunk's page or slide, heading path, size in
the embedding model's word pieces and whether its text came from OCR; for a file ingest
refuses, the same one-line reason ingest reports.

``file_summaries`` condenses indexed chunks per file (chunks, encoding, OCR chunks), for
``assistant info --json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import IngestError
from assistant.ingest.chunking import MODEL_WINDOW, Chunker
from assistant.records import Chunk
from assistant.settings import Settings

__all__ = ["ChunkView", "FileInspection", "inspect_file", "file_summaries", "indexed_files"]

_SPECIAL_TOKENS = 2  # [CLS] and [SEP], as in chunking


@dataclass(frozen=True)
class ChunkView:
    ordinal: int
    page: int | None
    page_kind: str  # "page" or "slide"
    heading: str  # the heading path, " > "-joined
    word_pieces: int  # what the embedding model reads: title, headings and text, with [CLS]/[SEP]
    ocr: bool
    text: str
    section: str | None = None  # the exam section ingest tagged, if any

    @property
    def location(self) -> str:
        return f"{self.page_kind} {self.page}" if self.page else ""

    def to_json(self) -> dict[str, Any]:
        return {"ordinal": self.ordinal, "page": self.page, "page_kind": self.page_kind,
                "heading": self.heading, "word_pieces": self.word_pieces, "ocr": self.ocr,
                "section": self.section, "text": self.text}


@dataclass
class FileInspection:
    path: str  # as shown to users (the same name ingest reports)
    status: str  # "ok" (would be indexed) or "failed"
    error: str | None = None  # the one-line reason, for a failed file
    title: str = ""
    encoding: str | None = None  # text formats only
    indexed: bool = False  # the published index holds this version of the file
    chunks: list[ChunkView] = field(default_factory=list)

    @property
    def ocr_chunks(self) -> int:
        return sum(1 for c in self.chunks if c.ocr)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "status": self.status, "title": self.title,
                               "encoding": self.encoding, "indexed": self.indexed,
                               "chunks_count": len(self.chunks), "ocr_chunks": self.ocr_chunks,
                               "chunks": [c.to_json() for c in self.chunks]}
        if self.error:
            out["error"] = self.error
        return out


def _view(chunker: Chunker, c: Chunk) -> ChunkView:
    return ChunkView(ordinal=c.ordinal, page=c.page, page_kind=c.page_kind, heading=c.heading,
                     word_pieces=min(chunker.count(c.embed_text()), MODEL_WINDOW * 64)
                     + _SPECIAL_TOKENS, ocr=c.ocr, text=c.text, section=c.section)


def indexed_files(settings: Settings) -> dict[str, dict[str, Any]]:
    """The published generation's manifest: display path -> {size, mtime_ns, sha256, ...}.
    Empty when nothing is published. Reads one small JSON file; never opens Chroma."""
    from assistant.index.generations import Layout

    layout = Layout(settings)
    gen = layout.current_generation()
    if gen is None:
        return {}
    try:
        state = json.loads((layout.root / gen / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = state.get("files", {})
    return files if isinstance(files, dict) else {}


def inspect_file(settings: Settings, path: Path, *, chunker: Chunker | None = None
                 ) -> FileInspection:
    """Load and chunk ``path`` as ingest would. Never raises for a bad file: the reason comes
    back in ``error``."""
    from assistant.index import display_path
    from assistant.ingest.loaders import SUPPORTED_SUFFIXES
    from assistant.ingest.pipeline import chunk_file, hash_file, make_chunker

    shown = display_path(path)
    if not path.is_file():
        reason = "is a directory" if path.is_dir() else "no such file"
        return FileInspection(shown, "failed", f"{shown}: {reason}")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return FileInspection(shown, "failed", (
            f"{shown}: unsupported file type '{path.suffix or '(none)'}'; supported: "
            + ", ".join(sorted(SUPPORTED_SUFFIXES))))
    chunker = chunker or make_chunker(settings)
    try:
        chunks = chunk_file(settings, chunker, path, shown)
    except IngestError as err:
        return FileInspection(shown, "failed", f"{shown}: {err.reason}")
    except RecursionError:
        return FileInspection(shown, "failed", f"{shown}: structure nested too deeply to read")
    prev = indexed_files(settings).get(shown)
    indexed = False
    if prev is not None:
        try:
            indexed = prev.get("sha256") == hash_file(path)
        except OSError:
            indexed = False
    return FileInspection(
        path=shown, status="ok", title=chunks[0].title if chunks else "",
        encoding=chunks[0].encoding if chunks else None, indexed=indexed,
        chunks=[_view(chunker, c) for c in chunks])


def file_summaries(chunks: Iterable[Chunk]) -> dict[str, dict[str, Any]]:
    """Per indexed file: chunk count, text encoding (None for PDF, Word, PowerPoint), chunks
    read by OCR, and whether ``page`` counts pages or slides."""
    out: dict[str, dict[str, Any]] = {}
    for c in chunks:
        d = out.setdefault(c.source, {"chunks": 0, "encoding": c.encoding, "ocr_chunks": 0,
                                      "page_kind": c.page_kind})
        d["chunks"] += 1
        d["ocr_chunks"] += int(c.ocr)
    return dict(sorted(out.items()))


def format_inspection(fi: FileInspection, *, width: int = 100) -> list[str]:
    """Plain-text lines for a terminal: a header, then one block per chunk."""
    if fi.status != "ok":
        return [f"{fi.error}"]
    head = [f"{fi.path}: {len(fi.chunks)} chunks"]
    if fi.encoding:
        head.append(f"encoding {fi.encoding}")
    if fi.ocr_chunks:
        head.append(f"{fi.ocr_chunks} from OCR")
    head.append("indexed" if fi.indexed else "not in the index (run assistant ingest)")
    lines = [", ".join(head), f"title: {fi.title}"]
    for c in fi.chunks:
        tags = [t for t in (c.location, f"section {c.section}" if c.section else "",
                            f"{c.word_pieces} word pieces", "OCR" if c.ocr else "") if t]
        lines.append(f"\n[{c.ordinal}] {' | '.join(tags)}")
        if c.heading:
            lines.append(f"    {c.heading}")
        text = " ".join(c.text.split())
        lines.append(f"    {text[:width * 2]}{'...' if len(text) > width * 2 else ''}")
    return lines


def inspectable_files(settings: Settings) -> list[Path]:
    """The files ingest looks at by default (corpus and uploads, practice bank excluded), the
    ones it refuses included, plus any other file the published index holds."""
    from assistant.index import display_path, resolve_display_path
    from assistant.ingest.pipeline import discover

    roots = [r for r in (settings.corpus_dir, settings.uploads_dir) if r.exists()]
    found, failures = discover(roots, exclude=[settings.practice_dir])
    paths = {display_path(p): p for p in found}
    for f in failures:
        paths.setdefault(f.path, resolve_display_path(f.path))
    for shown in indexed_files(settings):
        paths.setdefault(shown, resolve_display_path(shown))
    return [paths[k] for k in sorted(paths)]
