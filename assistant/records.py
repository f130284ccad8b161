"""Typed records passed between stages. Plain dataclasses: cheap, explicit, JSON-friendly.

Records that are written down (the chunk list of an index generation, stored answers, eval
cases) round-trip: ``to_dict()`` writes the record with ``"schema": SCHEMA_VERSION`` and every
field needed to rebuild it, and ``from_dict()`` reads that back, as well as the public JSON
form (``to_json()``: the contract of ``assistant ask --json`` and the eval reports) and dicts
written before the schema version existed. A dict from a newer schema is refused in one line.
"""

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
    "SCHEMA_VERSION",
]

# Bump when a to_dict() form changes incompatibly; from_dict() accepts this version and older.
SCHEMA_VERSION = 1


def _check_schema(d: dict[str, Any], kind: str) -> None:
    version = d.get("schema", SCHEMA_VERSION)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ValueError(f"{kind} record of schema {version!r} is newer than this version "
                         f"reads ({SCHEMA_VERSION}); upgrade the assistant")


def _chunk_fields(c: Chunk) -> dict[str, Any]:
    """The lossless chunk fields a passage or citation carries beyond its public JSON form."""
    return {"heading_path": list(c.heading_path), "ordinal": c.ordinal}


def _chunk_of(d: dict[str, Any]) -> Chunk:
    """A chunk from a passage's or citation's dict (to_dict or to_json form)."""
    heading_path = d.get("heading_path")
    if heading_path is None:
        heading = d.get("heading") or ""
        heading_path = heading.split(" > ") if heading else []
    return Chunk(id=d["chunk_id"], source=d.get("source", ""), title=d.get("title", ""),
                 heading_path=tuple(heading_path), text=d.get("text", ""),
                 ordinal=int(d.get("ordinal", 0)), page=d.get("page"), domain=d.get("domain"),
                 section=d.get("section"), guide_version=d.get("guide_version"),
                 page_kind=d.get("page_kind") or "page", ocr=bool(d.get("ocr", False)))


@dataclass(frozen=True)
class Section:
    """A structural unit of a loaded document: text under one heading path, on one page."""

    heading_path: tuple[str, ...]
    text: str
    page: int | None = None
    ocr: bool = False  # the text was read from page images by OCR
    # A table's header row: the chunker repeats it at the top of every piece of the table.
    table_header: str | None = None


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
    kind: str = "text"  # markdown | pdf | html | text | docx | pptx
    encoding: str | None = None  # the text encoding read (text formats only)
    page_kind: str = "page"  # what ``Section.page`` counts: "page", or "slide" for decks


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
    page_kind: str = "page"  # "slide" when ``page`` is a slide number
    ocr: bool = False  # the text was read from a page image by OCR
    encoding: str | None = None  # the source file's text encoding, for text formats

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)

    @property
    def location(self) -> str:
        """"page 3", "slide 3", or "" when the source has no pages."""
        return f"{self.page_kind} {self.page}" if self.page else ""

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
            # Added later: readers default them when an older index lacks the keys.
            "page_kind": self.page_kind,
            "ocr": self.ocr,
            "encoding": self.encoding or "",
        }

    def to_dict(self) -> dict[str, Any]:
        """The chunk-list form (one line of a generation's chunks.jsonl)."""
        return {"schema": SCHEMA_VERSION, "id": self.id, "source": self.source,
                "title": self.title, "heading_path": list(self.heading_path), "text": self.text,
                "ordinal": self.ordinal, "page": self.page, "domain": self.domain,
                "section": self.section, "guide_version": self.guide_version,
                "page_kind": self.page_kind, "ocr": self.ocr, "encoding": self.encoding}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Chunk:
        _check_schema(d, "chunk")
        return cls(id=d["id"], source=d["source"], title=d["title"],
                   heading_path=tuple(d["heading_path"]), text=d["text"],
                   ordinal=d["ordinal"], page=d["page"], domain=d["domain"],
                   section=d["section"], guide_version=d["guide_version"],
                   # Added after schema 1 was written: older chunk lists lack them.
                   page_kind=d.get("page_kind") or "page", ocr=bool(d.get("ocr", False)),
                   encoding=d.get("encoding"))

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
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
            page_kind=str(meta.get("page_kind") or "page"),
            ocr=bool(meta.get("ocr", False)),
            encoding=str(meta.get("encoding") or "") or None,
        )


def _add_location(out: dict[str, Any], c: Chunk) -> None:
    """Extensions of the passage/citation JSON, present only when they say something: a slide
    number in ``page`` (``"page_kind": "slide"``) and text read by OCR."""
    if c.page_kind != "page":
        out["page_kind"] = c.page_kind
    if c.ocr:
        out["ocr"] = True


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its rank and score for one query."""

    chunk: Chunk
    rank: int
    score: float
    dense_score: float | None = None  # cosine similarity, when the dense leg saw this chunk
    bm25_score: float | None = None
    # Not retrieved itself: the composer reads it because it opens the section whose later
    # chunk is passage ``via`` (a section's first sentences usually state its point).
    via: int | None = None

    def to_json(self) -> dict[str, Any]:
        c = self.chunk
        out: dict[str, Any] = {
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
        if self.via is not None:
            out["via"] = self.via
        _add_location(out, c)
        return out

    def to_dict(self) -> dict[str, Any]:
        out = {"schema": SCHEMA_VERSION, **self.to_json(), **_chunk_fields(self.chunk),
               "score": self.score}
        if self.dense_score is not None:
            out["dense_score"] = self.dense_score
        if self.bm25_score is not None:
            out["bm25_score"] = self.bm25_score
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Passage:
        _check_schema(d, "passage")
        return cls(chunk=_chunk_of(d), rank=int(d["rank"]), score=float(d.get("score") or 0.0),
                   dense_score=d.get("dense_score"), bm25_score=d.get("bm25_score"),
                   via=d.get("via"))


@dataclass(frozen=True)
class Citation:
    n: int  # the marker number used in the answer text: [n]
    chunk: Chunk
    quote: str = ""  # the sentence(s) of the passage the answer relies on

    def to_json(self) -> dict[str, Any]:
        c = self.chunk
        out: dict[str, Any] = {
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
        _add_location(out, c)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, **self.to_json(), **_chunk_fields(self.chunk)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Citation:
        _check_schema(d, "citation")
        return cls(n=int(d["n"]), chunk=_chunk_of(d), quote=d.get("quote") or "")


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
    # A pasted multiple-choice question: {options, choice, constraint, confidence, select,
    # remaining} from the practice-question coach (answer/coach.py); None otherwise.
    mcq: dict[str, Any] | None = None
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
        if self.mcq is not None:
            out.update(self.mcq)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The stored form: the public JSON with lossless citations and passages."""
        out = self.to_json()
        out["citations"] = [c.to_dict() for c in self.citations]
        out["passages"] = [p.to_dict() for p in self.passages]
        if self.timings:
            out["timings"] = dict(self.timings)
        return {"schema": SCHEMA_VERSION, **out}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        """From ``to_dict()``, ``to_json()`` or a stored answer (extra keys are ignored)."""
        _check_schema(d, "answer")
        return cls(question=d.get("question", ""), answer=d.get("answer", ""),
                   abstained=bool(d.get("abstained")),
                   citations=[Citation.from_dict(c) for c in d.get("citations") or []],
                   passages=[Passage.from_dict(p) for p in d.get("passages") or []],
                   standalone_question=d.get("standalone_question"),
                   backend=d.get("backend", "extractive"), grounded=bool(d.get("grounded", True)),
                   notes=list(d.get("notes") or []), timings=dict(d.get("timings") or {}),
                   mcq={k: d[k] for k in MCQ_FIELDS if k in d} or None,
                   lead=str(d.get("lead") or ""), points=[str(p) for p in d.get("points") or []])


# The practice-question coach's fields, merged into an answer's JSON (Answer.mcq).
MCQ_FIELDS = ("options", "choice", "constraint", "confidence", "select", "remaining")


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

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, **self.to_json()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EvalCase:
        """From ``to_dict()`` or an eval-set line already checked by ``load_eval_set``."""
        _check_schema(d, "eval case")
        return cls(id=str(d["id"]), question=d["question"], domain=d.get("domain"),
                   section=d.get("section"), answerable=bool(d["answerable"]),
                   evidence=tuple(d.get("evidence") or ()),
                   answer_keywords=tuple(d.get("answer_keywords") or ()),
                   history=tuple(d.get("history") or ()))


def to_dict(obj: Any) -> Any:
    """Dataclass -> plain dict, for records without a dedicated to_json."""
    if hasattr(obj, "to_json"):
        return obj.to_json()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    return obj
