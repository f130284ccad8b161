"""Structure-first chunking sized in the embedding model's own word pieces.

A document is already split by headings (and pages) by its loader. Each section becomes one
chunk when it fits; a longer one is split by langchain's recursive splitter, paragraphs first,
then sentences, then words, with the length measured by the model's tokenizer, because
all-MiniLM-L6-v2 silently truncates anything past 256 word pieces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from tokenizers import Tokenizer

from assistant.records import Chunk, Document

if TYPE_CHECKING:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

__all__ = ["Chunker", "chunk_id", "load_tokenizer"]

MODEL_WINDOW = 256  # all-MiniLM-L6-v2 max_seq_length, special tokens included
_SPECIAL_TOKENS = 2  # [CLS] and [SEP]
_MIN_BODY = 48  # never squeeze a body below this, even under a very long heading path

# Paragraph, line, sentence end, clause, word, character: the splitter tries them in order.
_SEPARATORS = ["\n\n", "\n", r"(?<=[.!?])\s+", r"(?<=[;:])\s+", " ", ""]


@lru_cache(maxsize=4)
def load_tokenizer(model_dir: str) -> Tokenizer:
    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def chunk_id(source: str, ordinal: int, text: str) -> str:
    """Content and position: an edit or a move changes the id, a re-run does not."""
    return hashlib.sha256(f"{source}\x00{ordinal}\x00{text}".encode()).hexdigest()[:32]


class Chunker:
    def __init__(self, tokenizer: Tokenizer, chunk_tokens: int = 200, overlap_tokens: int = 24) -> None:
        self.tokenizer = tokenizer
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens

    def count(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def _splitter(self, budget: int) -> RecursiveCharacterTextSplitter:
        # Imported here: only sections longer than one chunk need it, and a no-change ingest
        # (which loads this module) should not pay langchain's import time.
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        return RecursiveCharacterTextSplitter(
            chunk_size=budget,
            chunk_overlap=min(self.overlap_tokens, budget // 4),
            length_function=self.count,
            separators=_SEPARATORS,
            is_separator_regex=True,
            keep_separator="end",
        )

    def body_budget(self, title: str, heading_path: tuple[str, ...]) -> int:
        head = " > ".join(h for h in (title, *heading_path) if h)
        room = MODEL_WINDOW - _SPECIAL_TOKENS - (self.count(head) + 1 if head else 0)
        return max(_MIN_BODY, min(self.chunk_tokens, room))

    def fit_head(self, title: str, heading_path: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
        """Title and heading path as stored on the chunk, short enough that ``_MIN_BODY``
        pieces of body still fit in the window. Only absurd heads are touched (five nested
        60-word headings, a 400-word title): the title is clipped to half the room, then outer
        headings go first. Otherwise the model would silently cut the chunk's body off."""
        limit = MODEL_WINDOW - _SPECIAL_TOKENS - _MIN_BODY - 1
        enc = self.tokenizer.encode(title, add_special_tokens=False)
        if len(enc.ids) > limit // 2:
            title = title[: enc.offsets[limit // 2 - 1][1]]

        def size(path: tuple[str, ...]) -> int:
            return self.count(" > ".join(h for h in (title, *path) if h))

        while heading_path and size(heading_path) > limit:
            heading_path = heading_path[1:]
        return title, heading_path

    def chunk(self, doc: Document, *,
              domain_of: Callable[[tuple[str, ...]], tuple[int | None, str | None]] | None = None,
              ) -> list[Chunk]:
        """Chunks in document order. ``domain_of(heading_path) -> (domain, section)`` tags
        sections of documents that carry no front matter."""
        chunks: list[Chunk] = []
        for sec in doc.sections:
            title, heading_path = self.fit_head(doc.title, sec.heading_path)
            budget = self.body_budget(title, heading_path)
            pieces = self._pieces(sec.text, budget, sec.table_header)
            domain, section = doc.domain, doc.section
            if domain is None and domain_of is not None:
                domain, section = domain_of(sec.heading_path)
            for piece in pieces:
                piece = piece.strip()
                if not piece:
                    continue
                ordinal = len(chunks)
                chunks.append(Chunk(
                    id=chunk_id(doc.source, ordinal, piece),
                    source=doc.source,
                    title=title,
                    heading_path=heading_path,
                    text=piece,
                    ordinal=ordinal,
                    page=sec.page,
                    domain=domain,
                    section=section,
                    guide_version=doc.guide_version,
                    page_kind=doc.page_kind,
                    ocr=sec.ocr,
                    encoding=doc.encoding,
                ))
        return chunks

    def _pieces(self, text: str, budget: int, header: str | None) -> list[str]:
        """The section's text in pieces of at most ``budget`` word pieces. For a table
        (``header`` set, ``text`` its body rows, one per line) every piece starts with the
        header row, so a row read alone still says what its cells are."""
        if not header:
            return [text] if self.count(text) <= budget else self._splitter(budget).split_text(text)
        room = max(_MIN_BODY // 2, budget - self.count(header) - 1)
        if self.count(text) <= room:
            return [f"{header}\n{text}"]
        rows: list[str] = []
        for row in text.split("\n"):
            # A single row longer than the room is split on its own (rare: a cell of prose).
            rows.extend([row] if self.count(row) <= room else self._splitter(room).split_text(row))
        pieces: list[str] = []
        current: list[str] = []
        size = 0
        for row in rows:
            n = self.count(row) + 1
            if current and size + n > room:
                pieces.append("\n".join(current))
                current, size = [], 0
            current.append(row)
            size += n
        if current:
            pieces.append("\n".join(current))
        return [f"{header}\n{p}" for p in pieces]
