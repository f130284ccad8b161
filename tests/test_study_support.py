"""Shared helpers for the study-tool tests (no tests here).

Synthetic chunks are real ``Chunk`` records and ``Snapshot`` is the real class: card and quiz
generation read nothing else from the index, so these exercise the same code as the shipped
corpus does, with text the test controls.
"""

from __future__ import annotations

import hashlib

from assistant.index import Snapshot
from assistant.records import Chunk
from assistant.study.cards import Flashcard, card_id

# One passage in the corpus's house style: a definition, a choice rule, a scenario cue, a trap,
# a default with a number and a product rename.
PASSAGE = (
    "Dataflow is Google Cloud's fully managed service for Apache Beam pipelines in batch and "
    "streaming. Choose Dataproc over Dataflow when reusing Spark or Hadoop code matters more "
    "than writing new Beam code. Scenario cue: \"score events arriving through Pub/Sub in real "
    "time\" points to Dataflow. Trap: choosing Cloud Composer for a pure training workflow; it "
    "adds an always-on Airflow environment for no benefit. Idle shutdown stops a notebook "
    "after 180 minutes of inactivity by default. Cloud Composer, renamed Managed Service for "
    "Apache Airflow in the June 2026 guide, runs Airflow DAGs across many services.")


def make_chunk(text: str, *, section: str = "5.1", source: str = "corpus/t/test.md",
               ordinal: int = 0, heading: str = "Test heading") -> Chunk:
    cid = hashlib.sha256(f"{source}\x00{ordinal}\x00{text}".encode()).hexdigest()[:32]
    return Chunk(id=cid, source=source, title="Test", heading_path=(heading,), text=text,
                 ordinal=ordinal, domain=int(section.split(".")[0]), section=section,
                 guide_version="2026-06")


def make_snapshot(chunks: list[Chunk], generation: str = "g000001") -> Snapshot:
    return Snapshot(generation=generation, collection_name=f"test-{generation}", state={},
                    chunks=chunks, bm25=None, collection=None)


def make_card(n: int, *, domain: int = 3, section: str | None = None,
              kind: str = "curated") -> Flashcard:
    """A verified-looking card for store tests (the store does not re-verify). Curated by
    default: those are in every study set; a generated kind waits in the inbox."""
    section = section or f"{domain}.1"
    front, answer = f"Question number {n} about domain {domain}?", f"answer {n}"
    return Flashcard(id=card_id(kind, front, answer), kind=kind, front=front,  # type: ignore[arg-type]
                     answer=answer, quote=f"The quote holds answer {n}.", chunk_id=f"chunk{n}",
                     source="corpus/t/test.md", title="Test", heading="Heading",
                     section=section, domain=domain)
