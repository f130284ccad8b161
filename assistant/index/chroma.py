"""The Chroma store: the client (embedded or HTTP), one-line errors, and the public error
classifiers other modules use to tell "no such collection" from "server unreachable"."""

from __future__ import annotations

import threading
from typing import Any

from assistant.errors import IndexUnavailableError
from assistant.records import Chunk
from assistant.settings import Settings

__all__ = ["ChromaStore", "is_not_found", "is_connection_error"]


class ChromaStore:
    """Creates the client (embedded or HTTP) lazily and turns connection failures into one
    clear line. Chroma never embeds anything here: we always pass vectors, so its default
    embedding function (which would download a model) is never used."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        s = self.settings
        if s.server_mode:
            return f"Chroma server at {'https' if s.chroma_ssl else 'http'}://{s.chroma_host}:{s.chroma_port}"
        return f"embedded Chroma at {s.index_dir / 'chroma'}"

    def unavailable(self, err: BaseException) -> IndexUnavailableError:
        s = self.settings
        if s.server_mode:
            return IndexUnavailableError(
                f"cannot reach the {self.where} ({type(err).__name__}); start it with "
                f"'chroma run --path DIR --port {s.chroma_port}' or unset ASSISTANT_CHROMA_HOST")
        return IndexUnavailableError(f"the {self.where} failed ({type(err).__name__}: {err}); "
                                     "run 'assistant ingest --rebuild'")

    def client(self) -> Any:
        if self._client is not None:
            return self._client
        with self._lock:
            if self._client is None:
                import chromadb
                from chromadb.config import Settings as ChromaSettings

                # No telemetry: the machine has no network and users did not ask for it.
                cs = ChromaSettings(anonymized_telemetry=False)
                try:
                    if self.settings.server_mode:
                        self._client = chromadb.HttpClient(
                            host=str(self.settings.chroma_host),  # set: that is server mode
                            port=self.settings.chroma_port,
                            ssl=self.settings.chroma_ssl, settings=cs)
                    else:
                        path = self.settings.index_dir / "chroma"
                        path.mkdir(parents=True, exist_ok=True)
                        self._client = chromadb.PersistentClient(path=str(path), settings=cs)
                except Exception as err:  # noqa: BLE001 - any failure here means "unreachable"
                    raise self.unavailable(err) from None
        return self._client

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a Chroma call; connection-level failures become ``IndexUnavailableError``."""
        try:
            return fn(*args, **kwargs)
        except Exception as err:  # noqa: BLE001
            if is_not_found(err):
                raise
            if is_connection_error(err):
                raise self.unavailable(err) from None
            raise

    def create(self, name: str) -> Any:
        return self.call(self.client().create_collection, name,
                         configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)

    def get(self, name: str) -> Any:
        return self.call(self.client().get_collection, name, embedding_function=None)

    def delete(self, name: str) -> None:
        try:
            self.call(self.client().delete_collection, name)
        except Exception as err:  # noqa: BLE001
            if not is_not_found(err):
                raise

    def add_chunks(self, collection: Any, chunks: list[Chunk], vectors: list[Any],
                   batch: int = 1000) -> int:
        """Write chunks with their vectors, text and metadata; returns how many were written."""
        written = 0
        for b in range(0, len(chunks), batch):
            part = chunks[b:b + batch]
            self.call(collection.add, ids=[c.id for c in part],
                      embeddings=[vectors[b + i] for i in range(len(part))],
                      documents=[c.text for c in part],
                      metadatas=[c.metadata() for c in part])
            written += len(part)
        return written

    def names(self) -> list[str]:
        cols = self.call(self.client().list_collections)
        return [c if isinstance(c, str) else c.name for c in cols]


def is_not_found(err: BaseException) -> bool:
    """Whether a Chroma error says the collection does not exist (its type varies by version
    and by embedded or client-server mode)."""
    return type(err).__name__ in ("NotFoundError", "CollectionNotFoundError") or \
        "does not exist" in str(err)


def is_connection_error(err: BaseException) -> bool:
    """Whether an error means the Chroma server cannot be reached (httpx or socket level)."""
    names = {t.__name__ for t in type(err).__mro__}
    return bool(names & {"ConnectError", "ConnectTimeout", "ReadTimeout", "RemoteProtocolError",
                         "ConnectionError", "ConnectionRefusedError", "TimeoutException",
                         "NetworkError", "ReadError", "WriteError"}) or \
        "Could not connect" in str(err) or "Connection refused" in str(err)
