"""OCR of scanned PDF pages with Tesseract, when it is installed.

A scanned page is a page with no text layer that draws one or more images. Each image large
enough to hold text is handed to the ``tesseract`` command (Debian's ``tesseract-ocr``) as a
PNG on standard input; its text comes back on standard output. The command is optional: the
app and the CLI run without it, and a scanned PDF is then refused with the one-line "needs
OCR first" reason (``assistant.ingest.loaders``).

The CLI is called directly rather than through a wrapper package: it is one subprocess call,
and ``Settings.tesseract_cmd`` names the binary (a wrong path there means "not installed").
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["tesseract_path", "ocr_png", "ocr_page", "OcrFailed", "MAX_OCR_PAGES"]

MAX_OCR_PAGES = 200  # pages of one PDF read by OCR (each takes a second or more)
_TIMEOUT_S = 120  # one image
_MIN_SIDE = 64  # pixels: smaller images are icons and rules, not text
_MAX_PIXELS = 60_000_000  # bigger than a 600 dpi A3 scan: not a page image


class OcrFailed(Exception):
    """Tesseract ran but failed (crash, time-out); the message is one short line."""


def tesseract_path(command: str | None) -> str | None:
    """The full path of the tesseract binary, or None when OCR is off or not installed."""
    if not command:
        return None
    return shutil.which(command)


# Text already read, by image content: an upload is checked (loaded) and then ingested, and a
# file re-ingested after an edit elsewhere keeps most of its page images; OCR takes seconds a
# page. A few hundred pages of text: a few MB at most.
_CACHE: OrderedDict[str, str] = OrderedDict()
_CACHE_SIZE = 512
_CACHE_LOCK = threading.Lock()


def ocr_png(binary: str, png: bytes, language: str = "eng") -> str:
    """The text Tesseract reads in one PNG image (cached by content)."""
    key = hashlib.sha256(f"{binary}\x00{language}\x00".encode() + png).hexdigest()
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    text = _run_tesseract(binary, png, language)
    with _CACHE_LOCK:
        _CACHE[key] = text
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return text


def _run_tesseract(binary: str, png: bytes, language: str) -> str:
    # One thread per call: the machine's cores are shared with the embedder and other users,
    # and Tesseract's OpenMP threads slow small images down rather than speed them up.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run([binary, "stdin", "stdout", "-l", language], input=png,
                              capture_output=True, timeout=_TIMEOUT_S, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise OcrFailed(f"OCR took over {_TIMEOUT_S} s for one image") from None
    except OSError as err:
        raise OcrFailed(f"tesseract could not run ({err.strerror or type(err).__name__})") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise OcrFailed(f"tesseract failed ({tail[0][:120]})")
    return done.stdout.decode("utf-8", "replace")


def _page_pngs(page: Any) -> list[bytes]:
    """The page's images big enough to hold text, as PNG bytes (pypdf decodes them with
    Pillow)."""
    out: list[bytes] = []
    try:
        # Listing the images parses the page's content stream, which a damaged PDF can break
        # (pypdf raises PdfReadError and others): a page whose images cannot be listed has
        # nothing OCR can read.
        images = list(page.images)
    except Exception:  # noqa: BLE001 - any parse failure here means "no readable images"
        return out
    for img in images:
        try:
            pil = img.image
        except Exception:  # noqa: BLE001 - an image pypdf cannot decode: nothing to read
            continue
        if pil is None:
            continue
        w, h = pil.size
        if min(w, h) < _MIN_SIDE or w * h > _MAX_PIXELS:
            continue
        if pil.mode not in ("1", "L", "RGB"):
            pil = pil.convert("RGB")
        buf = io.BytesIO()
        pil.save(buf, format="PNG")
        out.append(buf.getvalue())
    return out


def ocr_page(binary: str, page: Any, before: Callable[[], None] | None = None) -> str:
    """The OCR text of a pypdf page's images, in drawing order ("" when it has none).
    ``before`` is called once before the first image is read (the caller's page limit)."""
    pngs = _page_pngs(page)
    if pngs and before is not None:
        before()
    texts = [ocr_png(binary, png) for png in pngs]
    return "\n\n".join(t.strip() for t in texts if t.strip())
