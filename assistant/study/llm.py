"""Card writers: where question/answer drafts come from besides the extractive patterns.

An LLM backend (the same providers the answer composer uses, answer/llm_providers.py) proposes
cards for one passage. Nothing it writes is trusted: ``cards.cards_for_chunk`` anchors each
draft's quote in the passage and its answer in the quote (verify.py) and drops the rest, so an
LLM card carries the passage's own words exactly like an extractive one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from assistant.errors import AssistantError
from assistant.records import Chunk
from assistant.settings import Settings

__all__ = ["CardDraft", "CardWriter", "LLMCardWriter", "parse_drafts", "SYSTEM_PROMPT"]


@dataclass(frozen=True)
class CardDraft:
    front: str
    answer: str
    quote: str


@runtime_checkable
class CardWriter(Protocol):
    name: str

    def propose(self, chunk: Chunk) -> list[CardDraft]: ...


SYSTEM_PROMPT = (
    "You write flashcards for the Google Cloud Professional Machine Learning Engineer exam. "
    "Use only the passage you are given. For each card write exactly three lines:\n"
    "Q: a question a candidate should be able to answer\n"
    "A: the answer, a short phrase copied word for word from the passage\n"
    "QUOTE: the one sentence of the passage that contains the answer, copied word for word\n"
    "Write at most {n} cards and separate them with a blank line. Write nothing else.")

_FIELD = re.compile(r"^\W*(Q|A|QUOTE)\W*:\s*(.*)$", re.I)


def parse_drafts(text: str) -> list[CardDraft]:
    """Q:/A:/QUOTE: triples in model output; incomplete triples are dropped."""
    out: list[CardDraft] = []
    cur: dict[str, str] = {}
    for line in text.splitlines():
        m = _FIELD.match(line.strip())
        if not m:
            continue
        key, value = m.group(1).upper(), m.group(2).strip().strip("*").strip()
        if key == "Q" and cur:
            cur = {}
        cur[key] = value
        if {"Q", "A", "QUOTE"} <= cur.keys():
            out.append(CardDraft(cur["Q"], cur["A"], cur["QUOTE"]))
            cur = {}
    return out


class LLMCardWriter:
    """Asks the configured LLM backend for up to ``per_chunk`` cards per passage."""

    name = "llm"

    def __init__(self, settings: Settings, backend: Any = None, per_chunk: int = 3) -> None:
        self.settings = settings
        self._backend = backend
        self.per_chunk = per_chunk
        self.calls = 0  # passages sent to the model (for reports and tests)
        self.last_reply = ""  # the model's raw text for the last passage (for diagnosis)

    def backend(self) -> Any:
        if self._backend is None:
            from assistant.answer.llm_providers import build_backend

            self._backend = build_backend(self.settings)
        return self._backend

    def propose(self, chunk: Chunk) -> list[CardDraft]:
        from langchain_core.messages import HumanMessage, SystemMessage

        from assistant.answer.llm_providers import translate_error

        b = self.backend()
        system = SYSTEM_PROMPT.format(n=self.per_chunk)
        user = (f"Passage (section {chunk.section or '-'}, {chunk.heading or chunk.title}):\n"
                f"{chunk.text}\n\nCards:")
        messages = ([HumanMessage(f"{system}\n\n{user}")] if b.merge_system
                    else [SystemMessage(system), HumanMessage(user)])
        self.calls += 1
        # One generation at a time per loaded model (llama.cpp contexts are not thread-safe).
        with b.lock:
            try:
                reply = b.model.invoke(messages, **b.call_kwargs)
            except AssistantError:
                raise
            except Exception as err:  # provider exceptions vary; all end as one line
                raise translate_error(err, self.settings) from None
        content = getattr(reply, "content", reply)
        text = content if isinstance(content, str) else str(content)
        self.last_reply = text
        return parse_drafts(text)[: self.per_chunk]
