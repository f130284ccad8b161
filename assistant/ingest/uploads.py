"""Uploaded files: safe names, size and type checks, validation, then into the uploads folder.

No Streamlit here (the Documents page calls it; tests call it directly). A file is checked the
way ingest checks it (``load_document``: type, size, pages, encryption, corruption, empty
text) *before* it is moved into ``Settings.uploads_dir``, so a bad upload never lands where
every later ingest would trip over it, and a good earlier version of the same file stays.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from assistant.errors import IngestError
from assistant.ingest.loaders import SUPPORTED_SUFFIXES, load_document
from assistant.settings import Settings

__all__ = ["sanitize_filename", "SavedUpload", "save_uploads", "UploadLike", "supported_types"]

# Names Windows reserves for devices, with or without an extension ("con.txt" opens the
# console there); replaced so the uploads folder stays copyable to any machine.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}
_UNSAFE = re.compile(r"[^\w.\- ()+,@]", re.UNICODE)
_MAX_NAME = 120
# File systems allow 255 bytes per name, not 255 characters: 120 CJK characters are 360 bytes,
# and the move into the folder failed with "File name too long" (raised out of save_uploads).
_MAX_NAME_BYTES = 200


def supported_types() -> list[str]:
    return sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES)


def sanitize_filename(name: str) -> str:
    """A file name safe to create inside the uploads folder.

    Drops any directory part (both separators, after Unicode normalisation, so a full-width
    "／" cannot sneak one in), NUL and control characters, "..", leading dots (hidden files
    are skipped by ingest) and reserved device names; keeps letters, digits and ``._-()+,@``
    and spaces; keeps the extension; never returns an empty name.
    """
    text = unicodedata.normalize("NFKC", str(name))
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = re.split(r"[/\\]", text)[-1]
    text = _UNSAFE.sub("_", text)
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    ext = ext.strip()[:16]
    stem = re.sub(r"\.{2,}", ".", stem)
    stem = re.sub(r"\s+", " ", stem).strip(" .")
    # Shortened in characters and in UTF-8 bytes, then stripped again: a cut just after a dot
    # would otherwise leave "name..md".
    stem = stem[: _MAX_NAME - len(ext) - 1]
    stem = stem.encode()[: _MAX_NAME_BYTES - len(ext.encode()) - 1].decode("utf-8", "ignore")
    stem = stem.rstrip(" .") or "upload"
    if stem.split(".")[0].strip().lower() in _RESERVED:
        stem = f"_{stem}"
    return f"{stem}.{ext}" if ext else stem


class UploadLike(Protocol):
    """What ``st.file_uploader`` returns (``UploadedFile``), or anything with these."""

    name: str
    size: int

    def getvalue(self) -> bytes: ...


@dataclass
class SavedUpload:
    original: str
    name: str  # the sanitized name
    path: Path | None  # where it was stored; None when refused
    error: str | None = None  # one line: "<name>: <reason>"


def _refuse(original: str, name: str, reason: str) -> SavedUpload:
    return SavedUpload(original, name, None, f"{name}: {reason}")


def save_uploads(settings: Settings, files: Iterable[UploadLike]) -> list[SavedUpload]:
    """Check each file and move the good ones into ``settings.uploads_dir``. Refusals come
    back as one line each; nothing is raised for a bad file."""
    dest_dir = settings.uploads_dir
    dest_dir.mkdir(parents=True, exist_ok=True)
    limit = int(settings.max_file_mb * 1_000_000)
    out: list[SavedUpload] = []
    taken: set[str] = set()
    for f in files:
        original = str(getattr(f, "name", "") or "upload")
        name = sanitize_filename(original)
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            out.append(_refuse(original, name, f"unsupported file type '{suffix or '(none)'}'; "
                               "supported: " + ", ".join(sorted(SUPPORTED_SUFFIXES))))
            continue
        size = int(getattr(f, "size", 0) or 0)
        if size > limit:
            out.append(_refuse(original, name, f"{size / 1e6:.1f} MB is over the limit of "
                               f"{settings.max_file_mb:g} MB; split the file or raise "
                               "ASSISTANT_MAX_FILE_MB"))
            continue
        data = f.getvalue()
        if len(data) > limit:
            out.append(_refuse(original, name, f"{len(data) / 1e6:.1f} MB is over the limit "
                               f"of {settings.max_file_mb:g} MB; split the file or raise "
                               "ASSISTANT_MAX_FILE_MB"))
            continue
        if name.lower() in taken:
            out.append(_refuse(original, name, "another file in this upload has the same name; "
                               "rename one of them"))
            continue
        taken.add(name.lower())
        # Staged next to the destination (same file system: the final move is atomic), under
        # a hidden name that ingest skips.
        fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=suffix, dir=dest_dir)
        tmp_path = Path(tmp)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            try:
                load_document(tmp_path, max_bytes=limit, max_pages=settings.max_pdf_pages,
                              ocr_command=settings.tesseract_cmd)
            except IngestError as err:
                out.append(_refuse(original, name, err.reason))
                continue
            except RecursionError:
                out.append(_refuse(original, name, "structure nested too deeply to read"))
                continue
            except Exception as err:  # noqa: BLE001 - a parser bug on odd bytes: refuse the file
                out.append(_refuse(original, name, f"cannot be read ({type(err).__name__}); "
                                   "check that the file opens in its usual program"))
                continue
            target = dest_dir / name
            os.replace(tmp_path, target)
            out.append(SavedUpload(original, name, target))
        finally:
            tmp_path.unlink(missing_ok=True)
    return out
