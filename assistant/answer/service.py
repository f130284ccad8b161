"""``Assistant``: question in, cited answer out. The one entry point the CLI, the app and the
eval harness share, so an answer is built the same way everywhere."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from assistant import syllabus
from assistant.answer.abstain import AbstainPolicy, Signals, abstention_text, signals
from assistant.answer.base import Composer, Draft
from assistant.answer.compose import ComposeContext
from assistant.answer.extractive import ScoredSentence, query_weights, score_sentences
from assistant.answer.followup import standalone_question
from assistant.answer.intake import screen
from assistant.answer.sentvec import SentenceVectors, load_sentence_vectors, unit_vector
from assistant.answer.shape import asks_about_names
from assistant.answer.text import split_sentences
from assistant.answer.twopart import asks
from assistant.errors import ConfigError
from assistant.records import Answer, Chunk, Citation, Passage, Turn
from assistant.retrieve import Filters, Mode, Retriever
from assistant.settings import Settings
from assistant.validate import check_question

__all__ = ["Assistant", "make_composer"]


def make_composer(settings: Settings) -> Composer:
    if settings.backend == "extractive":
        from assistant.answer.compose import ExtractiveComposer

        return ExtractiveComposer()
    if settings.backend == "llm":
        try:
            from assistant.answer.llm import LLMComposer
        except ImportError as err:
            raise ConfigError(f"the llm backend needs its extras ({err.name} is missing); "
                              "run: pip install -e '.[llm]'") from None
        return LLMComposer(settings)
    raise ConfigError(f"unknown backend '{settings.backend}'; use extractive or llm")


def _drop_repeats(lead: str, points: list[str]) -> tuple[list[str], int]:
    from assistant.answer.base import MARKER
    from assistant.answer.quality import repeats

    kept: list[str] = []
    seen = [MARKER.sub("", lead)]
    for p in points:
        plain = MARKER.sub("", p)
        if any(repeats(plain, s) for s in seen):
            continue
        kept.append(p)
        seen.append(plain)
    return kept, len(points) - len(kept)


def _best_cosine(scored: Sequence[ScoredSentence], ctx: ComposeContext | None) -> float | None:
    """The closest sentence by meaning to the question (cosine of the ingest-time sentence
    vectors with the query vector), for the abstention rule; None without vectors."""
    if ctx is None or ctx.sentences is None or ctx.query_vector is None:
        return None
    q = unit_vector(ctx.query_vector)
    if q is None:
        return None
    best: float | None = None
    for s in scored:
        v = ctx.sentences.get(s.sentence.text)
        if v is not None:
            c = float(np.asarray(v, dtype=np.float32) @ q)
            best = c if best is None else max(best, c)
    return best


class Assistant:
    def __init__(self, settings: Settings, retriever: Retriever | None = None,
                 composer: Composer | None = None, policy: AbstainPolicy | None = None) -> None:
        self.settings = settings
        self.retriever = retriever or Retriever(settings)
        self.composer = composer or make_composer(settings)
        self.policy = policy or AbstainPolicy()
        self._ordinals: tuple[Any, dict[tuple[str, int], Chunk]] | None = None

    def warm_up(self) -> None:
        self.retriever.warm_up()
        self.composer.warm_up()

    # --- the pipeline, in steps the eval harness can time separately ----------------------

    def prepare(self, question: str, history: Sequence[Turn] = ()) -> tuple[str, str | None]:
        q = check_question(question, self.settings.max_question_chars)
        return q, standalone_question(q, history, self.settings.max_question_chars)

    def retrieve(self, query: str, *, k: int | None = None, mode: Mode | None = None,
                 filters: Filters | None = None) -> list[Passage]:
        return self.retriever.search(query, k=k, mode=mode, filters=filters)

    def judge(self, query: str, passages: list[Passage],
              ctx: ComposeContext | None = None) -> Signals:
        snap = self.retriever.index.snapshot()
        sig = signals(query, passages, snap, snap.df, has_phrase=snap.has_phrase,
                      knows_name=snap.knows_name)
        if passages:
            scored = score_sentences(query, passages, query_weights(query, snap))
            sig = dataclasses.replace(sig, best_sentence=max((s.coverage for s in scored),
                                                             default=0.0),
                                      best_sem=_best_cosine(scored, ctx))
        return sig

    def ask(self, question: str, *, history: Sequence[Turn] = (), k: int | None = None,
            mode: Mode | None = None, filters: Filters | None = None) -> Answer:
        answer: Answer | None = None
        for event in self.stream(question, history=history, k=k, mode=mode, filters=filters):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def stream(self, question: str, *, history: Sequence[Turn] = (), k: int | None = None,
               mode: Mode | None = None, filters: Filters | None = None) -> Iterator[str | Answer]:
        """Yield answer text deltas as the composer produces them, then the final ``Answer``.
        A pasted multiple-choice question goes to the practice-question coach instead."""
        from assistant.answer.coach_service import coach_answer, detect

        mcq = detect(question, self.settings.max_question_chars)
        if mcq is not None:
            coached = coach_answer(self, mcq, mode=mode, filters=filters)
            yield coached.answer
            yield coached
            return
        t0 = time.perf_counter()
        q, standalone = self.prepare(question, history)
        screened = screen(question)  # the raw text: line breaks tell a list or code apart
        if screened.reply is not None:
            yield screened.reply
            yield self._reply(q, screened.reply)
            return
        if screened.question != q:  # a code snippet with a question: answer the prose
            q, standalone = self.prepare(screened.question, history)
        passages = self.retrieve(standalone or q, k=k, mode=mode, filters=filters)
        retrieve_s = time.perf_counter() - t0
        for event in self.compose_stream(q, standalone, passages):
            if isinstance(event, Answer):
                event.timings["retrieve"] = retrieve_s
            yield event

    def answer_from(self, question: str, standalone: str | None,
                    passages: list[Passage]) -> Answer:
        """Compose from passages retrieved elsewhere (the eval harness retrieves once for
        both its retrieval metrics and the answer)."""
        answer: Answer | None = None
        for event in self.compose_stream(question, standalone, passages):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def compose_stream(self, q: str, standalone: str | None,
                       passages: list[Passage]) -> Iterator[str | Answer]:
        t1 = time.perf_counter()
        screened = screen(q)
        if screened.reply is not None:
            yield screened.reply
            yield self._reply(q, screened.reply)
            return
        query = self.retriever.normalize(standalone or q)
        ctx = self.context(query)
        sig = self.judge(query, passages, ctx)
        timings: dict[str, float] = {}
        if self.policy.abstain(sig):
            text = abstention_text(passages, q, sig.unknown_names)
            yield text
            timings["answer"] = time.perf_counter() - t1
            yield Answer(q, text, True, [], passages, standalone, self.composer.name,
                         notes=[f"abstained: {sig.to_json()}"], timings=timings, lead=text)
            return
        draft: Draft | None = None
        # The LLM's prompt stays the top k; the extractive composer also reads section openings.
        read = self.with_section_openings(passages) if self.composer.name == "extractive" \
            else passages
        for event in self.composer.stream(query, read, ctx):
            if isinstance(event, Draft):
                draft = event
            else:
                yield event
        assert draft is not None
        if draft.abstained or not draft.text.strip():
            text = abstention_text(passages, q)
            yield text
            timings["answer"] = time.perf_counter() - t1
            yield Answer(q, text, True, [], passages, standalone, self.composer.name,
                         notes=draft.notes, timings=timings, lead=text)
            return
        # A section opening the answer quotes joins the passages, after the top k (its rank
        # is its marker), so every citation still points at a listed passage.
        cited = {c.chunk.id for c in draft.citations}
        passages = passages + [p for p in read[len(passages):] if p.chunk.id in cited]
        # A list the lead announces at the end of its chunk is quoted from the next chunk,
        # which the composer looked up itself (continuation.announced_items).
        have = {p.chunk.id for p in passages}
        passages = passages + [Passage(c.chunk, c.n, 0.0) for c in draft.citations
                               if c.chunk.id not in have]
        lead, points = self._shape(draft)
        if not draft.lead:  # an LLM's text: the same no-repeat check the extractive path has
            points, dropped = _drop_repeats(lead, points)
            if dropped:
                draft.notes.append(f"removed {dropped} sentence(s) repeating an earlier one")
        draft.lead, draft.points = lead, points
        draft.text = " ".join([lead, *points])
        lead, points, citations, notes = self._version_notes(standalone or q, draft, passages)
        text = " ".join([lead, *points])
        timings["answer"] = time.perf_counter() - t1
        yield Answer(q, text, False, citations, passages, standalone, self.composer.name,
                     grounded=draft.grounded, notes=draft.notes + notes, timings=timings,
                     lead=lead, points=points)

    def with_section_openings(self, passages: list[Passage], top: int = 3) -> list[Passage]:
        """The passages plus, for each of the top ones that continues a section, the chunk
        that opens it (when not retrieved too): a long section is split into chunks, and the
        retrieved tail ("Choose fixes only after measuring ...") often depends on its head
        ("the first step is to split the time into parts ... network time falls when ...").
        Only the composer reads them; they are cited as passages k+1, k+2, ..."""
        if not passages:
            return passages
        by_pos = self._positions(self.retriever.index.snapshot())
        if not by_pos:
            return passages
        have = {p.chunk.id for p in passages}
        out = list(passages)
        for p in passages[:top]:
            prev = by_pos.get((p.chunk.source, p.chunk.ordinal - 1))
            if prev is None or prev.id in have or prev.heading_path != p.chunk.heading_path:
                continue
            have.add(prev.id)
            out.append(Passage(prev, len(out) + 1, p.score, via=p.rank))
        return out

    def _positions(self, snap: Any) -> dict[tuple[str, int], Chunk]:
        """(source, ordinal) -> chunk for a snapshot, built once per generation; empty for an
        index that does not list its chunks."""
        chunks = getattr(snap, "chunks", None)
        if not chunks:
            return {}
        if self._ordinals is None or self._ordinals[0] is not snap:
            self._ordinals = (snap, {(c.source, c.ordinal): c for c in chunks})
        return self._ordinals[1]

    def _reply(self, q: str, text: str) -> Answer:
        """Input that is not a question about the material: one line, no passages."""
        return Answer(q, text, True, [], [], None, self.composer.name, lead=text,
                      notes=["input: not a question about the material"])

    def sentence_vectors(self, generation: str) -> SentenceVectors | None:
        """A generation's sentence vectors (built at ingest, loaded once per process), or None
        for an index without them or one that is not on local disk."""
        root = getattr(self.retriever.index, "root", None)
        return load_sentence_vectors(root / generation) if root is not None else None

    def context(self, query: str) -> ComposeContext:
        """Term statistics, the query's vector (cached by the embedder: retrieval already
        computed it) and the generation's sentence vectors, for the composer."""
        snap = self.retriever.index.snapshot()
        vectors = self.sentence_vectors(snap.generation)
        qvec = None
        clauses = None
        second = None
        if vectors is not None:
            try:
                qvec = self.retriever.embedder.embed_query(query)
                # A scenario's sentences each state one fact or constraint; their own
                # vectors let the composer see a sentence that restates one of them.
                parts = [x.text for x in split_sentences(query)]
                # A question that asks two things: its second ask, in the same batch.
                pair = asks(query)
                extra = [pair[1]] if pair else []
                if len(parts) >= 2 or extra:
                    out = self.retriever.embedder.embed_documents(parts + extra)
                    if extra:
                        second = np.asarray(out[-1], dtype=np.float32)
                        out = out[:-1]
                    clauses = out if len(parts) >= 2 else None
            except Exception:  # noqa: BLE001 - semantic scoring is a refinement, not required
                clauses = None  # the whole-question vector, if it came back, is still used
        by_pos = self._positions(snap)
        return ComposeContext(snap, qvec, vectors, clauses, second,
                              chunk_at=lambda source, ordinal: by_pos.get((source, ordinal)))

    def vectorizer(self) -> Callable[[str], np.ndarray | None]:
        """Text -> vector for the eval's quality metrics: the ingest-time sentence vectors when
        the text is a corpus sentence, else one embedding (cached)."""
        vectors = self.sentence_vectors(self.retriever.index.snapshot().generation)
        cache: dict[str, np.ndarray | None] = {}

        def vec(text: str) -> np.ndarray | None:
            if text in cache:
                return cache[text]
            v = vectors.get(text) if vectors is not None else None
            if v is None:
                try:
                    v = self.retriever.embedder.embed_query(text)
                except Exception:  # noqa: BLE001 - the metric falls back to words
                    v = None
            cache[text] = None if v is None else np.asarray(v, dtype=np.float32)
            return cache[text]

        return vec

    @staticmethod
    def _shape(draft: Draft) -> tuple[str, list[str]]:
        """The lead and points of a draft; a composer that gives only text (the LLM path) is
        split into its first sentence and the rest, each keeping its markers."""
        if draft.lead:
            return draft.lead, list(draft.points)
        from assistant.evals import cited_sentences

        pieces = cited_sentences(draft.text)
        if not pieces:
            return draft.text.strip(), []
        parts: list[str] = []
        for sentence, nums in pieces:
            # "... [1]. Next sentence": the full stop after a marker closes the previous part.
            m = re.match(r"^([.,;:!?]+)\s*", sentence)
            if m and parts:
                parts[-1] += m.group(1)
                sentence = sentence[m.end():]
            if sentence:
                parts.append(f"{sentence} " + " ".join(f"[{n}]" for n in nums))
        # Text after the last marker (an uncited closing sentence) stays, as its own point.
        tail = re.split(r"(?:\s*(?<![\w`])\[\d{1,3}\])+", draft.text)[-1].strip()
        m = re.match(r"^([.,;:!?]+)\s*", tail)
        if m and parts:
            parts[-1] += m.group(1)
            tail = tail[m.end():]
        if tail:
            parts.append(tail)
        if not parts:
            return draft.text.strip(), []
        return parts[0], parts[1:]

    # --- version awareness ------------------------------------------------------------------

    def _version_notes(self, query: str, draft: Draft, passages: list[Passage]
                       ) -> tuple[str, list[str], list[Citation], list[str]]:
        """Label statements from an older guide; when the question is about a product's name,
        add its other name (with a citation to the passage that states the rename)."""
        parts = [draft.lead, *draft.points]
        citations = list(draft.citations)
        notes: list[str] = []
        current = syllabus.CURRENT_VERSION
        for c in citations:
            v = c.chunk.guide_version
            if v and v != current and v in syllabus.GUIDES:
                label = syllabus.GUIDES[v].label
                marker = f"[{c.n}]"
                for i, part in enumerate(parts):
                    if marker in part and f"({label})" not in part:
                        parts[i] = re.sub(re.escape(marker), f"{marker} ({label})", part, count=1)
                        break
        if asks_about_names(query):
            rename = self._rename_sentence(query + " " + draft.text, passages, citations)
            if rename is not None:
                sentence, citation = rename
                if sentence not in draft.text:
                    if all(c.n != citation.n for c in citations):
                        citations.append(citation)
                    parts.append(f"Naming: {sentence} [{citation.n}]")
                    notes.append("added the product's name in the other guide version")
        citations.sort(key=lambda c: c.n)
        return parts[0], parts[1:], citations, notes

    def _rename_sentence(self, text: str, passages: list[Passage],
                         citations: list[Citation]) -> tuple[str, Citation] | None:
        from assistant.answer.text import split_sentences

        for product in syllabus.PRODUCTS:
            names = (product.name, *product.former)
            mentioned = [n for n in names if re.search(r"\b" + re.escape(n) + r"\b", text, re.I)]
            if not mentioned or product.name == "Vertex AI":
                continue
            # Only the specific product renames (not the umbrella "Vertex AI" alone).
            if mentioned == ["Vertex AI"] or mentioned == ["Agent Platform"]:
                continue
            others = [n for n in (product.name, product.former[0]) if n not in mentioned]
            if not others:
                continue
            for p in passages:
                for s in split_sentences(p.chunk.text):
                    if all(re.search(re.escape(n), s.text, re.I)
                           for n in (product.name, product.former[0])):
                        return s.text, Citation(p.rank, p.chunk, s.text)
        return None
