"""Follow-up questions: rewrite "and how does it differ from drift?" into a standalone query
before retrieval, without an LLM, by carrying the previous question's key terms."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer.text import STOPWORDS
from assistant.records import Turn

__all__ = ["rewrite_followup", "standalone_question", "topic_of"]

_CONNECTOR = re.compile(r"^\s*(and|but|also|so|then|ok(ay)?|what about|how about|what if|"
                        r"and what about|and how about|same for|compared to|versus|vs\.?)\b[\s,]*",
                        re.I)
_PRONOUN = re.compile(r"\b(it|its|this|that|these|those|they|them|their|one)\b", re.I)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-./]*")
_FILLER = STOPWORDS | {"s"}


def topic_of(question: str) -> str:
    """The question without its question words: the phrase a follow-up refers back to."""
    words = [w.strip(".-/") for w in _WORD.findall(question)]
    kept = [w for w in words if w and w.lower() not in _FILLER]
    return " ".join(kept)


def _is_followup(question: str) -> bool:
    content = [w for w in _WORD.findall(question) if w.lower() not in _FILLER]
    if _CONNECTOR.match(question):
        return True
    if _PRONOUN.search(question) and len(content) <= 3:
        return True
    return len(content) <= 1


def rewrite_followup(question: str, previous: str) -> str | None:
    """The standalone form of ``question`` given the previous standalone question, or None
    when ``question`` already stands on its own."""
    if not previous.strip() or not _is_followup(question):
        return None
    topic = topic_of(previous)
    if not topic:
        return None
    body = _CONNECTOR.sub("", question).strip()
    body = body[:1].upper() + body[1:] if body else body
    m = _PRONOUN.search(body)
    if m:
        word = m.group(1).lower()
        repl = f"{topic}'s" if word in ("its", "their") else topic
        return (body[:m.start()] + repl + body[m.end():]).strip()
    if not body:
        return topic
    return f"{body.rstrip('?')} ({topic})?" if body.endswith("?") else f"{body} ({topic})"


def standalone_question(question: str, history: Sequence[Turn],
                        max_chars: int | None = None) -> str | None:
    """Rewrite against the conversation so far; each earlier user turn is itself resolved
    first, so a chain of follow-ups keeps its topic.

    ``max_chars`` (the question length limit) bounds what is read of each earlier turn: a
    ``--history`` file is not checked like a question, and a 5 MB "earlier question" once
    became a 5 MB standalone query that took retrieval 20 s.
    """
    previous = ""
    for turn in history:
        content = turn.content if max_chars is None else turn.content[:max_chars]
        if turn.role != "user" or not content.strip():
            continue
        previous = rewrite_followup(content, previous) or content
        if max_chars is not None:
            previous = previous[:max_chars]  # a chain of rewrites grows by one topic each
    return rewrite_followup(question, previous) if previous else None
