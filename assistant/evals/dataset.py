"""Eval sets: load and validate a JSONL file in the eval-set schema of the design page.

Every problem is reported as one line naming the file, the line and what to fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.errors import EvalFileError
from assistant.records import EvalCase

__all__ = ["load_eval_set"]

_REQUIRED = ("id", "question", "answerable", "evidence", "answer_keywords")


def load_eval_set(path: Path, *, max_bytes: int = 50_000_000) -> list[EvalCase]:
    """Parse a JSONL eval set; any problem is one line naming the file and line number."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise EvalFileError(path, None, "no such file") from None
    except OSError as err:
        raise EvalFileError(path, None, f"cannot be read ({err.strerror})") from None
    if size > max_bytes:
        raise EvalFileError(path, None, f"{size / 1e6:.0f} MB is too large for an eval set")
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise EvalFileError(path, None, f"not UTF-8 text (bad byte at offset {err.start})") from None
    except OSError as err:
        raise EvalFileError(path, None, f"cannot be read ({err.strerror})") from None
    cases: list[EvalCase] = []
    ids: dict[str, int] = {}
    # JSON Lines are separated by "\n" only: str.splitlines() also splits at U+2028, U+0085
    # and other characters that json.dumps(ensure_ascii=False) leaves raw inside strings.
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise EvalFileError(path, n, f"invalid JSON ({err.msg} at column {err.colno})") from None
        except RecursionError:
            raise EvalFileError(path, n, "invalid JSON (nested too deeply)") from None
        except ValueError as err:  # e.g. an integer literal over Python's 4300-digit limit
            raise EvalFileError(path, n, f"invalid JSON ({str(err).split(':')[0]})") from None
        case = _parse_case(path, n, obj)
        if case.id in ids:
            raise EvalFileError(path, n, f"duplicate id '{case.id}' (first on line {ids[case.id]})")
        ids[case.id] = n
        cases.append(case)
    if not cases:
        raise EvalFileError(path, None, "the eval set is empty; add one JSON object per line")
    return cases


def _parse_case(path: Path, n: int, obj: Any) -> EvalCase:
    if not isinstance(obj, dict):
        raise EvalFileError(path, n, "each line must be a JSON object")
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        raise EvalFileError(path, n, "missing field" + ("s " if len(missing) > 1 else " ")
                            + ", ".join(missing))

    def strings(key: str) -> tuple[str, ...]:
        v = obj[key] if key in obj else []
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise EvalFileError(path, n, f"'{key}' must be a list of strings")
        return tuple(x.strip().lower() for x in v if x.strip())

    if not isinstance(obj["id"], (str, int)) or isinstance(obj["id"], bool) or not str(obj["id"]).strip():
        raise EvalFileError(path, n, "'id' must be a non-empty string")
    if not isinstance(obj["question"], str) or not obj["question"].strip():
        raise EvalFileError(path, n, "'question' must be a non-empty string")
    if not isinstance(obj["answerable"], bool):
        raise EvalFileError(path, n, "'answerable' must be true or false")
    domain = obj.get("domain")
    if domain is not None and (not isinstance(domain, int) or isinstance(domain, bool)
                               or not 0 <= domain <= 6):
        raise EvalFileError(path, n, "'domain' must be an integer 0-6 or null")
    section = obj.get("section")
    if section is not None and not isinstance(section, str):
        raise EvalFileError(path, n, "'section' must be a string like \"3.2\" or null")
    evidence = strings("evidence")
    keywords = strings("answer_keywords")
    history = strings("history") if "history" in obj else ()
    if obj["answerable"] and not evidence:
        raise EvalFileError(path, n, "an answerable case needs at least one 'evidence' term")
    return EvalCase(id=str(obj["id"]), question=obj["question"], domain=domain, section=section,
                    answerable=obj["answerable"], evidence=evidence, answer_keywords=keywords,
                    history=tuple(h for h in (obj.get("history") or []) if isinstance(h, str))
                    if history else ())
