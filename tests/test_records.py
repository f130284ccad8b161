"""Records round-trip: to_dict() -> from_dict() gives the same record, from_dict() also reads
the public JSON form (and dicts written before the schema version), and refuses a newer schema."""

from __future__ import annotations

import json

import pytest

from assistant.records import SCHEMA_VERSION, Answer, Chunk, Citation, EvalCase, Passage

CHUNK = Chunk(id="c1", source="corpus/x.md", title="Monitoring", text="Skew is drift.",
              heading_path=("Vertex AI", "Model Monitoring > skew"), ordinal=3, page=None,
              domain=6, section="6.2", guide_version="2026-06")
PASSAGE = Passage(chunk=CHUNK, rank=1, score=0.83123456, dense_score=0.7, bm25_score=None)
CITATION = Citation(n=1, chunk=CHUNK, quote="Skew is drift.")
ANSWER = Answer(question="What is skew?", answer="Skew is drift. [1]", abstained=False,
                citations=[CITATION], passages=[PASSAGE], standalone_question=None,
                backend="extractive", notes=["n"], timings={"retrieve": 0.01})
CASE = EvalCase(id="q1", question="What is skew?", domain=6, section="6.2", answerable=True,
                evidence=("skew",), answer_keywords=("drift|skew",), history=("earlier?",))


@pytest.mark.parametrize("record", [CHUNK, PASSAGE, CITATION, ANSWER, CASE],
                         ids=lambda r: type(r).__name__)
def test_to_dict_round_trips_through_json(record: object) -> None:
    d = json.loads(json.dumps(record.to_dict()))  # type: ignore[attr-defined]
    assert d["schema"] == SCHEMA_VERSION
    assert type(record).from_dict(d) == record  # type: ignore[attr-defined]


def test_from_dict_reads_the_public_json_form() -> None:
    back = Answer.from_dict(ANSWER.to_json())
    assert back.to_json() == ANSWER.to_json()
    assert EvalCase.from_dict(CASE.to_json()) == CASE


def test_a_newer_schema_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="newer"):
        Chunk.from_dict({**CHUNK.to_dict(), "schema": SCHEMA_VERSION + 1})


def test_ask_json_fields_are_unchanged() -> None:
    # The design page's fields, extended (never broken) by issue 14's lead and points.
    assert list(ANSWER.to_json()) == ["question", "answer", "lead", "points", "abstained",
                                      "citations", "passages", "backend", "grounded", "notes"]
    assert "schema" not in ANSWER.to_json()["citations"][0]
