"""Retrieval on the shipped corpus and on user files, with the real model and real Chroma:
the three modes, filters by domain / section / source in each, page numbers from PDFs, and
readers that follow an ingest to the next generation."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import guide_pdf, write_markdown

from assistant.index import Index, display_path
from assistant.ingest import ingest
from assistant.retrieve import Filters, Retriever, rrf_fuse
from assistant.settings import PROJECT_ROOT, Settings

MODES = ("dense", "bm25", "hybrid")


@pytest.fixture(scope="module")
def corpus_retriever(corpus_settings: Settings, embedder) -> Retriever:
    return Retriever(corpus_settings, embedder=embedder)


def _files_containing(term: str) -> set[str]:
    """Corpus files whose text contains ``term`` (found now, not hard-coded)."""
    hits = {p.relative_to(PROJECT_ROOT).as_posix()
            for p in (PROJECT_ROOT / "corpus").rglob("*.md")
            if term.lower() in p.read_text(encoding="utf-8").lower()}
    assert 1 <= len(hits) <= 3, hits  # distinctive: the test means something only if so
    return hits


# --- shipped corpus --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_passages_carry_source_section_domain(corpus_retriever: Retriever, mode: str) -> None:
    passages = corpus_retriever.search("How do I detect training-serving skew?", mode=mode, k=5)
    assert [p.rank for p in passages] == [1, 2, 3, 4, 5]
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    assert len({p.chunk.id for p in passages}) == 5
    for p in passages:
        c = p.chunk
        assert c.source.startswith("corpus/") and (PROJECT_ROOT / c.source).is_file()
        assert c.domain is not None and c.section and c.section.startswith(f"{c.domain}.")
        assert c.page is None  # Markdown has no pages
        assert c.text.strip() and c.heading_path
        # The passage is verbatim text of its source file.
        body = (PROJECT_ROOT / c.source).read_text(encoding="utf-8")
        assert c.text.split("\n")[0] in body


@pytest.mark.parametrize("mode", MODES)
def test_a_distinctive_term_finds_its_file(corpus_retriever: Retriever, mode: str) -> None:
    want = _files_containing("ENABLE_GLOBAL_EXPLAIN")
    passages = corpus_retriever.search("ENABLE_GLOBAL_EXPLAIN option for global feature "
                                       "importance in BigQuery ML", mode=mode, k=5)
    assert passages[0].chunk.source in want, [p.chunk.source for p in passages]
    assert "ENABLE_GLOBAL_EXPLAIN" in passages[0].chunk.text or mode == "dense"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("filters,check", [
    (Filters(domain=4), lambda c: c.domain == 4),
    (Filters(domain=0), lambda c: c.domain == 0),
    (Filters(section="3.2"), lambda c: c.section == "3.2"),
    (Filters(domain=6, section="6.2"), lambda c: (c.domain, c.section) == (6, "6.2")),
    (Filters(source="corpus/domain-5/"), lambda c: c.source.startswith("corpus/domain-5/")),
    (Filters(source="corpus/domain-5"), lambda c: c.source.startswith("corpus/domain-5/")),
], ids=["domain4", "domain0", "section3.2", "domain+section", "folder/", "folder"])
def test_filters_in_every_mode(corpus_retriever: Retriever, mode: str, filters: Filters,
                               check) -> None:
    passages = corpus_retriever.search("monitoring pipelines training serving data", mode=mode,
                                       k=8, filters=filters)
    assert len(passages) == 8
    assert all(check(p.chunk) for p in passages), [(p.chunk.source, p.chunk.section)
                                                   for p in passages]


@pytest.mark.parametrize("mode", MODES)
def test_source_filter_on_one_file(corpus_retriever: Retriever, corpus_settings: Settings,
                                   mode: str) -> None:
    snap = Index(corpus_settings).snapshot()
    source = snap.chunks[len(snap.chunks) // 2].source
    n_chunks = sum(c.source == source for c in snap.chunks)
    passages = corpus_retriever.search("what does this cover", mode="dense" if mode == "bm25"
                                       else mode, k=50, filters=Filters(source=source))
    assert passages and {p.chunk.source for p in passages} == {source}
    assert len(passages) == n_chunks  # every chunk of the file is reachable, nothing else
    words = " ".join(snap.chunks[len(snap.chunks) // 2].text.split()[:12])
    hits = corpus_retriever.search(words, mode=mode, k=3, filters=Filters(source=source))
    assert hits and {p.chunk.source for p in hits} == {source}


@pytest.mark.parametrize("mode", MODES)
def test_filters_matching_nothing_return_nothing(corpus_retriever: Retriever, mode: str) -> None:
    for f in (Filters(domain=1, section="6.2"), Filters(source="corpus/no-such-folder/"),
              Filters(section="9.9")):
        assert corpus_retriever.search("model monitoring", mode=mode, filters=f) == []


def test_hybrid_is_deterministic_and_scores_bounded(corpus_retriever: Retriever) -> None:
    q = "When should I choose Dataflow over Dataproc for preprocessing?"
    a = corpus_retriever.search(q, mode="hybrid", k=10)
    b = corpus_retriever.search(q, mode="hybrid", k=10)
    assert [p.chunk.id for p in a] == [p.chunk.id for p in b]
    # Every hybrid passage has a cosine score (filled in for BM25-only finds) within [-1, 1].
    assert all(p.dense_score is not None and -1.0 <= p.dense_score <= 1.0 for p in a)
    dense = corpus_retriever.search(q, mode="dense", k=5)
    assert all(0.0 < p.score <= 1.0 for p in dense)


def test_hybrid_ranking_survives_a_passage_hnsw_missed(corpus_retriever: Retriever,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Chroma's HNSW graph is rebuilt on each load and its approximate top-n tail differs from
    # one process to the next. A BM25 candidate missing from the dense leg gets its exact
    # cosine back (Retriever._complete_dense), so the fused ranking does not change.
    q = ("A large retailer retrains a recommendation model every week on dozens of GPUs and "
         "each run must start on schedule. What should the ML platform team use?")
    want = corpus_retriever.search(q, mode="hybrid", k=10)
    real_dense = corpus_retriever._dense
    lost: list[int] = []

    def dense_missing_one(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real_dense(*args, **kwargs)
        # Drop the best-ranked passage of the fused top 10 that BM25 also found.
        drop = next(i for i, _ in found
                    if corpus_retriever.index.snapshot().chunks[i].id
                    in {p.chunk.id for p in want if p.bm25_score is not None})
        lost.append(drop)
        return [(i, s) for i, s in found if i != drop]

    monkeypatch.setattr(corpus_retriever, "_dense", dense_missing_one)
    got = corpus_retriever.search(q, mode="hybrid", k=10)
    assert lost, "the simulated miss never happened"
    assert [p.chunk.id for p in got] == [p.chunk.id for p in want]
    assert [round(p.score, 6) for p in got] == [round(p.score, 6) for p in want]


def test_queries_without_content_words(corpus_retriever: Retriever) -> None:
    # BM25 has no term to score; the dense leg still answers in dense and hybrid mode.
    assert corpus_retriever.search("the of and", mode="bm25") == []
    assert len(corpus_retriever.search("the of and", mode="hybrid", k=3)) == 3
    assert len(corpus_retriever.search("zzqx", mode="dense", k=3)) == 3


def test_query_normalisation_uses_the_corpus_vocabulary(corpus_retriever: Retriever) -> None:
    assert "bigquery" in corpus_retriever.normalize("big query ml forecasting").lower()
    assert "vertex" in corpus_retriever.normalize("vertx ai pipelines").lower()
    # Real English words are left alone even when the corpus does not use them.
    assert corpus_retriever.normalize("parking garage") == "parking garage"
    # So are inflected forms of corpus words: not "express", not "recertifying".
    q = "how early can I recertify before it expires?"
    assert corpus_retriever.normalize(q) == q


def test_rrf_arithmetic() -> None:
    scores = rrf_fuse([["a", "b", "c"], ["b", "d"]], k=60)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["d"] == pytest.approx(1 / 62)
    assert max(scores, key=scores.get) == "b"


# --- user files ------------------------------------------------------------------------


@pytest.fixture
def user_index(settings: Settings, tmp_path: Path, embedder) -> Settings:
    docs = tmp_path / "docs"
    guide_pdf(docs / "guide.pdf")
    write_markdown(docs / "notes.md", "# Notes\n\n## Feature Store\n\nVertex AI Feature Store "
                   "serves features online with low latency.\n",
                   meta={"domain": 2, "section": "2.1"})
    report = ingest(settings, [docs], embedder=embedder)
    assert not report.failed
    return settings


@pytest.mark.parametrize("mode", MODES)
def test_pdf_passages_carry_page_numbers(user_index: Settings, embedder, mode: str) -> None:
    r = Retriever(user_index, embedder=embedder)
    top = r.search("traffic splitting canary model version", mode=mode, k=1)[0]
    assert Path(top.chunk.source).name == "guide.pdf"
    assert (top.chunk.page, top.chunk.domain, top.chunk.section) == (2, 4, "4.1")
    top = r.search("autoscaling replicas CPU utilization target", mode=mode, k=1)[0]
    assert (top.chunk.page, top.chunk.section) == (3, "4.2")
    assert top.to_json()["page"] == 3


@pytest.mark.parametrize("mode", MODES)
def test_filters_on_user_files(user_index: Settings, tmp_path: Path, embedder, mode: str) -> None:
    r = Retriever(user_index, embedder=embedder)
    pdf = display_path(tmp_path / "docs" / "guide.pdf")
    got = r.search("features served online", mode="dense" if mode == "bm25" else mode, k=10,
                   filters=Filters(source=pdf))
    assert {p.chunk.source for p in got} == {pdf} and len(got) == 3
    got = r.search("model serving", mode=mode, k=10, filters=Filters(domain=4))
    assert got and {p.chunk.page for p in got} <= {2, 3}
    got = r.search("features online", mode=mode, k=10, filters=Filters(domain=2))
    assert [Path(p.chunk.source).name for p in got] == ["notes.md"]


def test_reader_follows_new_generations(settings: Settings, tmp_path: Path, embedder) -> None:
    docs = tmp_path / "docs"
    write_markdown(docs / "a.md", "# A\n\n## Dataflow\n\nDataflow runs Apache Beam pipelines.\n")
    ingest(settings, [docs], embedder=embedder)
    r = Retriever(settings, embedder=embedder)
    assert r.search("platypus", mode="bm25") == []
    # Two more ingests: the reader's first generation (and its collection) is pruned under it.
    write_markdown(docs / "b.md", "# B\n\n## Platypus\n\nThe platypus batch job scores "
                   "records nightly.\n")
    ingest(settings, [docs], embedder=embedder)
    (docs / "a.md").unlink()
    ingest(settings, [docs], embedder=embedder)
    assert Index(settings).generations() == ["g000002", "g000003"]
    for mode in MODES:
        hits = r.search("platypus nightly batch", mode=mode, k=3)
        assert [Path(p.chunk.source).name for p in hits] == ["b.md"], mode


def test_an_empty_index_answers_with_nothing(settings: Settings, tmp_path: Path,
                                             embedder) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty.md").write_bytes(b"")
    report = ingest(settings, [docs], embedder=embedder)
    assert report.published and report.chunks_total == 0 and len(report.failed) == 1
    r = Retriever(settings, embedder=embedder)
    for mode in MODES:
        assert r.search("anything at all", mode=mode) == []
