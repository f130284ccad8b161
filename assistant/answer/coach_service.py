"""Run the practice-question coach for the ``Assistant`` service: one function, so the service
only has to route a pasted multiple-choice question here (chat, CLI and eval share it)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from assistant.answer.coach import (
    CoachPolicy,
    CoachResult,
    StemMeaning,
    judge_options,
    retrieve_for,
)
from assistant.answer.options import MCQ, parse_mcq
from assistant.answer.text import split_sentences
from assistant.records import Answer
from assistant.validate import check_question

__all__ = ["detect", "coach_answer", "stem_meaning", "MAX_PASSAGES"]

MAX_PASSAGES: int | None = None  # None: 6 plus 2 per option (see coach.retrieve_for)


def detect(question: object, max_chars: int) -> MCQ | None:
    """The pasted multiple-choice question, or ``None`` for an ordinary question. Raises
    ``QuestionError`` (one line) for an empty, over-long or unusable paste."""
    check_question(question, max_chars)  # same limits as any question
    assert isinstance(question, str)
    return parse_mcq(question)


def stem_meaning(assistant: Any, mcq: MCQ, generation: str) -> StemMeaning | None:
    """The stem's sentence vectors (one batch embedding) and the generation's sentence
    vectors; None when the index has none or the embedder fails (words alone then decide)."""
    vectors = assistant.sentence_vectors(generation)
    if vectors is None:
        return None
    parts = [x.text for x in split_sentences(mcq.stem)] or [mcq.stem]
    try:
        stem = np.asarray(assistant.retriever.embedder.embed_documents(parts), dtype=np.float32)
    except Exception:  # noqa: BLE001 - meaning is a refinement; the words still decide
        return None
    norms = np.linalg.norm(stem, axis=1, keepdims=True)
    return StemMeaning(stem / np.where(norms == 0, 1.0, norms), vectors)


def coach_answer(assistant: Any, mcq: MCQ, *, mode: Any = None, filters: Any = None,
                 policy: CoachPolicy | None = None) -> Answer:
    """Retrieve for the stem and every option, judge each option, and package the result as an
    ``Answer`` whose JSON carries ``options`` and ``choice`` next to the usual fields."""
    t0 = time.perf_counter()
    passages = retrieve_for(
        mcq, lambda q, k: assistant.retrieve(q, k=k, mode=mode, filters=filters), MAX_PASSAGES)
    t1 = time.perf_counter()
    snap = assistant.retriever.index.snapshot()
    meaning = stem_meaning(assistant, mcq, snap.generation)
    result: CoachResult = judge_options(mcq, passages, snap, policy, meaning)
    question = mcq.stem + "\n\n" + "\n".join(f"{o.label}. {o.text}" for o in mcq.options)
    abstained = not result.citations
    notes = list(result.notes)
    notes.append(f"coach: {len(mcq.options)} options, choose {mcq.select}")
    answer = Answer(question, result.text, abstained, result.citations, passages, None,
                    "coach", notes=notes,
                    timings={"retrieve": t1 - t0, "answer": time.perf_counter() - t1})
    answer.mcq = result.to_json()
    return answer
