"""The index: immutable generations of (Chroma collection, chunk list, BM25 index).

This package owns the on-disk format, reading and writing; ingest and retrieval call it.

    chroma.py       the Chroma store (embedded or server) and its error classifiers
    generations.py  the layout, the collection of a generation, the chunk list, publish, prune
    bm25.py         BM25 tokenisation, build, save and load
    snapshot.py     Index (the reader) and Snapshot (one published generation, loaded)
    paths.py        how source paths are shown (project-relative or absolute)
"""

from assistant.index.bm25 import tokenize_for_bm25
from assistant.index.chroma import ChromaStore, is_connection_error, is_not_found
from assistant.index.generations import Layout, collection_for, count_words, generation_name, \
    read_chunks, write_chunks
from assistant.index.paths import display_path, resolve_display_path
from assistant.index.snapshot import Index, Snapshot

__all__ = ["ChromaStore", "Snapshot", "Index", "Layout", "display_path", "resolve_display_path",
           "tokenize_for_bm25", "generation_name", "collection_for", "count_words",
           "read_chunks", "write_chunks", "is_not_found", "is_connection_error"]
