"""Reading a conversation history file for ``assistant ask --history``."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.errors import HistoryFileError
from assistant.records import Turn

__all__ = ["load_history"]

_MAX_BYTES = 5_000_000
_MAX_TURNS = 200


def _lines(text: str) -> list[str]:
    """Lines split at line breaks only. str.splitlines() also splits at U+2028, U+0085 and
    other characters that json.dumps(ensure_ascii=False) leaves raw inside strings."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _json(path: Path, n: int | None, text: str, skipped_lines: int = 0) -> object:
    """One JSON value; ``n`` is its line (JSON Lines), ``skipped_lines`` the blank lines
    stripped before a whole-file document."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        where = f"{path}:{n}: invalid JSON" if n is not None else \
            f"{path}: invalid JSON at line {err.lineno + skipped_lines}"
        raise HistoryFileError(f"{where} ({err.msg})") from None
    except RecursionError:
        raise HistoryFileError(f"{path}{f':{n}' if n else ''}: invalid JSON (nested too "
                               "deeply)") from None
    except ValueError as err:  # e.g. an integer literal over Python's 4300-digit limit
        raise HistoryFileError(f"{path}{f':{n}' if n else ''}: invalid JSON "
                               f"({str(err).split(':')[0]})") from None


def load_history(path: Path) -> list[Turn]:
    """Accepts a JSON list of turns ({"role": "user"|"assistant", "content": "..."}) or of
    strings (earlier questions), JSON Lines of either, or plain text with one earlier question
    per line."""
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise HistoryFileError(f"{path}: over {_MAX_BYTES // 1_000_000} MB; keep only the recent turns")
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise HistoryFileError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise HistoryFileError(f"{path}: not UTF-8 text; save the history as UTF-8") from None
    except OSError as err:
        raise HistoryFileError(f"{path}: cannot be read ({err.strerror})") from None
    if "\x00" in text:
        raise HistoryFileError(f"{path}: binary data, not a history file")
    stripped = text.strip()
    if not stripped:
        return []
    items: list[object]
    if stripped.startswith("["):
        skipped = text[:len(text) - len(text.lstrip())].count("\n")
        parsed = _json(path, None, stripped, skipped)
        if not isinstance(parsed, list):
            raise HistoryFileError(f"{path}: expected a JSON list of turns")
        items = parsed
    elif stripped.startswith("{"):
        items = []
        # Numbered over the whole file, so ":n" is the line an editor shows.
        for n, line in enumerate(_lines(text), start=1):
            if line.strip():
                items.append(_json(path, n, line))
    else:
        items = [ln for ln in _lines(stripped) if ln.strip()]
    turns: list[Turn] = []
    for n, item in enumerate(items, start=1):
        if isinstance(item, str):
            turns.append(Turn("user", item))
            continue
        if not isinstance(item, dict):
            raise HistoryFileError(f"{path}: turn {n} must be a string or an object with role and content")
        role, content = item.get("role", "user"), item.get("content")
        if role not in ("user", "assistant") or not isinstance(content, str):
            raise HistoryFileError(f"{path}: turn {n} needs role 'user' or 'assistant' and a "
                                   "text 'content'")
        turns.append(Turn(role, content))
    return turns[-_MAX_TURNS:]
