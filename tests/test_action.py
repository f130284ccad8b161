"""The object of a how-to question (answer/action.py)."""

from __future__ import annotations

import pytest

from assistant.answer.action import asked_object
from assistant.answer.base import MARKER
from assistant.answer.text import content_terms


@pytest.mark.parametrize(("question", "object_words"), [
    ("How can I start a Vertex AI pipeline run automatically whenever a file lands?",
     "pipeline run"),
    ("How can I kick off a pipeline run each time a file is uploaded?", "pipeline run"),
    ("How do I set up a private endpoint for my model?", "private endpoint"),
    # product words and "model" name nothing in particular
    ("How do I shrink a model so it fits on an edge device?", ""),
    ("What is a pipeline run?", ""),
])
def test_the_object_of_a_how_to_question(question: str, object_words: str) -> None:
    assert asked_object(question) == set(content_terms(object_words))


def test_a_how_to_answer_is_about_the_asked_object(corpus_assistant) -> None:
    # Before answer/action.py the lead was "Vertex AI custom training jobs can read and write
    # Cloud Storage buckets ... through Cloud Storage FUSE": the bucket, not the pipeline run.
    q = ("How can I kick off a Vertex AI pipeline run automatically each time a new CSV file "
         "is uploaded to a Cloud Storage bucket?")
    lead = MARKER.sub("", corpus_assistant.ask(q).lead)
    assert "FUSE" not in lead and "pipeline" in lead.lower(), lead
