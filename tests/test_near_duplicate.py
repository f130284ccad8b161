"""Which answer sentences the composer treats as repeats (answer/candidates.is_near_duplicate):
two rules for the same choice read as one said twice; rules for different choices do not."""

from __future__ import annotations

from assistant.answer.candidates import Candidate, is_near_duplicate
from assistant.answer.extractive import ScoredSentence
from assistant.answer.text import content_terms, split_sentences
from assistant.records import Chunk, Passage


def _cand(text: str, source: str) -> Candidate:
    chunk = Chunk(id=source, source=source, title="X", heading_path=("X",), text=text,
                  ordinal=0)
    sentence = split_sentences(text)[0]
    scored = ScoredSentence(Passage(chunk=chunk, rank=1, score=1.0), sentence,
                            frozenset(content_terms(sentence.text)), 1.0, 1.0)
    return Candidate(scored, "decision", None, None, 1.0)


def test_two_rules_for_the_same_choice_from_two_passages_are_repeats() -> None:
    a = _cand("Choose BigQuery ML when the training data already lives in BigQuery, the team is "
              "fluent in SQL rather than in TensorFlow or PyTorch.", "corpus/a.md")
    b = _cand("Choose BigQuery ML when the data is already in BigQuery, the team is strong in "
              "SQL, and batch scoring inside BigQuery is acceptable.", "corpus/b.md")
    assert is_near_duplicate(a, b)


def test_rules_for_different_choices_are_not_repeats() -> None:
    a = _cand("Choose BigQuery ML when the data is already in BigQuery and the team works in "
              "SQL.", "corpus/a.md")
    b = _cand("Choose Vertex AI AutoML when the data is already in BigQuery and the team wants "
              "no code.", "corpus/b.md")
    assert not is_near_duplicate(a, b)
