"""Process-wide resources: settings, the embedding model, retriever, assistant, SQLite store.

Streamlit reruns the page script on every click; everything expensive is built once per
process here (``st.cache_resource``) and shared by all browser sessions. The objects are
thread-safe (each session's script runs in its own thread): the retriever reads immutable
index snapshots, and the store opens one SQLite connection per thread.

Cache keys are the settings that shape each object, so a test (or a settings change) with
another index directory gets its own retriever, while the model itself is loaded only once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.settings import Settings, get_settings

__all__ = ["settings", "embedder", "retriever", "assistant", "store", "study_store",
           "study_cards", "snapshot", "ensure_index", "index_ready", "run_ingest", "accounts",
           "raw_stores"]

# Fields that change the answer composer only: switching backend must not reload the index.
_COMPOSER_FIELDS = {"backend", "llm_provider", "llm_base_url", "llm_api_key", "llm_model",
                    "llm_model_path", "llm_temperature", "llm_max_tokens", "llm_timeout_s"}


def settings() -> Settings:
    """The process's settings (read once from env / assistant.toml)."""
    return get_settings()


def _key(s: Settings, exclude: set[str] | None = None) -> str:
    dumped = s.model_dump_json(exclude=exclude or set())
    return hashlib.sha1(dumped.encode()).hexdigest()


@st.cache_resource(show_spinner=False)
def _embedder(model: str, backend: str, _onnx_cache: Path) -> Any:
    from assistant.embed import SentenceTransformerEmbedder

    e = SentenceTransformerEmbedder(model, backend, onnx_cache=_onnx_cache)
    e.warm_up()
    return e


def embedder(s: Settings) -> Any:
    """The embedding model, loaded once per process (ingest and retrieval share it)."""
    return _embedder(s.embedding_model, s.embedding_backend, s.index_dir / "onnx")


@st.cache_resource(show_spinner=False)
def _retriever(key: str, _s: Settings) -> Any:
    from assistant.retrieve import Retriever

    r = Retriever(_s, embedder=embedder(_s))
    r.warm_up()  # loads the snapshot and the spelling vocabulary now, not at the first question
    return r


def retriever(s: Settings) -> Any:
    return _retriever(_key(s, _COMPOSER_FIELDS), s)


@st.cache_resource(show_spinner=False)
def _assistant(key: str, _s: Settings) -> Any:
    from assistant.answer import Assistant

    a = Assistant(_s, retriever=retriever(_s))
    a.composer.warm_up()
    return a


def assistant(s: Settings, backend: str | None = None) -> Any:
    """The answering service for a backend ("extractive" or "llm"); built and warmed once."""
    if backend and backend != s.backend:
        s = s.model_copy(update={"backend": backend})
    return _assistant(_key(s), s)


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Any:
    from assistant.store import Store

    return Store(path)


def store(s: Settings) -> Any:
    return _store(s.store_location)


@st.cache_resource(show_spinner=False)
def _study_store(path: str) -> Any:
    from assistant.study import StudyStore

    return StudyStore(_store(path))


def study_store(s: Settings) -> Any:
    return _study_store(s.store_location)


@st.cache_resource(show_spinner=False)
def _raw_stores(path: str) -> dict[str, Any]:
    from assistant.study.exam import ExamStore
    from assistant.study.plan import PlanStore
    from assistant.study.practice_history import PracticeHistory

    store, study = _store(path), _study_store(path)
    return {"study": study, "exams": ExamStore(store, study), "plans": PlanStore(store),
            "practice": PracticeHistory(store)}


def raw_stores(s: Settings) -> dict[str, Any]:
    """The study, exam, plan and practice stores of the process (their tables migrated once),
    for ``access.Scope`` to wrap per signed-in user."""
    return _raw_stores(s.store_location)


@st.cache_resource(show_spinner=False)
def _accounts(path: str) -> Any:
    from assistant.accounts import Accounts

    return Accounts(_store(path))


def accounts(s: Settings) -> Any:
    """Accounts, sign-in and sessions (auth = "required")."""
    return _accounts(s.store_location)


@st.cache_resource(show_spinner=False, max_entries=4)
def _synced_cards(store_path: str, key: str, generation: str, practice_dir: str,
                  _snap: Any) -> list[Any]:
    # The curated deck first, then the generated cards (which wait in each candidate's inbox
    # until accepted); cards the index no longer yields stop being served.
    return list(_study_store(store_path).sync_index_cards(_snap, Path(practice_dir)))


def study_cards(s: Settings) -> list[Any]:
    """All flashcards of the current index generation, synced into the study tables once per
    generation and process (reviews and progress read them from there)."""
    snap = retriever(s).index.snapshot()
    return _synced_cards(s.store_location, _key(s, _COMPOSER_FIELDS), snap.generation,
                         str(s.practice_dir), snap)


def snapshot(s: Settings) -> Any:
    """The current index generation (cheap: one stat when nothing changed)."""
    return retriever(s).index.snapshot()


# --- the index ---------------------------------------------------------------------------

# One ingest per process at a time; sessions opened during a first-start build wait for it
# instead of starting their own (ingest's file lock would serialise them anyway, but then the
# waiting session would show a frozen progress bar).
_INGEST_LOCK = threading.Lock()


def index_ready(s: Settings) -> bool:
    from assistant.index import Index

    return Index(s).exists()


def run_ingest(s: Settings, paths: list[Path] | None = None, *, rebuild: bool = False,
               progress: Callable[[float, str], None] | None = None) -> Any:
    """Ingest with the process's model (no second copy of it), one ingest at a time."""
    from assistant.ingest import ingest

    if not _INGEST_LOCK.acquire(blocking=False):
        with st.spinner("Another session is updating the index; waiting for it to finish..."):
            _INGEST_LOCK.acquire()
    try:
        return ingest(s, paths, rebuild=rebuild, embedder=embedder(s), progress=progress)
    finally:
        _INGEST_LOCK.release()


def ensure_index(s: Settings) -> None:
    """Build a missing index from the corpus (first start), with a progress bar. Does nothing
    when an index exists: a rerun never re-indexes."""
    from assistant.ui.safe import escape_inline

    if index_ready(s):
        return
    box = st.empty()
    with box.container():
        st.info(f"First start: building the search index from {s.corpus_dir.name}/ "
                "(about a minute; only once).")
        bar = st.progress(0.0, text="loading the embedding model")
        with st.spinner("Loading the embedding model..."):
            embedder(s)

        def progress(fraction: float, message: str) -> None:
            # Progress text is Markdown; messages carry file names.
            bar.progress(max(0.0, min(1.0, fraction)), text=escape_inline(message[:120]))

        report = run_ingest(s, progress=progress) if not index_ready(s) else None
    box.empty()
    if report is not None and report.failed:
        st.warning(escape_inline(f"{len(report.failed)} file(s) could not be indexed: "
                                 + "; ".join((f.error or f.path) for f in report.failed[:5])))
