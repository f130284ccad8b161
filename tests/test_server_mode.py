"""Client-server mode against a real Chroma server (``chroma run``) on a free loopback port:
ingest, incremental runs, search in all modes with filters, a server that comes back empty,
and a server that is down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import HTML_PAGE, ChromaServer, free_port, guide_pdf, write_markdown

from assistant.errors import IndexMissingError, IndexUnavailableError
from assistant.index import ChromaStore, Index, display_path
from assistant.ingest import ingest
from assistant.retrieve import Filters, Retriever
from assistant.settings import Settings

pytestmark = pytest.mark.server

MODES = ("dense", "bm25", "hybrid")
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    srv = ChromaServer(tmp_path_factory.mktemp("chroma") / "data", free_port()).start()
    yield srv
    srv.stop()


def server_settings(srv: ChromaServer, base: Path, prefix: str) -> Settings:
    # One server serves several tests: each gets its own collection prefix, as two
    # deployments sharing a server must (see the report on issue 2).
    return Settings(index_dir=base / "index", data_dir=base / "data", chroma_host="127.0.0.1",
                    chroma_port=srv.port, collection_prefix=prefix)


def make_docs(root: Path) -> Path:
    guide_pdf(root / "guide.pdf")
    (root / "pipelines.html").write_text(HTML_PAGE, encoding="utf-8")
    write_markdown(root / "notes.md", "# Notes\n\n## Feature Store\n\nVertex AI Feature Store "
                   "serves features online with low latency.\n\n## Online serving\n\nOnline "
                   "serving reads the latest feature values.\n",
                   meta={"domain": 2, "section": "2.1", "guide_version": "2026-06"})
    return root


def test_ingest_and_search_against_a_server(server: ChromaServer, tmp_path: Path,
                                            embedder) -> None:
    s = server_settings(server, tmp_path, "srvsearch")
    docs = make_docs(tmp_path / "docs")
    report = ingest(s, [docs], embedder=embedder)
    assert report.published and not report.failed and report.count("added") == 3
    # Vectors live on the server; nothing was written to an embedded store.
    assert not (s.index_dir / "chroma").exists()
    snap = Index(s).snapshot()
    assert snap.collection_name in ChromaStore(s).names()
    assert snap.collection.count() == len(snap.chunks)
    assert snap.collection.configuration["hnsw"]["space"] == "cosine"
    assert Index(s).info()["store"] == f"Chroma server at http://127.0.0.1:{server.port}"

    r = Retriever(s, embedder=embedder)
    pdf = display_path(docs / "guide.pdf")
    for mode in MODES:
        top = r.search("traffic splitting canary model version", mode=mode, k=1)[0]
        assert (top.chunk.source, top.chunk.page, top.chunk.section) == (pdf, 2, "4.1"), mode
        got = r.search("model serving and scaling", mode=mode, k=10, filters=Filters(domain=4))
        assert got and {(p.chunk.domain, p.chunk.page) for p in got} <= {(4, 2), (4, 3)}, mode
        got = r.search("low latency online features", mode=mode, k=10,
                       filters=Filters(section="2.1"))
        assert got and {Path(p.chunk.source).name for p in got} == {"notes.md"}, mode
        got = r.search("pipeline runs caching", mode=mode, k=10,
                       filters=Filters(source=display_path(docs / "pipelines.html")))
        assert got and {Path(p.chunk.source).name for p in got} == {"pipelines.html"}, mode
        assert r.search("model serving", mode=mode, filters=Filters(domain=1)) == [], mode


def test_incremental_runs_against_a_server(server: ChromaServer, tmp_path: Path,
                                           embedder) -> None:
    s = server_settings(server, tmp_path, "srvincr")
    docs = make_docs(tmp_path / "docs")
    first = ingest(s, [docs], embedder=embedder)
    again = ingest(s, [docs], embedder=embedder)
    assert (again.published, again.chunks_embedded) == (False, 0)
    (docs / "pipelines.html").unlink()
    write_markdown(docs / "extra.md", "# Extra\n\n## Batch\n\nBatch prediction reads from "
                   "BigQuery.\n")
    third = ingest(s, [docs], embedder=embedder)
    assert third.count("deleted") == 1 and third.count("added") == 1
    assert third.chunks_embedded == 1
    snap = Index(s).snapshot()
    assert snap.collection.count() == len(snap.chunks) == first.chunks_total - 3 + 1
    (docs / "extra.md").unlink()
    ingest(s, [docs], embedder=embedder)
    # Only the current generation and its predecessor keep collections on the server.
    ours = sorted(n for n in ChromaStore(s).names() if n.startswith(s.collection_name()))
    assert ours == [f"{s.collection_name()}-{g}" for g in Index(s).generations()]
    assert len(ours) == 2


def test_server_restarted_empty_then_down(tmp_path: Path, embedder) -> None:
    """The server comes back with an empty data directory: readers say so in one line and a
    plain ingest republishes from the embedding cache. Then the server is down: one line that
    says how to start it."""
    port = free_port()
    srv = ChromaServer(tmp_path / "first", port).start()
    s = server_settings(srv, tmp_path, "srvlost")
    docs = make_docs(tmp_path / "docs")
    try:
        ingest(s, [docs], embedder=embedder)
        assert Retriever(s, embedder=embedder).search("feature store", k=1)
    finally:
        srv.stop()
    srv = ChromaServer(tmp_path / "second", port).start()
    try:
        with pytest.raises(IndexMissingError) as err:
            Retriever(s, embedder=embedder).search("feature store")
        assert "assistant ingest" in str(err.value) and "\n" not in str(err.value)
        report = ingest(s, [docs], embedder=embedder)
        assert report.published and report.chunks_embedded == 0
        r = Retriever(s, embedder=embedder)
        assert Path(r.search("feature store online", k=1)[0].chunk.source).name == "notes.md"
    finally:
        srv.stop()

    # Down: a reader that had a snapshot, a fresh reader, and a writer all fail in one line.
    for call in (lambda: r.search("feature store", mode="dense"),
                 lambda: Retriever(s, embedder=embedder).search("feature store"),
                 lambda: ingest(s, [docs], embedder=embedder)):
        with pytest.raises(IndexUnavailableError) as err:
            call()
        msg = str(err.value)
        assert "cannot reach the Chroma server" in msg and "chroma run" in msg, msg
        assert "\n" not in msg
