"""The fuzz test's worker process: parses hostile files so that a parser hang or a crash of the
interpreter is caught by the test (with a timeout and a kill) instead of blocking the suite.

Protocol: one JSON request per stdin line, ``{"op": "load"|"eval"|"history", "path": ...,
"limits": {"max_bytes": ..., "max_pages": ...}}`` (limits for "load" only);
one JSON reply per stdout line:

- ``{"ok": {...}}``: the call returned; a summary of the result
- ``{"error": {"cls": ..., "classes": [...], "msg": ..., ...}}``: it raised an AssistantError
- ``{"crash": "<traceback>"}``: it raised anything else (a bug)

Replies go to a private copy of stdout; the library's own stdout and stderr go to stderr, and
whatever it wrote there or warned about is returned with the reply (``noise``): a stray
warning is a second line next to the one-line error a user should see.
"""

from __future__ import annotations

import io
import json
import os
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any


def _load(path: Path, max_bytes: int, max_pages: int, ocr_command: str | None = None
          ) -> dict[str, Any]:
    from assistant.ingest.loaders import load_document

    doc = load_document(path, max_bytes=max_bytes, max_pages=max_pages, ocr_command=ocr_command)
    return {"type": type(doc).__name__, "kind": doc.kind, "title": doc.title,
            "sections": [{"heading_path": list(s.heading_path), "text_chars": len(s.text),
                          "blank": not s.text.strip(), "page": s.page} for s in doc.sections]}


def _eval(path: Path, **_limits: int) -> dict[str, Any]:
    from assistant.evals import load_eval_set

    cases = load_eval_set(path)
    return {"type": "list", "cases": [{"cls": type(c).__name__, **c.to_json()} for c in cases]}


def _history(path: Path, **_limits: int) -> dict[str, Any]:
    from assistant.history import load_history

    turns = load_history(path)
    return {"type": "list", "turns": [{"cls": type(t).__name__, "role": t.role,
                                       "content_type": type(t.content).__name__,
                                       "content_chars": len(t.content)} for t in turns]}


OPS = {"load": _load, "eval": _eval, "history": _history}


def main() -> None:
    from assistant.errors import AssistantError

    # Replies on a private descriptor; fd 1 (where a library might print) joins stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    for raw in sys.stdin:
        req = json.loads(raw)
        captured = io.StringIO()
        real_err = sys.stderr
        sys.stderr = captured
        reply: dict[str, Any]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                reply = {"ok": OPS[req["op"]](Path(req["path"]), **req.get("limits", {}))}
            except AssistantError as err:
                reply = {"error": {"cls": type(err).__name__,
                                   "classes": [c.__name__ for c in type(err).__mro__],
                                   "msg": str(err), "reason": getattr(err, "reason", None),
                                   "path": getattr(err, "path", None),
                                   "line": getattr(err, "line", None)}}
            except BaseException:  # noqa: BLE001 - anything else is the bug being hunted
                reply = {"crash": traceback.format_exc()[-4000:]}
            finally:
                sys.stderr = real_err
        noise = [f"{w.category.__name__}: {w.message}" for w in caught] + \
            [ln for ln in captured.getvalue().splitlines() if ln.strip()]
        reply["noise"] = noise
        out.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
