"""The quality gate for generated flashcards: each failure a blind review found is refused, and
a good card of each kind passes."""

from __future__ import annotations

import pytest

from assistant.study.cards import BLANK, Flashcard
from assistant.study.gate import quality_problem


def card(kind: str, front: str, answer: str, generator: str = "extractive") -> Flashcard:
    return Flashcard(id="x", kind=kind, front=front, answer=answer, quote="q", chunk_id="c",
                     source="s", title="t", heading="h", section="4.1", domain=4,
                     generator=generator)


@pytest.mark.parametrize(("kind", "front", "answer", "why"), [
    ("definition", "What is every step?", "a container", "quantifier"),
    ("cloze", f"Choosing {BLANK} here avoids this.", "Dataflow", "does not show"),
    ("cloze", f"These pipelines run on {BLANK} by default.", "Vertex AI", "does not show"),
    ("cloze", f"Choose these functions when the model lives in {BLANK}.", "BigQuery ML",
     "does not show"),
    ("cloze", f"It scales {BLANK} replicas automatically.", "DeployedModel", "does not show"),
    ("cloze", f"{BLANK} on a {BLANK} serves low-latency requests.", "Online prediction",
     "exactly one blank"),
    ("cloze", f"Trap: {BLANK} is not serverless; a Composer environment runs all day.",
     "Cloud Composer", "gives the blank away"),
    ("choose", "When do you choose v2?", "a model outside Vertex AI", "not a product"),
    ("scenario", "Which option do you choose when Dataflow must stream?", "Dataflow",
     "already names"),
])
def test_bad_generated_cards_are_refused(kind: str, front: str, answer: str, why: str) -> None:
    problem = quality_problem(card(kind, front, answer))
    assert problem is not None and why in problem, problem


@pytest.mark.parametrize(("kind", "front", "answer"), [
    ("cloze", f"{BLANK} pays off most with several GPU nodes.", "Reduction Server"),
    ("choose", "When do you choose Reduction Server?", "gradient communication dominates"),
    ("choose", "When do you choose batch prediction over online prediction?", "no one waits"),
    ("definition", "What is Vertex AI Model Registry?", "the versioned catalogue of models"),
    ("scenario", "Which option do you choose when nightly scoring of a table is enough?",
     "batch prediction"),
])
def test_good_generated_cards_pass(kind: str, front: str, answer: str) -> None:
    assert quality_problem(card(kind, front, answer)) is None


def test_curated_cards_are_not_gated_here() -> None:
    # Hand-written cards are held to their own checks in tests/test_bank.py.
    assert quality_problem(card("curated", "What is every step?", "x", "curated")) is None
