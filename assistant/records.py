"""Typed records passed between stages. Plain dataclasses: cheap, explicit, JSON-friendly."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "Section",
    "Document",
    "Chunk",
    "Passage",
    "Citation",
    "Answer",
    "Turn",
    "EvalCase",
    "to_dict",
]


@dataclass(frozen=True)
class Section:
    """A structural unit of a loaded document: text under one heading path, on one page."""

    heading_path: tuple[str, ...]
    text: str
    page: int | None = None


@dataclass
class Document:
    """A loaded file, before chunking."""

    source: str  # path as shown to users (project-relative for the shipped corpus)
    title: str
    sections: list[Section]
    domain: int | None = None
    section: str | None = None
    guide_version: str | None = None
    sources: list[str] = field(default_factory=list)  # official URLs from front matter
    kind: str = "text"  # markdown | pdf | html | text


@dataclass(frozen=True)
class Chunk:
    id: str  # hash of source, position and content: stable across runs
    source: str
    title: str
    heading_path: tuple[str, ...]
    text: str  # the passage as cited: verbatim document text
    ordinal: int  # position in the document
    page: int | None = None
    domain: int | None = None
    section: str | None = None
    guide_version: str | None = None

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)

    def embed_text(self) -> str:
        """What the embedder and BM25 see: the title and headings carry the topic's key terms,
        which body sentences often leave implicit."""
        head = " > ".join(h for h in (self.title, *self.heading_path) if h)
        return f"{head}\n{self.text}" if head else self.text

    def metadata(self) -> dict[str, Any]:
        # Chroma metadata values must be str/int/float/bool: encode "missing" as ""/-1.
        return {
            "source": self.source,
            "title": self.title,
            "heading": "\x1f".join(self.heading_path),
            "ordinal": self.ordinal,
            "page": self.page if self.page is not None else -1,
            "domain": self.domain if self.domain is not None else -1,
            "section": self.section or "",
            "guide_version": self.guide_version or "",
        }

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> "Chunk":
        heading = str(meta.get("heading") or "")
        page = int(meta.get("page", -1))
        domain = int(meta.get("domain", -1))
        return cls(
            id=chunk_id,
            source=str(meta.get("source", "")),
            title=str(meta.get("title", "")),
            heading_path=tuple(heading.split("\x1f")) if heading else (),
            text=text,
            ordinal=int(meta.get("ordinal", 0)),
            page=page if page >= 0 else None,
            domain=domain if domain >= 0 else None,
            section=str(meta.get("section") or "") or None,
            guide_version=str(meta.get("guide_version") or "") or None,
        )


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its rank and score for one query."""

    chunk: Chunk
    rank: int
    score: float
    dense_score: float | None = None  # cosine similarity, when the dense leg saw this chunk
    bm25_score: float | None = None

    def to_json(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "rank": self.rank,
            "chunk_id": c.id,
            "source": c.source,
            "title": c.title,
            "heading": c.heading,
            "section": c.section,
            "domain": c.domain,
            "page": c.page,
            "guide_version": c.guide_version,
            "score": round(self.score, 4),
            "text": c.text,
        }


@dataclass(frozen=True)
class Citation:
    n: int  # the marker number used in the answer text: [n]
    chunk: Chunk
    quote: str = ""  # the sentence(s) of the passage the answer relies on

    def to_json(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "n": self.n,
            "chunk_id": c.id,
            "source": c.source,
            "title": c.title,
            "heading": c.heading,
            "section": c.section,
            "domain": c.domain,
            "page": c.page,
            "guide_version": c.guide_version,
            "quote": self.quote,
            "text": c.text,
        }


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    passages: list[Passage]
    standalone_question: str | None = None  # the rewrite of a follow-up, when one was made
    backend: str = "extractive"
    grounded: bool = True  # False when an LLM answer carried no valid citation
    notes: list[str] = field(default_factory=list)  # e.g. removed citation markers
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    # The answer's shape: the direct answer (first sentence) and the supporting points, each
    # with its citation markers; ``answer`` is their plain-text concatenation.
    lead: str = ""
    points: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "question": self.question,
            "answer": self.answer,
            "lead": self.lead,
            "points": list(self.points),
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "passages": [p.to_json() for p in self.passages],
            "backend": self.backend,
            "grounded": self.grounded,
        }
        if self.standalone_question is not None:
            out["standalone_question"] = self.standalone_question
        if self.notes:
            out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation, as kept for follow-up questions."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class EvalCase:
    id: str
    question: str
    domain: int | None
    section: str | None
    answerable: bool
    evidence: tuple[str, ...]
    answer_keywords: tuple[str, ...]
    history: tuple[str, ...] = ()  # prior user questions, for follow-up cases

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "domain": self.domain,
            "section": self.section,
            "answerable": self.answerable,
            "evidence": list(self.evidence),
            "answer_keywords": list(self.answer_keywords),
        }
        if self.history:
            out["history"] = list(self.history)
        return out


def to_dict(obj: Any) -> Any:
    """Dataclass -> plain dict, for records without a dedicated to_json."""
    if hasattr(obj, "to_json"):
        return obj.to_json()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    return obj
