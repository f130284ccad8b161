"""Text encodings: decode a text file in whatever common encoding it was saved in.

Order of evidence, strongest first:

1. a byte-order mark (UTF-8, UTF-16 or UTF-32): the writer said which encoding it used;
2. strict UTF-8: the encoding of almost every file written today, and one that random bytes
   (or cp1252 text with accents) almost never pass by accident;
3. charset-normalizer, first limited to the Western single-byte encodings (cp1252, latin-1):
   unrestricted, it calls a cp1252 file with curly quotes "cp1250" (Central European) and
   turns "à" into "ŕ", because the two differ only in letters an English text rarely has;
4. charset-normalizer over all the encodings it knows (cp1251, Shift JIS, ...).

Binary data (NUL bytes without a UTF-16/32 mark, or bytes no encoding reads cleanly) is
refused with a one-line reason.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import CorruptDocumentError

__all__ = ["DecodedText", "decode_text"]

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # UTF-32 first: its little-endian mark starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)
_SAMPLE = 65536
_WESTERN = ["cp1252", "latin_1"]
# Above this share of "chaos" (charset-normalizer's measure of implausible characters) a
# restricted Western guess is not trusted, and the unrestricted one is tried.
_MAX_CHAOS = 0.1
_BINARY = "binary data, not a text file; check the file type"


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # the Python codec name used: "utf-8", "utf-8-sig", "utf-16", "cp1252", ...


def _too_many_controls(text: str) -> bool:
    sample = text[:_SAMPLE]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bool(sample) and controls / len(sample) > 0.01


def decode_text(path: Path | str, data: bytes) -> DecodedText:
    """Decode ``data`` (the bytes of ``path``), or raise ``CorruptDocumentError`` for binary
    data and for bytes no common encoding reads."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise CorruptDocumentError(path, f"starts with a {name.upper()} byte-order mark "
                                                 "but is not valid " + name.upper()
                                           + "; save it again as UTF-8") from None
            text = text.lstrip("\ufeff")
            if _too_many_controls(text):
                raise CorruptDocumentError(path, _BINARY)
            return DecodedText(text, name)
    if b"\x00" in data[:_SAMPLE]:
        raise CorruptDocumentError(path, _BINARY)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _too_many_controls(text):
            raise CorruptDocumentError(path, _BINARY)
        return DecodedText(text, "utf-8")

    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_WESTERN).best()
    if best is None or best.chaos > _MAX_CHAOS:
        best = from_bytes(data).best() or best
    if best is None:
        raise CorruptDocumentError(path, "not a text file in any common encoding (UTF-8, UTF-16, "
                                         "cp1252, latin-1); save it as UTF-8 or check the "
                                         "file type")
    encoding = best.encoding
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise CorruptDocumentError(path, "not text in any common encoding; save it as "
                                         "UTF-8") from None
    if _too_many_controls(text):
        raise CorruptDocumentError(path, _BINARY)
    return DecodedText(text, encoding)
