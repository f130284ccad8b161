"""The candidate's practice history: multiple-choice questions they pasted into the chat and
chose to keep, with the coach's verdicts (stored in SQLite like every user action)."""

from __future__ import annotations

import json
import time
from typing import Any

from assistant.store import Store

__all__ = ["PracticeHistory"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS practice_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    "user" TEXT NOT NULL,
    message_id INTEGER,
    stem TEXT NOT NULL,
    options_json TEXT NOT NULL,
    choice_json TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    created REAL NOT NULL,
    UNIQUE ("user", message_id)
);
CREATE INDEX IF NOT EXISTS practice_history_user ON practice_history ("user", created);
"""


class PracticeHistory:
    def __init__(self, store: Store) -> None:
        self.store = store
        store.migrate([_SCHEMA], component="practice")

    def save(self, user: str, answer: dict[str, Any], message_id: int | None = None) -> int:
        """Keep a coached question (``Answer.to_json()`` with ``options``). Saving the same
        chat answer twice keeps one entry. Returns the entry's id."""
        if "options" not in answer:
            raise ValueError("only a coached multiple-choice answer can be saved to practice")
        question = str(answer.get("question", ""))
        stem = question.split("\n\n", 1)[0]
        with self.store.transaction() as db:
            if message_id is not None:
                row = db.execute("SELECT id FROM practice_history WHERE \"user\" = ? AND "
                                 "message_id = ?", (user, message_id)).fetchone()
                if row is not None:
                    return int(row[0])
            cur = db.execute(
                "INSERT INTO practice_history (\"user\", message_id, stem, options_json, "
                "choice_json, answer_json, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user, message_id, stem, json.dumps(answer["options"], ensure_ascii=False),
                 json.dumps(answer.get("choice") or []),
                 json.dumps(answer, ensure_ascii=False), time.time()))
            return int(cur.lastrowid or 0)

    def saved(self, user: str, message_id: int) -> bool:
        return bool(self.store.query("SELECT 1 FROM practice_history WHERE \"user\" = ? AND "
                                     "message_id = ?", (user, message_id)))

    def items(self, user: str, limit: int = 200) -> list[dict[str, Any]]:
        rows = self.store.query("SELECT id, message_id, stem, options_json, choice_json, "
                                "created FROM practice_history WHERE \"user\" = ? ORDER BY created "
                                "DESC, id DESC LIMIT ?", (user, limit))
        return [{"id": r["id"], "message_id": r["message_id"], "stem": r["stem"],
                 "options": json.loads(r["options_json"]),
                 "choice": json.loads(r["choice_json"]), "created": r["created"]}
                for r in rows]
