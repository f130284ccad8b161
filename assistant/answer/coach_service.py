"""Run the practice-question coach for the ``Assistant`` service: one function, so the service
only has to route a pasted multiple-choice question here (chat, CLI and eval share it)."""

from __future__ import annotations

import time
from typing import Any

from assistant.answer.coach import CoachPolicy, CoachResult, judge_options, retrieve_for
from assistant.answer.options import MCQ, parse_mcq
from assistant.records import Answer
from assistant.validate import check_question

__all__ = ["detect", "coach_answer", "MAX_PASSAGES"]

MAX_PASSAGES: int | None = None  # None: 6 plus 2 per option (see coach.retrieve_for)


def detect(question: object, max_chars: int) -> MCQ | None:
    """The pasted multiple-choice question, or ``None`` for an ordinary question. Raises
    ``QuestionError`` (one line) for an empty, over-long or unusable paste."""
    check_question(question, max_chars)  # same limits as any question
    assert isinstance(question, str)
    return parse_mcq(question)


def coach_answer(assistant: Any, mcq: MCQ, *, mode: Any = None, filters: Any = None,
                 policy: CoachPolicy | None = None) -> Answer:
    """Retrieve for the stem and every option, judge each option, and package the result as an
    ``Answer`` whose JSON carries ``options`` and ``choice`` next to the usual fields."""
    t0 = time.perf_counter()
    passages = retrieve_for(
        mcq, lambda q, k: assistant.retrieve(q, k=k, mode=mode, filters=filters), MAX_PASSAGES)
    t1 = time.perf_counter()
    snap = assistant.retriever.index.snapshot()
    result: CoachResult = judge_options(mcq, passages, snap, policy)
    question = mcq.stem + "\n\n" + "\n".join(f"{o.label}. {o.text}" for o in mcq.options)
    abstained = not result.citations
    notes = list(result.notes)
    notes.append(f"coach: {len(mcq.options)} options, choose {mcq.select}")
    answer = Answer(question, result.text, abstained, result.citations, passages, None,
                    "coach", notes=notes,
                    timings={"retrieve": t1 - t0, "answer": time.perf_counter() - t1})
    answer.mcq = result.to_json()
    return answer
