"""Scale: the query figures on a synthetic corpus N times larger (see ``synthetic_corpus``)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evals.bench.common import bench_settings, build_index, log
from assistant.evals.bench.query import bench_queries

__all__ = ["bench_scale", "synthetic_corpus", "SyntheticEmbedder"]


class SyntheticEmbedder:
    """Document vectors for the synthetic corpus without running the model.

    Each synthetic chunk's body is verbatim the body of a real chunk (see ``synthetic_corpus``);
    its vector is that chunk's real vector plus seeded Gaussian noise (``sigma`` = expected
    norm of the noise before re-normalising), so copies are near neighbours, not exact
    duplicates (exact duplicates are a degenerate case for HNSW). A body not found among the
    real chunks is embedded by the real model and counted. Queries always use the real model.
    """

    def __init__(self, base: Any, vectors_by_text: dict[str, Any],
                 vectors_by_body: dict[str, Any], sigma: float = 0.3,
                 sentence_vectors: Any = None) -> None:
        self.base = base
        # The composer's sentence vectors (answer/sentvec.py): copies repeat real sentences,
        # which get the real corpus's vectors.
        self.sentence_vectors = sentence_vectors
        self.sentences = 0
        self.model_id = f"synthetic|{base.model_id}"
        self.by_text = vectors_by_text
        self.by_body = vectors_by_body
        self.sigma = sigma
        self.synthetic = 0
        self.exact = 0
        self.real = 0
        self.cosines: list[float] = []

    def warm_up(self) -> None:
        self.base.warm_up()

    def embed_documents(self, texts: Sequence[str]) -> Any:
        import hashlib

        import numpy as np

        out = np.zeros((len(texts), len(next(iter(self.by_body.values())))), dtype=np.float32)
        todo = []
        exact_here = 0
        for i, t in enumerate(texts):
            sv = self.sentence_vectors.get(t) if self.sentence_vectors is not None else None
            if sv is not None:
                out[i] = sv
                self.sentences += 1
                continue
            exact = self.by_text.get(t)
            if exact is not None:  # a real file's chunk: its real vector
                out[i] = exact
                exact_here += 1
                continue
            body = t.split("\n", 1)[1] if "\n" in t else t
            v = self.by_body.get(body)
            if v is None:
                todo.append(i)
                continue
            seed = int(hashlib.sha1(t.encode()).hexdigest()[:12], 16)
            noise = np.random.default_rng(seed).standard_normal(v.shape[0]).astype(np.float32)
            w = v + noise * (self.sigma / np.sqrt(v.shape[0]))
            w /= np.linalg.norm(w)
            if len(self.cosines) < 2000:
                self.cosines.append(float(np.dot(v, w)))
            out[i] = w
        if todo:
            out[todo] = self.base.embed_documents([texts[i] for i in todo])
            self.real += len(todo)
        self.synthetic += len(texts) - len(todo) - exact_here
        self.exact += exact_here
        return out

    def embed_query(self, text: str) -> Any:
        return self.base.embed_query(text)

    def clear_query_cache(self) -> None:
        clear = getattr(self.base, "clear_query_cache", None)
        if clear is not None:
            clear()


def synthetic_corpus(corpus: Path, out: Path, factor: int, seed: int = 8) -> dict[str, Any]:
    """A corpus ``factor`` times larger: the real files, plus ``factor - 1`` recombined copies.

    Each copy re-deals every section of the corpus (shuffled with a seeded generator) into as
    many files as the real corpus has, each file keeping a real file's front matter (domain and
    section) under a short new title. Sections keep their heading path and text verbatim, so the
    chunker cuts the same bodies and their real vectors can stand in (``SyntheticEmbedder``).
    The real files are included unchanged (and keep their real vectors).
    """
    import random

    from assistant.ingest.loaders import load_document

    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix == ".md")
    shutil.copytree(corpus, out / "real", ignore=shutil.ignore_patterns("practice"))
    docs = [load_document(p, max_bytes=50_000_000, max_pages=2000) for p in files]
    pool = [sec for d in docs for sec in d.sections]
    sizes = [len(d.sections) for d in docs]
    rng = random.Random(seed)
    written = 0
    for j in range(1, factor):
        order = pool[:]
        rng.shuffle(order)
        pos = 0
        folder = out / f"set-{j:03d}"
        folder.mkdir(parents=True)
        for f, (d, n) in enumerate(zip(docs, sizes)):
            secs = order[pos:pos + n]
            pos += n
            meta: dict[str, Any] = {"title": f"Study set {j} part {f}"}
            if d.domain is not None:
                meta["domain"] = d.domain
            if d.section:
                meta["section"] = d.section
            lines = ["---", *(f"{k}: {json.dumps(v)}" for k, v in meta.items()), "---", ""]
            # Sections without a heading would run into the previous section's text: give them one.
            for sec in sorted(secs, key=lambda s: bool(s.heading_path)):
                path = sec.heading_path or ("Overview",)
                for level, h in enumerate(path, start=2):
                    lines += [f"{'#' * min(level, 6)} {h}", ""]
                lines += [sec.text, ""]
            (folder / f"part-{f:03d}.md").write_text("\n".join(lines), encoding="utf-8")
            written += 1
    return {"real_files": len(files), "synthetic_files": written, "sections_per_copy": len(pool),
            "seed": seed}


def bench_scale(corpus: Path, work: Path, factor: int, base_settings: Any, base_embedder: Any,
                cases: Sequence[Any], threads: int) -> dict[str, Any]:
    from assistant.answer import Assistant
    from assistant.embed import EmbeddingCache
    from assistant.index import Index
    from assistant.retrieve import Retriever

    log(f"scale: generating a {factor}x corpus")
    t = time.perf_counter()
    big = work / f"corpus-x{factor}"
    gen = synthetic_corpus(corpus, big, factor)
    gen_s = time.perf_counter() - t
    # Real vectors of the real chunks, by body text, from the shipped corpus's index.
    snap = Index(base_settings).snapshot()
    cache = EmbeddingCache(base_settings.index_dir / "embeddings.sqlite3")
    keys = [EmbeddingCache.key(base_embedder.model_id, c.embed_text()) for c in snap.chunks]
    got = cache.get_many(keys)
    by_text = {c.embed_text(): got[k] for c, k in zip(snap.chunks, keys) if k in got}
    by_body = {c.text: got[k] for c, k in zip(snap.chunks, keys) if k in got}
    cache.close()
    s = bench_settings(big, work / f"idx-x{factor}", work / "data")
    from assistant.answer.sentvec import load_sentence_vectors

    sentences = load_sentence_vectors(Index(base_settings).root / snap.generation)
    synth = SyntheticEmbedder(base_embedder, by_text, by_body, sentence_vectors=sentences)
    log(f"scale: building the {factor}x index")
    build = build_index(s, synth)
    a = Assistant(s, retriever=Retriever(s, embedder=synth))
    a.warm_up()
    log("scale: queries")
    q = bench_queries(a, cases, threads, with_quality=False)
    cos = synth.cosines
    return {
        "factor": factor,
        "corpus": gen,
        "generate_s": round(gen_s, 2),
        "build": build,
        "vectors": {"real_chunks_real_vectors": synth.exact, "synthetic": synth.synthetic,
                    "embedded_by_model": synth.real,
                    "real_sentence_vectors": synth.sentences,
                    "noise_sigma": synth.sigma,
                    "mean_cosine_to_real_vector": round(sum(cos) / len(cos), 4) if cos else None,
                    "how": "real corpus files embedded for real (cache); each recombined copy's "
                           "chunk gets the real vector of the chunk with the same body plus "
                           "seeded Gaussian noise, re-normalised; bodies not found are embedded "
                           "by the model. Queries are embedded by the real model."},
        "query": q,
        "note": "hit@5 is not reported at scale: the copies repeat the real passages, so it "
                "would measure duplicates, not retrieval.",
    }
