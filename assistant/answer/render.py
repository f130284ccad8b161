"""Plain-terminal rendering of a shaped answer: the lead (bold on a terminal), then the
supporting points as a list. Used by ``assistant ask`` and ``assistant answer-sample``."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["terminal_answer", "markdown_answer"]

_BOLD, _RESET = "\033[1m", "\033[0m"


def terminal_answer(lead: str, points: Sequence[str], answer: str, *, bold: bool) -> str:
    if not lead:
        return answer
    head = f"{_BOLD}{lead}{_RESET}" if bold else lead
    return "\n".join([head, *(f"  - {p}" for p in points)])


def markdown_answer(lead: str, points: Sequence[str], answer: str) -> str:
    """For Markdown files (evals/answer-sample.md): bold lead, bulleted points. The text is
    the project's own corpus; ``*`` and ``_`` inside it are escaped so they stay literal."""
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")

    if not lead:
        return esc(answer)
    return "\n".join([f"**{esc(lead)}**", "", *(f"- {esc(p)}" for p in points)])
