"""The BM25 leg of a generation: tokenisation (English stop words, Snowball stemming), and
building, saving and loading the ``bm25/`` folder of a generation."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

__all__ = ["tokenize_for_bm25", "build_bm25", "load_bm25"]

_STEMMER: Any = None
_STEMMER_LOCK = threading.Lock()


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        with _STEMMER_LOCK:
            if _STEMMER is None:
                import Stemmer

                _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


def tokenize_for_bm25(texts: list[str], *, as_ids: bool) -> Any:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False,
                          return_ids=as_ids)


def build_bm25(tokens: Any, folder: Path) -> None:
    """Index tokenised texts (``tokenize_for_bm25(..., as_ids=True)``) and save to ``folder``."""
    import bm25s

    bm25 = bm25s.BM25()
    bm25.index(tokens, show_progress=False)
    bm25.save(str(folder), show_progress=False)


def load_bm25(folder: Path) -> Any:
    import bm25s

    return bm25s.BM25.load(str(folder), show_progress=False)
