"""The baseline: what a tutorial user builds with LangChain on the same corpus, eval set,
weights and machine (RecursiveCharacterTextSplitter 1000/200, HuggingFaceEmbeddings, Chroma,
similarity_search)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evals.bench.common import log, stats

__all__ = ["bench_baseline"]


class _Remembering:
    """A LangChain ``Embeddings`` that, once ``remember`` is set, answers repeated queries from
    memory: lets the untimed quality pass of the baseline skip a second embedding of every
    question. Off during every timed pass."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.remember = False
        self._seen: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        if self.remember and text in self._seen:
            return self._seen[text]
        vec = self.inner.embed_query(text)
        self._seen[text] = vec
        return vec


def bench_baseline(corpus: Path, work: Path, cases: Sequence[Any]) -> dict[str, Any]:
    """The tutorial pipeline: read files, split 1000/200 characters, HuggingFaceEmbeddings,
    langchain Chroma, similarity_search. Same weights, same relevance rule, same metrics."""
    import chromadb.config
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.embed import resolve_model_dir
    from assistant.evals import CaseResult, aggregate, is_relevant

    t0 = time.perf_counter()
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix in (".md", ".txt"))
    # Each file read whole, front matter included, as TextLoader would.
    docs = [Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": str(p)})
            for p in files]
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    t_split = time.perf_counter()
    emb = _Remembering(HuggingFaceEmbeddings(model_name=str(resolve_model_dir("all-MiniLM-L6-v2"))))
    emb.embed_query("warm up")
    t_model = time.perf_counter()
    store = Chroma.from_documents(splits, emb, collection_name="baseline",
                                  persist_directory=str(work / "baseline-chroma"),
                                  client_settings=chromadb.config.Settings(anonymized_telemetry=False))
    t_built = time.perf_counter()
    log("baseline: queries")
    times, results = [], []
    texts = [d.page_content for d in splits]
    for c in cases:
        t = time.perf_counter()
        store.similarity_search(c.question, k=5)
        times.append(time.perf_counter() - t)
    # The same queries with torch on one thread: what the tutorial pipeline costs once tuned
    # the way ours is (on a busy 2-core machine, two intra-op threads spin-wait for a core).
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        times_1 = []
        for c in cases:
            t = time.perf_counter()
            store.similarity_search(c.question, k=5)
            times_1.append(time.perf_counter() - t)
    finally:
        torch.set_num_threads(threads)
    emb.remember = True  # the quality pass below re-asks the same questions: not timed
    for c, dt in zip(cases, times):
        top10 = store.similarity_search(c.question, k=10)
        ranks = [i for i, d in enumerate(top10, start=1) if is_relevant(d.page_content, c)]
        n_rel = sum(1 for t in texts if is_relevant(t, c)) if c.answerable else 0
        results.append(CaseResult(c, [], ranks, n_rel, None, dt, 0.0))
    m = aggregate(results, 5, True)
    return {
        "pipeline": "RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200), "
                    "HuggingFaceEmbeddings(all-MiniLM-L6-v2, same bundled weights), "
                    "langchain_chroma.Chroma.from_documents, similarity_search(k=5; k=10 for MRR)",
        "queries": "raw questions (follow-ups without their history, as a tutorial would)",
        "files": len(files), "chunks": len(splits),
        "build_s": round(t_built - t0, 3), "split_s": round(t_split - t0, 3),
        "model_load_s": round(t_model - t_split, 3), "embed_and_store_s": round(t_built - t_model, 3),
        "chunks_per_s": round(len(splits) / (t_built - t0), 1),
        "retrieve": stats(times),
        "torch_threads": threads,
        "retrieve_torch_1_thread": stats(times_1),
        "quality": {k: m[k] for k in ("hit@1", "hit@5", "mrr@10", "ndcg@10", "answerable")},
    }
