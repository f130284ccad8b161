"""The LLM composer: a langchain chat model writes the answer from the numbered passages, and
nothing it writes is shown as grounded until it has been checked.

Flow of one answer (``stream``):

1. ``prompts.build_prompt`` neutralises instruction-like text in the passages, delimits them as
   quoted data and keeps as many as fit the model's window (counted with its own tokenizer when
   the model runs in process).
2. The chat model streams; deltas go to the caller at once, with markers to passages that do
   not exist filtered out on the fly (``llm_check.MarkerFilter``).
3. ``llm_check.check_output`` checks the whole text: bad markers removed, markers the passage
   does not support removed, sentences with injected payload or without a citation dropped.
   The final ``Draft`` is authoritative; the streamed text is a preview of it.

Fallback when nothing cited survives (the model cited nothing, or only wrongly): the model's text
is kept, stripped of markers, under an explicit "Unverified" label, and below it the extractive
composer's sentences quoted from the same passages with their citations, under a "From the
material" label. The draft is ``grounded=False``, so every surface shows the warning. If the
model says the passages do not cover the question, the draft abstains instead (grounded or
silent).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

from assistant.answer.base import MARKER, Draft, TermStats
from assistant.answer.compose import ExtractiveComposer
from assistant.answer.llm_check import MarkerFilter, check_output, citations_for, is_abstention
from assistant.answer.llm_providers import Backend, build_backend, translate_error
from assistant.answer.prompts import Prompt, build_prompt
from assistant.errors import AssistantError
from assistant.records import Passage
from assistant.settings import Settings

__all__ = ["LLMComposer", "UNVERIFIED_LABEL", "FROM_MATERIAL_LABEL"]

log = logging.getLogger(__name__)

UNVERIFIED_LABEL = ("Unverified: the model's answer below cites no passage, so it is not backed "
                    "by the study material.")
FROM_MATERIAL_LABEL = "From the material (sentences quoted from the passages):"


class LLMComposer:
    """``Composer`` backed by a langchain chat model chosen by ``Settings.llm_provider``.

    ``backend`` lets a caller supply a ready ``Backend`` (tests use a double for the provider
    that cannot run here); otherwise it is built from settings on first use. Building is lazy so
    that constructing the Assistant stays cheap; ``warm_up()`` builds it eagerly (loads the GGUF,
    validates the endpoint settings) and raises ``ConfigError`` with one line on bad settings.
    """

    name = "llm"

    def __init__(self, settings: Settings, backend: Backend | None = None) -> None:
        self.settings = settings
        self._backend = backend
        # The latest prompt and raw model text, for debugging and tests (the app shares one
        # composer between sessions, so read them only right after your own call).
        self.last_prompt: Prompt | None = None
        self.last_raw: str = ""

    # --- lifecycle ---------------------------------------------------------------------------

    def warm_up(self) -> None:
        self.backend()

    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = build_backend(self.settings)
        return self._backend

    def describe(self) -> str:
        """One line for the CLI/app: which model answers. Never contains the API key."""
        return self.backend().label

    # --- answering ---------------------------------------------------------------------------

    def build_prompt(self, question: str, passages: Sequence[Passage]) -> Prompt:
        b = self.backend()
        return build_prompt(question, passages, b.count, b.window, self.settings.llm_max_tokens,
                            b.merge_system)

    def compose(self, question: str, passages: Sequence[Passage],
                stats: TermStats | None = None) -> Draft:
        draft: Draft | None = None
        for event in self.stream(question, passages, stats):
            if isinstance(event, Draft):
                draft = event
        assert draft is not None
        return draft

    def stream(self, question: str, passages: Sequence[Passage],
               stats: TermStats | None = None) -> Iterator[str | Draft]:
        if not passages:
            yield Draft("", [], abstained=True, notes=["no passages to answer from"])
            return
        b = self.backend()
        prompt = self.build_prompt(question, passages)
        self.last_prompt = prompt
        messages = _to_messages(prompt.messages(b.merge_system))
        live = MarkerFilter({p.rank for p in prompt.shown})
        parts: list[str] = []
        t0 = time.perf_counter()
        first: float | None = None
        # In process: one generation at a time per loaded model (the app serves several sessions
        # from one cached model). Remote providers: no lock.
        with b.lock:
            try:
                if b.before_call is not None:
                    b.before_call()
                for chunk in b.model.stream(messages, **b.call_kwargs):
                    delta = _text(chunk)
                    if not delta:
                        continue
                    if first is None:
                        first = time.perf_counter() - t0
                    parts.append(delta)
                    out = live.feed(delta)
                    if out:
                        yield out
            except AssistantError:
                raise
            except Exception as err:  # provider exceptions vary; all end as one line
                raise translate_error(err, self.settings) from None
        tail = live.flush()
        if tail:
            yield tail
        log.debug("llm %s: %d deltas, first after %.2fs, total %.2fs, prompt %d tokens",
                  b.provider, len(parts), first or 0.0, time.perf_counter() - t0, prompt.tokens)
        self.last_raw = "".join(parts)
        yield self.finish(question, self.last_raw, prompt, stats)

    def finish(self, question: str, raw: str, prompt: Prompt,
               stats: TermStats | None = None) -> Draft:
        """Check the model's full text and decide what is shown (see the module docstring)."""
        checked = check_output(raw, prompt.shown, question, prompt.payload)
        notes = list(prompt.notes) + checked.notes
        if checked.cited:
            return Draft(checked.text, citations_for(checked.cited, prompt.shown, checked.text),
                         notes=notes)
        if raw.strip() and is_abstention(checked.unverified):
            return Draft("", [], abstained=True,
                         notes=notes + ["the model said the passages do not answer the question"])
        unverified = re.sub(r"[ \t]+([.,;:!?])", r"\1",
                            re.sub(r"[ \t]{2,}", " ", MARKER.sub("", checked.unverified))).strip()
        fallback = ExtractiveComposer().compose(question, prompt.shown, stats)
        sections: list[str] = []
        if unverified:
            sections.append(f"{UNVERIFIED_LABEL}\n{unverified}")
            notes.append("the model's text has no valid citation: it is labelled unverified")
        else:
            notes.append("the model returned no usable text")
        if fallback.text and not fallback.abstained:
            sections.append(f"{FROM_MATERIAL_LABEL}\n{fallback.text}")
            notes.append("added cited sentences from the passages (extractive fallback)")
        if not sections:
            return Draft("", [], abstained=True, notes=notes)
        return Draft("\n\n".join(sections), list(fallback.citations), grounded=False, notes=notes)


def _to_messages(pairs: list[tuple[str, str]]) -> list[Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    return [SystemMessage(content) if role == "system" else HumanMessage(content)
            for role, content in pairs]


def _text(chunk: Any) -> str:
    content = getattr(chunk, "content", chunk)
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks (some providers)
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content or "")
