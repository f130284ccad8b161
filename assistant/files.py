"""Crash-safe file writes: the one temp-and-rename helper of the project.

A report, a manifest, a pointer or a model file is written to a temporary file beside its
target (same file system, so the rename is atomic), flushed to disk, then renamed over the
target. A crash, a kill or a full disk leaves the old file (or none), never half a file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write", "atomic_path"]


def _tmp_for(path: Path, unique: bool) -> Path:
    if unique:
        # Several processes or threads may write the same report: each gets its own temp file.
        return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    # For writers serialised by a lock (the index): a killed writer's leftover has the same
    # name, and the next writer overwrites it instead of leaving it behind.
    return path.with_name(f"{path.name}.tmp")


def atomic_write(path: Path, data: str | bytes, *, encoding: str = "utf-8",
                 unique: bool = True) -> None:
    """Write ``data`` (text or bytes) to ``path`` atomically. Raises ``OSError`` on failure,
    after removing the temporary file."""
    tmp = _tmp_for(path, unique)
    try:
        with tmp.open("wb") as fh:
            fh.write(data.encode(encoding) if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_path(path: Path, *, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that takes a file name (an exporter, a
    plot): renamed over ``path`` when the block succeeds, removed in every case."""
    tmp = path.with_name(f".{path.stem}-{os.getpid()}-{threading.get_ident()}{suffix}")
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
