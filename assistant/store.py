"""SQLite store for everything a user makes: conversations, answers with their passages,
tutor verdicts, flashcard reviews, quiz attempts. Nothing user-made lives only in memory.

WAL mode and one transaction per action: a rating that was acknowledged survives a kill -9 of
the app, and readers (other Streamlit sessions) never block the writer. Each thread gets its own
connection (sqlite3 connections must not be shared across threads).

Tables owned by other modules (the study tools) are created by them through ``migrate``, so
this file does not grow with every feature.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Store", "StoredAnswer", "Verdict"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    answer_json TEXT,            -- the full answer: citations and the exact passages used
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id, id);
CREATE TABLE IF NOT EXISTS verdicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    reviewer TEXT NOT NULL,
    correct INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    approved INTEGER NOT NULL DEFAULT 0,  -- approved as a regression eval case
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS verdicts_by_message ON verdicts(message_id, id);
"""


@dataclass(frozen=True)
class StoredAnswer:
    message_id: int
    conversation_id: str
    user: str
    question: str
    answer: dict[str, Any]  # Answer.to_dict() (older rows: to_json()); Answer.from_dict reads both
    created: float


@dataclass(frozen=True)
class Verdict:
    id: int
    message_id: int
    reviewer: str
    correct: bool
    comment: str
    approved: bool
    created: float


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.migrate(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk before we acknowledge it (WAL + NORMAL could lose the
            # last transactions on power loss; a study log is small, the cost is negligible).
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One action, one transaction. BEGIN IMMEDIATE takes the write lock up front, so two
        processes writing at once queue instead of failing half way."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self._conn().execute(sql, params).fetchall()

    def migrate(self, script: str) -> None:
        """Create tables (idempotent). Feature modules call this with their own schema."""
        conn = self._conn()
        for attempt in range(5):
            try:
                conn.executescript(script)
                return
            except sqlite3.OperationalError as err:  # another process creating the same tables
                if "locked" not in str(err) or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- conversations -------------------------------------------------------------------

    def new_conversation(self, user: str, title: str = "") -> str:
        cid = uuid.uuid4().hex
        with self.transaction() as db:
            db.execute("INSERT INTO conversations (id, user, title, created) VALUES (?, ?, ?, ?)",
                       (cid, user, title[:200], time.time()))
        return cid

    def conversations(self, user: str) -> list[dict[str, Any]]:
        rows = self.query("SELECT c.id, c.title, c.created, COUNT(m.id) AS n FROM conversations c "
                          "LEFT JOIN messages m ON m.conversation_id = c.id WHERE c.user = ? "
                          "GROUP BY c.id ORDER BY c.created DESC", (user,))
        return [dict(r) for r in rows]

    def add_exchange(self, conversation_id: str, question: str, answer: dict[str, Any]) -> int:
        """Store a question and its answer together; returns the answer's message id."""
        now = time.time()
        with self.transaction() as db:
            db.execute("INSERT INTO messages (conversation_id, role, content, created) "
                       "VALUES (?, 'user', ?, ?)", (conversation_id, question, now))
            cur = db.execute("INSERT INTO messages (conversation_id, role, content, answer_json, "
                             "created) VALUES (?, 'assistant', ?, ?, ?)",
                             (conversation_id, answer.get("answer", ""),
                              json.dumps(answer, ensure_ascii=False), now))
            db.execute("UPDATE conversations SET title = ? WHERE id = ? AND title = ''",
                       (question[:200], conversation_id))
            assert cur.lastrowid is not None  # set by every INSERT
            return int(cur.lastrowid)

    def messages(self, conversation_id: str) -> list[dict[str, Any]]:
        rows = self.query("SELECT id, role, content, answer_json, created FROM messages "
                          "WHERE conversation_id = ? ORDER BY id", (conversation_id,))
        out = []
        for r in rows:
            d = dict(r)
            d["answer"] = json.loads(d.pop("answer_json")) if r["answer_json"] else None
            out.append(d)
        return out

    def answers(self, user: str | None = None, limit: int = 500) -> list[StoredAnswer]:
        sql = ("SELECT m.id, m.conversation_id, c.user, m.answer_json, m.created FROM messages m "
               "JOIN conversations c ON c.id = m.conversation_id "
               "WHERE m.role = 'assistant' AND m.answer_json IS NOT NULL")
        params: tuple[Any, ...] = ()
        if user is not None:
            sql += " AND c.user = ?"
            params = (user,)
        sql += " ORDER BY m.id DESC LIMIT ?"
        rows = self.query(sql, (*params, limit))
        out = []
        for r in rows:
            ans = json.loads(r["answer_json"])
            out.append(StoredAnswer(r["id"], r["conversation_id"], r["user"],
                                    ans.get("question", ""), ans, r["created"]))
        return out

    def answer(self, message_id: int) -> StoredAnswer | None:
        rows = self.query("SELECT m.id, m.conversation_id, c.user, m.answer_json, m.created "
                          "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                          "WHERE m.id = ? AND m.answer_json IS NOT NULL", (message_id,))
        if not rows:
            return None
        r = rows[0]
        ans = json.loads(r["answer_json"])
        return StoredAnswer(r["id"], r["conversation_id"], r["user"], ans.get("question", ""),
                            ans, r["created"])

    # --- tutor verdicts ------------------------------------------------------------------

    def add_verdict(self, message_id: int, reviewer: str, correct: bool, comment: str = "",
                    approved: bool = False) -> int:
        with self.transaction() as db:
            cur = db.execute("INSERT INTO verdicts (message_id, reviewer, correct, comment, "
                             "approved, created) VALUES (?, ?, ?, ?, ?, ?)",
                             (message_id, reviewer, int(correct), comment, int(approved),
                              time.time()))
            assert cur.lastrowid is not None  # set by every INSERT
            return int(cur.lastrowid)

    def verdicts(self, message_id: int | None = None) -> list[Verdict]:
        sql = "SELECT * FROM verdicts"
        params: tuple[Any, ...] = ()
        if message_id is not None:
            sql += " WHERE message_id = ?"
            params = (message_id,)
        rows = self.query(sql + " ORDER BY id", params)
        return [Verdict(r["id"], r["message_id"], r["reviewer"], bool(r["correct"]), r["comment"],
                        bool(r["approved"]), r["created"]) for r in rows]

    def latest_verdicts(self) -> dict[int, Verdict]:
        """The most recent verdict per answer (a tutor may change their mind)."""
        out: dict[int, Verdict] = {}
        for v in self.verdicts():
            out[v.message_id] = v
        return out
