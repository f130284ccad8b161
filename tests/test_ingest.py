"""Ingest end to end with the real model and real (embedded) Chroma: tagging, chunk sizes in
the model's own word pieces, incremental runs, bad files among good ones, a file vanishing
mid-run, a killed ingest, and settings changes that must start a separate collection."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import (
    HTML_PAGE,
    cli_env,
    encrypted_pdf,
    guide_pdf,
    lorem_section,
    truncated_pdf,
    write_markdown,
)

from assistant.embed import resolve_model_dir
from assistant.errors import AssistantError, IndexMissingError
from assistant.index import ChromaStore, Index, display_path
from assistant.ingest import ingest
from assistant.ingest.chunking import MODEL_WINDOW, Chunker, load_tokenizer
from assistant.records import Chunk, Document, Section
from assistant.retrieve import Retriever
from assistant.settings import Settings


def make_docs(root: Path) -> Path:
    """A small mixed folder: PDF (pages, numbered headings), HTML, Markdown with and without
    front matter, plain text."""
    root.mkdir(parents=True, exist_ok=True)
    guide_pdf(root / "guide.pdf")
    (root / "pipelines.html").write_text(HTML_PAGE, encoding="utf-8")
    write_markdown(root / "monitoring.md", (
        "# Monitoring notes\n\n## Skew and drift\n\nTraining-serving skew compares serving "
        "feature distributions with the training baseline.\n\n## Alerts\n\nAlert thresholds "
        "are set per feature and notify by email.\n"),
        meta={"domain": 6, "section": "6.2", "guide_version": "2024-10"})
    write_markdown(root / "study.md", (
        "# My study notes\n\n## Section 5: Automating and orchestrating ML pipelines\n\n"
        "### 5.1 Developing end-to-end ML pipelines\n\nA pipeline validates data, trains and "
        "deploys the model.\n\n## Misc\n\nThe cafeteria opens at nine.\n"))
    (root / "plain.txt").write_text(
        "Section 2: Collaborating within and across teams to manage data and models\n\n"
        "2.1 Exploring and preprocessing organization-wide data\n\nDataflow runs Apache Beam "
        "pipelines for preprocessing at scale.\n", encoding="utf-8")
    return root


def chunks_of(settings: Settings) -> list[Chunk]:
    return Index(settings).snapshot().chunks


def by_file(chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    out: dict[str, list[Chunk]] = {}
    for c in chunks:
        out.setdefault(Path(c.source).name, []).append(c)
    return out


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return make_docs(tmp_path / "docs")


# --- tagging and pages -----------------------------------------------------------------


def test_ingest_tags_pages_domains_and_sections(settings: Settings, docs: Path, embedder) -> None:
    report = ingest(settings, [docs], embedder=embedder)
    assert report.published and not report.failed
    assert report.count("added") == 5
    files = by_file(chunks_of(settings))
    assert set(files) == {"guide.pdf", "pipelines.html", "monitoring.md", "study.md", "plain.txt"}

    pdf = files["guide.pdf"]
    assert [(c.page, c.domain, c.section) for c in pdf] == [(1, 3, "3.2"), (2, 4, "4.1"),
                                                            (3, 4, "4.2")]
    assert "reduction server" in pdf[0].text
    # Front matter tags every chunk of the file.
    assert {(c.domain, c.section, c.guide_version, c.page) for c in files["monitoring.md"]} == \
        {(6, "6.2", "2024-10", None)}
    # No front matter: inferred per section from "Section 5" / "5.1 ..." headings; a section
    # with no numbered heading stays untagged rather than guessed.
    assert [(c.domain, c.section) for c in files["study.md"]] == [(5, "5.1"), (None, None)]
    assert [(c.domain, c.section) for c in files["plain.txt"]] == [(2, "2.1")]
    assert {(c.domain, c.page) for c in files["pipelines.html"]} == {(None, None)}
    # Sources are shown as absolute paths for files outside the project.
    assert all(Path(c.source).is_absolute() for c in chunks_of(settings))


def test_collection_uses_cosine_space(settings: Settings, docs: Path, embedder) -> None:
    ingest(settings, [docs], embedder=embedder)
    snap = Index(settings).snapshot()
    assert snap.collection.configuration["hnsw"]["space"] == "cosine"
    assert snap.collection.count() == len(snap.chunks)
    # Behaviour, not just configuration: dense scores are the cosine similarity of the
    # (normalised) query and chunk vectors. With l2 they would be 1 - (2 - 2 cos).
    retriever = Retriever(settings, embedder=embedder)
    passages = retriever.search("distributed training reduction server", mode="dense", k=3)
    q = embedder.embed_query(retriever.normalize("distributed training reduction server"))
    vecs = embedder.embed_documents([p.chunk.embed_text() for p in passages])
    for p, v in zip(passages, vecs):
        assert p.score == pytest.approx(float(np.dot(q, v)), abs=1e-4)


# --- chunk size in word pieces ---------------------------------------------------------


def _window_counter():
    """Count as the model does: its own tokenizer, special tokens included. Loaded through
    transformers, independently of the chunker's tokenizer object."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(resolve_model_dir("all-MiniLM-L6-v2")))
    return lambda text: len(tok(text, truncation=False)["input_ids"])


def test_chunks_fit_the_model_window_on_hard_text() -> None:
    count = _window_counter()
    chunker = Chunker(load_tokenizer(str(resolve_model_dir("all-MiniLM-L6-v2"))), 200, 24)
    long_para = " ".join(f"Vertex AI Feature Store serves feature {i} online." for i in range(300))
    no_spaces = "https://storage.googleapis.com/" + "a1b2c3d4" * 600
    code = "```python\n" + "\n".join(f"model_{i} = train(data_{i}, lr=0.0{i % 9})"
                                     for i in range(200)) + "\n```"
    cjk = "機械学習モデルの監視は重要です。" * 120
    emoji = "🚀 deploy 📈 monitor 🔁 retrain " * 150
    deep = tuple(f"Level {i} heading about distributed hyperparameter tuning with Vizier "
                 f"and Reduction Server on multiple GPUs" for i in range(4))
    doc = Document(source="/x/hard.md", title="A rather long document title about MLOps",
                   sections=[Section((), long_para), Section(("URLs",), no_spaces),
                             Section(("Code",), code), Section(("日本語",), cjk),
                             Section(("Emoji",), emoji), Section(deep, long_para)])
    # Absurd headings: five nested 60-word headings, and a 400-word title.
    absurd = tuple(f"Heading {i} " + "about distributed training on many accelerators " * 10
                   for i in range(5))
    wordy = Document(source="/x/wordy.md", title="Title words of a report " * 80,
                     sections=[Section(absurd, long_para), Section(("Short",), "Short body.")])
    chunks = chunker.chunk(doc) + chunker.chunk(wordy)
    assert len(chunks) > 20
    sizes = [count(c.embed_text()) for c in chunks]
    assert max(sizes) <= MODEL_WINDOW, max(sizes)
    # Only absurd heads are shortened: the four long-ish "Level" headings stay whole; of the
    # five 60-word ones the innermost are kept, and the title is clipped, not dropped.
    assert any(c.heading_path == deep for c in chunks)
    kept = {c.heading_path for c in chunks if c.source == "/x/wordy.md"} - {("Short",)}
    assert len(kept) == 1 and (path := kept.pop()) and path == absurd[-len(path):]
    assert chunks[-1].heading_path == ("Short",) and chunks[-1].text == "Short body."
    assert all(c.title.startswith("Title words") for c in chunks if c.source == "/x/wordy.md")
    # The bodies are verbatim document text: every chunk of the long paragraph is a substring.
    for c in chunks:
        if c.heading_path == ():
            assert c.text in long_para
    # Splitting does not drop text: every sentence of the long paragraph appears in a chunk.
    firsts = " ".join(c.text for c in chunks if c.heading_path == ())
    for i in (0, 150, 299):
        assert f"serves feature {i} online." in firsts


def test_shipped_corpus_chunks_fit_the_model_window(corpus_settings: Settings) -> None:
    count = _window_counter()
    chunks = chunks_of(corpus_settings)
    sizes = [count(c.embed_text()) for c in chunks]
    assert max(sizes) <= MODEL_WINDOW, max(sizes)
    # ... and they are not needlessly tiny: most sections fill a good part of the window.
    assert float(np.median(sizes)) > 80


# --- incremental -----------------------------------------------------------------------


def test_an_index_from_an_older_release_gets_new_sentence_vectors(settings: Settings, docs: Path,
                                                                  embedder) -> None:
    # A generation built before the rule pieces (no "sentence_schema" in its state) is
    # republished by the next ingest even though no file changed; the chunk vectors come
    # from the cache, so nothing is embedded again.
    from assistant.answer.sentvec import SENTENCE_SCHEMA

    first = ingest(settings, [docs], embedder=embedder)
    index = Index(settings)
    state_path = index.root / first.generation / "state.json"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    assert state["sentence_schema"] == SENTENCE_SCHEMA
    del state["sentence_schema"]
    state_path.write_text(json.dumps(state), encoding="utf-8")

    upgraded = ingest(settings, [docs], embedder=embedder)
    assert upgraded.published and upgraded.chunks_embedded == 0
    assert upgraded.generation != first.generation
    again = ingest(settings, [docs], embedder=embedder)
    assert (again.published, again.generation) == (False, upgraded.generation)


def test_incremental_add_change_delete_and_no_change(settings: Settings, docs: Path,
                                                     embedder) -> None:
    first = ingest(settings, [docs], embedder=embedder)
    assert first.published and first.chunks_embedded == first.chunks_total > 0
    ids1 = {c.id for c in chunks_of(settings)}

    # No change: nothing read, nothing embedded, nothing published.
    again = ingest(settings, [docs], embedder=embedder)
    assert (again.published, again.chunks_embedded, again.generation) == \
        (False, 0, first.generation)
    assert again.count("unchanged") == 5

    # Touched but identical: the hash says unchanged.
    os.utime(docs / "study.md", (time.time() + 5, time.time() + 5))
    touched = ingest(settings, [docs], embedder=embedder)
    assert (touched.published, touched.chunks_embedded) == (False, 0)

    # Add a file: only its chunks are embedded.
    write_markdown(docs / "new.md", "# New\n\n## Explainability\n\nSampled Shapley attributes "
                   "predictions to features.\n", meta={"domain": 3, "section": "3.1"})
    added = ingest(settings, [docs], embedder=embedder)
    assert added.published and added.count("added") == 1 and added.chunks_embedded == 1
    ids2 = {c.id for c in chunks_of(settings)}
    assert ids1 < ids2 and len(ids2 - ids1) == 1

    # Change one section of a file: only that section is embedded again; the other sections'
    # vectors come from the cache.
    md = docs / "monitoring.md"
    md.write_text(md.read_text(encoding="utf-8").replace("notify by email", "notify by Pub/Sub"),
                  encoding="utf-8")
    changed = ingest(settings, [docs], embedder=embedder)
    assert changed.published and changed.count("changed") == 1 and changed.chunks_embedded == 1
    texts = [c.text for c in by_file(chunks_of(settings))["monitoring.md"]]
    assert any("Pub/Sub" in t for t in texts) and not any("by email" in t for t in texts)

    # Delete a file: its chunks leave the index (and the Chroma collection), nothing embedded.
    n_pdf = len(by_file(chunks_of(settings))["guide.pdf"])
    (docs / "guide.pdf").unlink()
    deleted = ingest(settings, [docs], embedder=embedder)
    assert deleted.published and deleted.count("deleted") == 1 and deleted.chunks_embedded == 0
    snap = Index(settings).snapshot()
    assert "guide.pdf" not in by_file(snap.chunks)
    assert snap.collection.count() == len(snap.chunks) == changed.chunks_total - n_pdf
    assert not any(m["source"].endswith("guide.pdf")
                   for m in snap.collection.get(include=["metadatas"])["metadatas"])
    # The chunk list and the vectors agree exactly.
    assert set(snap.collection.get()["ids"]) == {c.id for c in snap.chunks}

    # Old generations are pruned: the current one and its predecessor remain.
    index = Index(settings)
    assert len(index.generations()) == 2
    names = [n for n in ChromaStore(settings).names() if n.startswith(settings.collection_name())]
    assert sorted(names) == sorted(f"{settings.collection_name()}-{g}" for g in index.generations())


def test_deleted_file_is_noticed_by_an_ingest_of_another_folder(settings: Settings, docs: Path,
                                                                tmp_path: Path, embedder) -> None:
    ingest(settings, [docs], embedder=embedder)
    other = tmp_path / "other"
    write_markdown(other / "extra.md", "# Extra\n\n## Batch\n\nBatch prediction reads from "
                   "BigQuery.\n")
    (docs / "plain.txt").unlink()
    report = ingest(settings, [other], embedder=embedder)
    assert report.count("added") == 1 and report.count("deleted") == 1
    assert set(by_file(chunks_of(settings))) == {"guide.pdf", "pipelines.html", "monitoring.md",
                                                 "study.md", "extra.md"}


def test_rebuild_gives_the_same_chunk_ids(settings: Settings, docs: Path, embedder) -> None:
    ingest(settings, [docs], embedder=embedder)
    before = [c.id for c in chunks_of(settings)]
    report = ingest(settings, [docs], rebuild=True, embedder=embedder)
    assert report.published and report.chunks_embedded == 0  # all vectors from the cache
    assert [c.id for c in chunks_of(settings)] == before


# --- bad input among good files --------------------------------------------------------


def test_bad_files_are_reported_and_the_rest_indexed(settings: Settings, docs: Path,
                                                     embedder) -> None:
    truncated_pdf(docs / "guide.pdf", docs / "corrupt.pdf")
    encrypted_pdf(docs / "guide.pdf", docs / "locked.pdf")
    (docs / "empty.md").write_bytes(b"")
    (docs / "junk.md").write_bytes(os.urandom(2048))
    (docs / "slides.pptx").write_bytes(b"PK\x03\x04")
    (docs / ".DS_Store").write_bytes(b"\x00\x01")  # hidden: skipped silently
    report = ingest(settings, [docs], embedder=embedder)
    assert report.published
    failed = {Path(f.path).name: f.error for f in report.failed}
    assert set(failed) == {"corrupt.pdf", "locked.pdf", "empty.md", "junk.md", "slides.pptx"}
    for name, error in failed.items():
        shown = display_path(docs / name)
        assert error.startswith(f"{shown}: ") and "\n" not in error, error
    assert failed["locked.pdf"].endswith(
        ": password-protected PDF; remove the password and add it again")
    assert "not a valid PPTX file" in failed["slides.pptx"]
    assert report.count("added") == 5
    assert set(by_file(chunks_of(settings))) == {"guide.pdf", "pipelines.html", "monitoring.md",
                                                 "study.md", "plain.txt"}
    assert report.to_json()["failed"] == 5


def test_a_file_that_turns_bad_keeps_its_passages(settings: Settings, docs: Path,
                                                  embedder) -> None:
    ingest(settings, [docs], embedder=embedder)
    before = by_file(chunks_of(settings))["monitoring.md"]
    (docs / "monitoring.md").write_bytes(b"\x00\x01\x02" * 100)
    report = ingest(settings, [docs], embedder=embedder)
    assert [Path(f.path).name for f in report.failed] == ["monitoring.md"]
    assert by_file(chunks_of(settings))["monitoring.md"] == before


def test_a_file_vanishing_mid_ingest(settings: Settings, docs: Path, embedder) -> None:
    victim = docs / "study.md"
    seen: list[str] = []

    def progress(_frac: float, message: str) -> None:
        # Called with "reading <path>" before each file is read; files are read in name order,
        # so study.md has not been read when guide.pdf is.
        if message.startswith("reading "):
            seen.append(Path(message.removeprefix("reading ")).name)
            if seen[-1] == "guide.pdf" and victim.exists():
                victim.unlink()

    report = ingest(settings, [docs], embedder=embedder, progress=progress)
    assert "guide.pdf" in seen
    assert [(Path(f.path).name, f.status) for f in report.failed] == [("study.md", "failed")]
    assert report.failed[0].error == f"{display_path(victim)}: the file disappeared during " \
                                     "ingest; run ingest again"
    assert report.published and report.count("added") == 4
    assert "study.md" not in by_file(chunks_of(settings))


def test_query_before_any_ingest_says_how_to_build(settings: Settings, embedder) -> None:
    with pytest.raises(IndexMissingError) as err:
        Retriever(settings, embedder=embedder).search("what is vertex ai?")
    assert "assistant ingest" in str(err.value) and "\n" not in str(err.value)


def test_a_second_writer_waits_then_says_so(settings: Settings, docs: Path, embedder) -> None:
    from filelock import FileLock

    settings.index_dir.mkdir(parents=True)
    with FileLock(str(settings.index_dir / "ingest.lock")):
        with pytest.raises(AssistantError) as err:
            ingest(settings, [docs], embedder=embedder, lock_timeout=0.2)
    assert "another ingest" in str(err.value)
    assert not Index(settings).exists()


# --- settings changes: a new collection, never mixed vectors ---------------------------


def test_chunk_settings_change_starts_a_new_collection(settings: Settings, docs: Path,
                                                       embedder) -> None:
    ingest(settings, [docs], embedder=embedder)
    small = settings.model_copy(update={"chunk_tokens": 40, "chunk_overlap_tokens": 8})
    assert small.collection_name() != settings.collection_name()
    assert settings.model_copy(update={"chunk_overlap_tokens": 0}).collection_name() != \
        settings.collection_name()
    assert settings.model_copy(update={"embedding_model": "/models/other"}).collection_name() != \
        settings.collection_name()

    report = ingest(small, [docs], embedder=embedder)
    assert report.collection == small.collection_name()
    big_snap, small_snap = Index(settings).snapshot(), Index(small).snapshot()
    assert big_snap.collection_name.startswith(settings.collection_name() + "-")
    assert small_snap.collection_name.startswith(small.collection_name() + "-")
    assert len(small_snap.chunks) > len(big_snap.chunks)
    # Each collection holds exactly its own chunks; the first one was not touched.
    assert set(big_snap.collection.get()["ids"]) == {c.id for c in big_snap.chunks}
    assert set(small_snap.collection.get()["ids"]) == {c.id for c in small_snap.chunks}
    assert Index(settings).current_generation() == "g000001"


# --- crash safety ----------------------------------------------------------------------


def test_leftovers_of_a_crashed_ingest_are_removed(settings: Settings, docs: Path,
                                                   embedder) -> None:
    """What a kill between 'create the collection' and 'publish' leaves: a generation
    directory and a Chroma collection that CURRENT does not name."""
    ingest(settings, [docs], embedder=embedder)
    index = Index(settings)
    store = ChromaStore(settings)
    orphan = "g000009"
    (index.root / orphan).mkdir()
    (index.root / orphan / "chunks.jsonl").write_text("{half a line", encoding="utf-8")
    store.create(f"{settings.collection_name()}-{orphan}")
    # Readers ignore the orphan.
    assert Retriever(settings, embedder=embedder).search("reduction server", k=2)
    (docs / "plain.txt").unlink()
    report = ingest(settings, [docs], embedder=embedder)
    assert report.published and report.generation == "g000002"
    assert not (index.root / orphan).exists()
    assert f"{settings.collection_name()}-{orphan}" not in store.names()


def test_generations_a_run_killed_before_pruning_left_are_removed(settings: Settings,
                                                                  docs: Path, embedder) -> None:
    """A kill after the publish but before old generations are dropped leaves them behind; the
    next run has nothing to publish (the files did not change) and must still prune them."""
    for n in range(3):
        (docs / "extra.txt").write_text(f"Version {n} of a note about reduction servers.",
                                        encoding="utf-8")
        ingest(settings, [docs], embedder=embedder)
    index = Index(settings)
    store = ChromaStore(settings)
    # What the killed run would have left: g000001 (older than the predecessor) still there.
    index.root.joinpath("g000001").mkdir()
    store.create(f"{settings.collection_name()}-g000001")
    assert index.generations() == ["g000001", "g000002", "g000003"]
    report = ingest(settings, [docs], embedder=embedder)
    assert not report.published  # nothing changed
    assert index.generations() == ["g000002", "g000003"]
    base = settings.collection_name()
    assert sorted(n for n in store.names() if n.startswith(base)) == [f"{base}-g000002",
                                                                     f"{base}-g000003"]
    assert Retriever(settings, embedder=embedder).search("reduction server", k=2)


def _wait_for(predicate, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def _cached_vectors(index_dir: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{index_dir / 'embeddings.sqlite3'}?mode=ro", uri=True,
                             timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM vectors").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_ingest_killed_while_embedding(tmp_path: Path, embedder) -> None:
    """kill -9 in the middle of embedding: the old generation still answers, and the next
    ingest repairs the index to exactly what a clean build produces."""
    docs = tmp_path / "docs"
    write_markdown(docs / "a.md", "# Alpha\n\n## Dataflow\n\nDataflow runs Apache Beam "
                   "pipelines for preprocessing.\n", meta={"domain": 2, "section": "2.1"})
    write_markdown(docs / "b.md", "# Beta\n\n## Endpoints\n\nOnline endpoints serve "
                   "predictions with autoscaling.\n", meta={"domain": 4, "section": "4.1"})
    settings = Settings(index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    ingest(settings, [docs], embedder=embedder)
    index = Index(settings)
    assert index.current_generation() == "g000001"
    before = _cached_vectors(settings.index_dir)

    # A larger change: 200 short new sections, embedded in batches of 64.
    n_new = 200
    body = "# Zeta\n\n" + "\n\n".join(f"## Quokka topic {i}\n\n{lorem_section(f'quokka{i}', 2)}"
                                      for i in range(n_new))
    write_markdown(docs / "zeta.md", body)
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(docs),
                             "--index-dir", str(settings.index_dir)],
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    try:
        # Kill as soon as the first batch of new vectors is in the cache: the writer is then
        # certainly in the middle of embedding, with more batches to go.
        embedding = _wait_for(lambda: _cached_vectors(settings.index_dir) > before, 300, proc)
        assert embedding, proc.communicate(timeout=60)
        assert proc.poll() is None, "the ingest finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    done = _cached_vectors(settings.index_dir) - before
    assert 0 < done < n_new

    # The published generation is untouched and answers, from the old files only.
    assert index.current_generation() == "g000001"
    retriever = Retriever(settings, embedder=embedder)
    for mode in ("dense", "bm25", "hybrid"):
        hits = retriever.search("Apache Beam preprocessing quokka", mode=mode, k=5)
        assert hits and {Path(p.chunk.source).name for p in hits} <= {"a.md", "b.md"}, mode

    # The next ingest cleans up, embeds only what the killed run did not finish, publishes;
    # the result equals a clean build elsewhere.
    repaired = ingest(settings, [docs], embedder=embedder)
    assert repaired.published and repaired.generation == "g000002" and not repaired.failed
    assert repaired.chunks_embedded == n_new - done
    clean = Settings(index_dir=tmp_path / "clean", data_dir=tmp_path / "data")
    ingest(clean, [docs], embedder=embedder)
    got, want = Index(settings).snapshot(), Index(clean).snapshot()
    assert [c.id for c in got.chunks] == [c.id for c in want.chunks]
    assert len(got.chunks) == n_new + 2
    assert set(got.collection.get()["ids"]) == {c.id for c in want.chunks}
    # Same vectors too, including those the killed run computed.
    ids = [c.id for c in want.chunks]
    a = got.collection.get(ids=ids, include=["embeddings"])
    b = want.collection.get(ids=ids, include=["embeddings"])
    va = dict(zip(a["ids"], a["embeddings"]))
    vb = dict(zip(b["ids"], b["embeddings"]))
    assert max(float(np.abs(np.asarray(va[c]) - np.asarray(vb[c])).max()) for c in ids) < 1e-4
    hits = Retriever(settings, embedder=embedder).search("quokka7 step", mode="bm25", k=3)
    assert hits and "quokka7 " in hits[0].chunk.text


def test_report_json_shape(settings: Settings, docs: Path, embedder) -> None:
    (docs / "bad.xyz").write_text("x", encoding="utf-8")
    report = ingest(settings, [docs], embedder=embedder)
    j = json.loads(json.dumps(report.to_json()))
    assert set(j) >= {"published", "generation", "collection", "files", "added", "changed",
                      "deleted", "unchanged", "failed", "chunks_total", "chunks_embedded",
                      "seconds"}
    assert j["added"] == 5 and j["failed"] == 1
    statuses = {Path(f["path"]).name: f["status"] for f in j["files"]}
    assert statuses["bad.xyz"] == "failed" and statuses["guide.pdf"] == "added"
    assert all(("error" in f) == (f["status"] == "failed") for f in j["files"])
