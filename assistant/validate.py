"""Input checks shared by the CLI, the app and the library entry points."""

from __future__ import annotations

import unicodedata

from assistant.errors import QuestionError

__all__ = ["check_question"]


def check_question(question: object, max_chars: int) -> str:
    """Return the cleaned question or raise ``QuestionError`` with a one-line reason.

    Control characters (other than whitespace) are dropped rather than refused: they arrive by
    accident from copy and paste, and carry no meaning for retrieval.
    """
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    cleaned = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " "
                      for ch in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise QuestionError("the question is empty; type a question about the PMLE exam")
    if len(cleaned) > max_chars:
        raise QuestionError(f"the question is {len(cleaned):,} characters long, over the limit "
                            f"of {max_chars:,}; shorten it to the part you want answered")
    if not any(ch.isalnum() for ch in cleaned):
        raise QuestionError("the question has no words in it; type a question about the PMLE exam")
    return cleaned
