"""Sentence vectors for the extractive composer, built at ingest and read at query time.

The composer scores candidate sentences by meaning as well as by shared words. Embedding the
sentences of five passages per question would cost ~40 model calls; instead ingest embeds
every sentence of every chunk once (keyed by a content hash, through the same SQLite cache as
chunk vectors, so a re-ingest re-embeds only new sentences) and writes them beside the
generation as ``sentences.npy`` (float16, L2-normalised) plus ``sentences.json`` (hash -> row).
A question then costs one embedding: the query vector retrieval already computed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.rulefit import rule_pieces
from assistant.answer.text import split_sentences

__all__ = ["SentenceVectors", "sentence_key", "sentence_texts", "build_sentence_vectors",
           "SENTENCE_SCHEMA",
           "load_sentence_vectors", "MIN_WORDS", "unit_vector"]

MIN_WORDS = 4  # shorter pieces ("Trap:", a heading fragment) are never candidates
# What a generation's sentence vectors hold, recorded in its state.json: 1 = the sentences
# (a generation without the field), 2 = also the rule pieces of ``rulefit``. Ingest republishes
# an older generation even when no file changed, so an upgraded install gets the pieces.
SENTENCE_SCHEMA = 2
_VECTORS = "sentences.npy"
_KEYS = "sentences.json"


def unit_vector(v: np.ndarray | None) -> np.ndarray | None:
    """``v`` scaled to length 1 (float32), or None for no vector or a zero one."""
    if v is None:
        return None
    v = np.asarray(v, dtype=np.float32)
    n = float(np.linalg.norm(v))
    return v / n if n else None


def sentence_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def sentence_texts(chunk_texts: Iterable[str]) -> list[str]:
    """Unique candidate sentences of the given chunk texts, in first-seen order, each followed
    by the pieces of it that rules are matched on (``rulefit.rule_pieces``)."""
    seen: dict[str, None] = {}
    for text in chunk_texts:
        for s in split_sentences(text):
            if len(s.text.split()) >= MIN_WORDS:
                seen.setdefault(s.text, None)
                for piece in rule_pieces(s.text):  # a rule's condition, a cue's quotes
                    seen.setdefault(piece, None)
    return list(seen)


class SentenceVectors:
    """Read-only lookup of a generation's sentence vectors by sentence text."""

    def __init__(self, keys: dict[str, int], matrix: np.ndarray) -> None:
        self.keys = keys
        self.matrix = matrix

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, text: str) -> np.ndarray | None:
        row = self.keys.get(sentence_key(text))
        return None if row is None else self.matrix[row]


def build_sentence_vectors(gdir: Path, chunk_texts: Sequence[str], model_id: str,
                           embed: Callable[[list[str]], np.ndarray], cache: Any,
                           batch: int = 256) -> int:
    """Embed (or take from ``cache``) every sentence and write the generation's files.
    Returns the number of sentences embedded now (not found in the cache)."""
    from assistant.embed import EmbeddingCache

    texts = sentence_texts(chunk_texts)
    ckeys = [EmbeddingCache.key(model_id + "#sentence", t) for t in texts]
    have = cache.get_many(ckeys)
    todo = [i for i, k in enumerate(ckeys) if k not in have]
    for b in range(0, len(todo), batch):
        part = todo[b:b + batch]
        vecs = embed([texts[i] for i in part])
        cache.put_many([(ckeys[i], v) for i, v in zip(part, vecs)])
        for i, v in zip(part, vecs):
            have[ckeys[i]] = v
    dim = len(next(iter(have.values()))) if have else 0
    matrix = np.zeros((len(texts), dim), dtype=np.float16)
    for i, k in enumerate(ckeys):
        v = np.asarray(have[k], dtype=np.float32)
        n = float(np.linalg.norm(v)) or 1.0
        matrix[i] = (v / n).astype(np.float16)
    np.save(gdir / _VECTORS, matrix)
    (gdir / _KEYS).write_text(json.dumps([sentence_key(t) for t in texts]), encoding="utf-8")
    return len(todo)


_LOADED: dict[Path, SentenceVectors | None] = {}
_LOCK = threading.Lock()


def load_sentence_vectors(gdir: Path) -> SentenceVectors | None:
    """The generation's sentence vectors, loaded once per process; None for an index built
    before they existed (the composer then scores by words only)."""
    with _LOCK:
        if gdir in _LOADED:
            return _LOADED[gdir]
        out: SentenceVectors | None = None
        try:
            keys = json.loads((gdir / _KEYS).read_text(encoding="utf-8"))
            matrix = np.load(gdir / _VECTORS)
            if len(keys) == len(matrix):
                out = SentenceVectors({k: i for i, k in enumerate(keys)}, matrix)
        except (OSError, ValueError):
            out = None
        if len(_LOADED) > 8:
            _LOADED.clear()
        _LOADED[gdir] = out
        return out
