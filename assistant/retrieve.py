"""Retrieval: dense (Chroma), BM25 (bm25s), and their fusion, with metadata filters.

Both legs read the same immutable snapshot, so a hybrid result never mixes generations.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import Stemmer

from assistant import syllabus
from assistant.embed import Embedder, SentenceTransformerEmbedder
from assistant.index import Index, Snapshot, count_words, is_not_found, tokenize_for_bm25
from assistant.records import Passage
from assistant.settings import Settings

__all__ = ["Filters", "Retriever", "Mode", "rrf_fuse", "normalize_query"]

Mode = Literal["dense", "bm25", "hybrid"]

_NORMALIZED_CACHE = 2048


@dataclass(frozen=True)
class Filters:
    domain: int | None = None
    section: str | None = None
    source: str | None = None  # exact path, or a folder prefix ("corpus/domain-3/")

    def active(self) -> bool:
        return self.domain is not None or bool(self.section) or bool(self.source)

    def mask(self, snap: Snapshot) -> np.ndarray | None:
        if not self.active():
            return None
        m = np.ones(len(snap), dtype=bool)
        if self.domain is not None:
            m &= snap.domains == self.domain
        if self.section:
            m &= snap.sections == self.section
        if self.source:
            m &= np.array([s == self.source or s.startswith(self.source.rstrip("/") + "/")
                           for s in snap.sources], dtype=bool)
        return m

    def where(self, snap: Snapshot) -> dict[str, Any] | None:
        """The same filter in Chroma's ``where`` syntax."""
        clauses: list[dict[str, Any]] = []
        if self.domain is not None:
            clauses.append({"domain": self.domain})
        if self.section:
            clauses.append({"section": self.section})
        if self.source:
            matches = sorted({s for s in snap.sources
                              if s == self.source or s.startswith(self.source.rstrip("/") + "/")})
            clauses.append({"source": {"$in": matches or [self.source]}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def rrf_fuse(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion. k=60 is the constant of Cormack et al. (2009): large enough that
    the first few ranks of each list do not drown the rest, and it needs no score calibration
    between a cosine leg and a BM25 leg whose scales have nothing in common."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (k + rank)
    return scores


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")


class _Vocabulary:
    """Words of the indexed text, for mending misspelled product names in queries."""

    def __init__(self, snap: Snapshot, dictionary: Callable[[str], bool] | None = None) -> None:
        words = snap.words or count_words(snap.chunks)
        self.words = words
        # Words the embedding model's WordPiece vocabulary holds whole are real English words
        # ("parking"); only other words ("vertx", "piplines") are treated as misspellings.
        # Otherwise a question about an uncovered topic would be "corrected" into a covered one.
        self.is_dictionary_word = dictionary or (lambda _w: False)
        # An inflected form of a corpus word is a real word too: "expires" (the corpus has
        # "expiration") must not become "express", nor "recertify" become "recertifying".
        self._stemmer = Stemmer.Stemmer("english")
        self._stem_lock = threading.Lock()  # PyStemmer objects are not documented as thread-safe
        self.stems = frozenset(self._stemmer.stemWords(list(words)))
        self.by_initial: dict[str, list[str]] = {}
        for w in words:
            if len(w) >= 4:
                self.by_initial.setdefault(w[0], []).append(w)

    def correct(self, word: str) -> str:
        lw = word.lower()
        if len(lw) < 5 or lw in self.words or self.is_dictionary_word(lw):
            return word
        with self._stem_lock:
            if self._stemmer.stemWord(lw) in self.stems:
                return word
        pool = self.by_initial.get(lw[0], [])
        best = difflib.get_close_matches(lw, pool, n=1, cutoff=0.84)
        return best[0] if best else word


# Abbreviations a candidate types that the material spells out: a rate in requests per second is
# "throughput" there, and "50 ms" is "50 milliseconds". Without this, "QPS" is a word no
# document has, and the question reads as uncovered.
_SPELLED_OUT = ((re.compile(r"\b(?:QPS|RPS)\b", re.I), "throughput (requests per second)"),
                (re.compile(r"(?<=\d)\s?ms\b"), " milliseconds"),
                # "make sure" is "ensure" there; "sure" alone is a rare word that would count
                # as an uncovered topic. "rerun" is written "re-run".
                (re.compile(r"\bmak(?:e|es|ing) sure\b", re.I), "ensure"),
                (re.compile(r"\breruns?\b", re.I), "re-run"))


def normalize_query(query: str, vocab: _Vocabulary | None = None,
                    expand_aliases: bool = False) -> str:
    """Mend the query before both legs see it.

    - Spell out what the material spells out: "QPS"/"RPS" as throughput, "50 ms" as
      milliseconds, "make sure" as "ensure", "rerun" as "re-run".
    - Split words the corpus writes as one ("big query" -> "bigquery", "auto ml" -> "automl").
    - Correct words the corpus never uses to a close one it does ("vertx" -> "vertex").
    - Optionally add the other names of every product mentioned (Cloud Composer <-> Managed
      Service for Apache Airflow). Off by default: the shipped corpus names both in every
      section, and on evals/pmle.jsonl the expansion lowered hybrid MRR@10 from 0.793 to 0.780
      (it dilutes the query); user documents that use one name only may want it on.
    """
    text = " ".join(query.split())
    for pattern, spelled in _SPELLED_OUT:
        text = pattern.sub(spelled, text)
    if vocab is not None:
        words = text.split(" ")
        merged: list[str] = []
        i = 0
        while i < len(words):
            if i + 1 < len(words):
                a = re.sub(r"\W", "", words[i].lower())
                b = re.sub(r"\W", "", words[i + 1].lower())
                if a and b and (a + b) in vocab.words and vocab.words[a + b] >= 3:
                    merged.append(a + b)
                    i += 2
                    continue
            merged.append(words[i])
            i += 1
        text = " ".join(_WORD.sub(lambda m: vocab.correct(m.group(0)), w) for w in merged)
    extra = syllabus.alias_expansions(text) if expand_aliases else []
    if extra:
        text = f"{text} ({'; '.join(extra)})"
    return text


class Retriever:
    """Thread-safe; one per process is enough (the app caches it with st.cache_resource)."""

    def __init__(self, settings: Settings, index: Index | None = None,
                 embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.index = index or Index(settings)
        self.embedder = embedder or SentenceTransformerEmbedder(
            settings.embedding_model, settings.embedding_backend,
            onnx_cache=settings.index_dir / "onnx")
        self._vocab: tuple[str, _Vocabulary] | None = None
        self._vocab_lock = threading.Lock()
        # Normalised queries per generation: an ask normalises the same text twice (retrieval,
        # then the composer and the abstention rule), and users repeat questions.
        self._normalized: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._normalized_lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model and the snapshot now, so the first question does not pay for them."""
        self.embedder.warm_up()
        snap = self.index.snapshot()
        self.vocabulary(snap)
        self.embedder.embed_query("warm up")

    def vocabulary(self, snap: Snapshot) -> _Vocabulary:
        cached = self._vocab
        if cached is not None and cached[0] == snap.generation:
            return cached[1]
        with self._vocab_lock:
            if self._vocab is None or self._vocab[0] != snap.generation:
                self._vocab = (snap.generation, _Vocabulary(snap, self._dictionary()))
            return self._vocab[1]

    def normalize(self, query: str) -> str:
        """The query as both legs see it (spelling mended, words joined); the answer composer
        and the abstention rule read the same text."""
        snap = self.index.snapshot()
        if not len(snap):
            return query
        return self._normalize(snap, query)

    def _normalize(self, snap: Snapshot, query: str) -> str:
        key = (snap.generation, query)
        with self._normalized_lock:
            hit = self._normalized.get(key)
            if hit is not None:
                self._normalized.move_to_end(key)
                return hit
        text = normalize_query(query, self.vocabulary(snap), self.settings.expand_aliases)
        with self._normalized_lock:
            self._normalized[key] = text
            if len(self._normalized) > _NORMALIZED_CACHE:
                self._normalized.popitem(last=False)
        return text

    def clear_caches(self) -> None:
        """Forget normalised queries and cached query vectors (the benchmark measures
        uncached questions; nothing else needs this)."""
        with self._normalized_lock:
            self._normalized.clear()
        clear = getattr(self.embedder, "clear_query_cache", None)
        if clear is not None:
            clear()

    def _dictionary(self) -> Callable[[str], bool]:
        from tokenizers import Tokenizer

        from assistant.embed import resolve_model_dir

        model_dir = getattr(self.embedder, "model_dir", None) or \
            resolve_model_dir(self.settings.embedding_model)
        # The vocabulary only; not via assistant.ingest, whose import (langchain's splitters)
        # costs a fifth of a second of every cold start.
        tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        return lambda w: tok.token_to_id(w) is not None

    def search(self, query: str, *, k: int | None = None, mode: Mode | None = None,
               filters: Filters | None = None) -> list[Passage]:
        try:
            return self._search(query, k, mode, filters, self.index.snapshot())
        except Exception as err:  # noqa: BLE001
            if not is_not_found(err):
                raise
            # The collection was dropped by an ingest two generations on: reload and retry once.
            return self._search(query, k, mode, filters, self.index.refresh())

    def _search(self, query: str, k: int | None, mode: Mode | None, filters: Filters | None,
                snap: Snapshot) -> list[Passage]:
        k = k or self.settings.k
        mode = mode or self.settings.retrieval_mode
        filters = filters or Filters()
        if not len(snap):
            return []
        text = self._normalize(snap, query)
        n = min(max(self.settings.candidates, k), len(snap))
        dense: list[tuple[int, float]] = []
        sparse: list[tuple[int, float]] = []
        qvec = None
        if mode in ("dense", "hybrid"):
            qvec = self.embedder.embed_query(text)
            dense = self._dense(snap, qvec, n, filters)
        if mode in ("bm25", "hybrid"):
            sparse = self._bm25(snap, text, n, filters)
        exact: dict[int, float] = {}
        if mode == "hybrid" and qvec is not None:
            dense, exact = self._complete_dense(snap, qvec, dense, sparse, n)

        # Cosines computed for BM25 candidates that stayed out of the dense leg are still each
        # passage's dense score: _fill_dense_scores need not fetch their vectors again.
        dense_of = exact | dict(dense)
        bm25_of = dict(sparse)
        if mode == "dense":
            ranked = dense[:k]
        elif mode == "bm25":
            ranked = sparse[:k]
        else:
            ranked = self._fuse(dense, sparse)[:k]
        passages = []
        for rank, (i, score) in enumerate(ranked, start=1):
            passages.append(Passage(chunk=snap.chunks[i], rank=rank, score=float(score),
                                    dense_score=dense_of.get(i), bm25_score=bm25_of.get(i)))
        if qvec is not None:
            passages = self._fill_dense_scores(snap, qvec, passages)
        return passages

    def _dense(self, snap: Snapshot, qvec: np.ndarray, n: int,
               filters: Filters) -> list[tuple[int, float]]:
        res = self.index.store.call(snap.collection.query, query_embeddings=[qvec],
                                    n_results=n, where=filters.where(snap),
                                    include=["distances"])
        out = []
        for cid, dist in zip(res["ids"][0], res["distances"][0]):
            i = snap.by_id.get(cid)
            if i is not None:
                out.append((i, 1.0 - float(dist)))  # cosine distance -> similarity
        return out

    def _cosines(self, snap: Snapshot, qvec: np.ndarray, ids: list[str]) -> dict[str, float]:
        """Exact cosine of the query with each chunk's stored vector, by chunk id."""
        got = self.index.store.call(snap.collection.get, ids=ids, include=["embeddings"])
        return {cid: float(np.dot(qvec, np.asarray(v, dtype=np.float32)))
                for cid, v in zip(got["ids"], got["embeddings"])}

    def _complete_dense(self, snap: Snapshot, qvec: np.ndarray, dense: list[tuple[int, float]],
                        sparse: list[tuple[int, float]], n: int
                        ) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """The dense top-n, made exact for the BM25 candidates, and every cosine computed.

        HNSW search is approximate, and Chroma rebuilds its graph on each load in a way that
        is not deterministic: the tail of the dense top-n differs from one process to the
        next. A BM25 candidate that belongs in the dense top-n but fell off that tail would
        lose its dense share in the fusion, and the same question would rank its passages
        differently from run to run. The cosine of each BM25 candidate HNSW did not return is
        computed from its stored vector (one ``get`` per query); it joins the dense leg when
        it reaches the leg's n-th score, as an exact search would have ranked it."""
        have = {i for i, _ in dense}
        missing = [snap.chunks[i].id for i, _ in sparse if i not in have]
        if not missing or not dense:
            return dense, {}
        floor = dense[-1][1] if len(dense) >= n else -1.0  # a short leg returned everything
        exact = {snap.by_id[cid]: sim for cid, sim in self._cosines(snap, qvec, missing).items()
                 if cid in snap.by_id}
        extra = [(i, sim) for i, sim in exact.items() if sim >= floor]
        return sorted(dense + extra, key=lambda p: (-p[1], p[0]))[:n], exact

    def _bm25(self, snap: Snapshot, text: str, n: int, filters: Filters) -> list[tuple[int, float]]:
        tokens = tokenize_for_bm25([text], as_ids=False)[0]
        if not tokens or snap.bm25 is None:
            return []
        scores = snap.bm25.get_scores(tokens)
        mask = filters.mask(snap)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def _fuse(self, dense: list[tuple[int, float]],
              sparse: list[tuple[int, float]]) -> list[tuple[int, float]]:
        s = self.settings
        if s.fusion == "rrf":
            fused = rrf_fuse([[str(i) for i, _ in dense], [str(i) for i, _ in sparse]], s.rrf_k)
            pairs = [(int(i), v) for i, v in fused.items()]
        else:
            top_sparse = max((v for _, v in sparse), default=0.0) or 1.0
            combined: dict[int, float] = {}
            for i, v in dense:
                combined[i] = combined.get(i, 0.0) + s.hybrid_dense_weight * v
            for i, v in sparse:
                combined[i] = combined.get(i, 0.0) + (1 - s.hybrid_dense_weight) * v / top_sparse
            pairs = list(combined.items())
        # Ties broken by chunk order so that results are deterministic.
        pairs.sort(key=lambda p: (-p[1], p[0]))
        return pairs

    def _fill_dense_scores(self, snap: Snapshot, qvec: np.ndarray,
                           passages: list[Passage]) -> list[Passage]:
        """Cosine similarity for passages only the BM25 leg found: the answer composer's
        abstention rule reads it for every passage."""
        missing = [p.chunk.id for p in passages if p.dense_score is None]
        if not missing:
            return passages
        sims = self._cosines(snap, qvec, missing)
        return [p if p.dense_score is not None else
                Passage(p.chunk, p.rank, p.score, sims.get(p.chunk.id), p.bm25_score)
                for p in passages]
