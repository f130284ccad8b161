"""The store for everything a user makes: conversations, answers with their passages, tutor
verdicts, flashcard reviews, quiz attempts. Nothing user-made lives only in memory.

Embedded default: one SQLite file under data_dir, WAL mode and one transaction per action (a
rating that was acknowledged survives a kill -9 of the app, readers never block the writer).
With ``ASSISTANT_DATABASE_URL=postgresql://...`` the same records live in PostgreSQL, so several
app instances can share them. The engines sit behind assistant/database.py.

The contract for feature modules (the study tools, accounts) that keep their own tables:

- ``migrate(scripts, component="name")``: ``scripts`` is a list whose item *i* is schema
  version *i + 1* of the component. Versions run once each, in order, on start-up (when the
  module opens the store), recorded in ``schema_migrations (component, version, applied_at)``;
  two processes starting together are safe (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory
  lock). Append a version to change a schema; never edit an applied one. A plain string (no
  component) is run every time and must be idempotent (``CREATE ... IF NOT EXISTS``).
- ``transaction()`` yields a connection: ``db.execute(sql, params)`` with ``?`` placeholders,
  ``cur.lastrowid`` after inserting into a table with ``id INTEGER PRIMARY KEY AUTOINCREMENT``,
  ``fetchone()``/``fetchall()``/iteration. One writer at a time on both engines: a read inside
  the transaction sees what no other writer can change before the commit.
- ``query(sql, params)`` reads; rows answer ``r["col"]``, ``r[0]``, ``dict(r)``.
- SQL is the portable subset described in assistant/sqltext.py: ``"user"`` quoted, types
  TEXT/INTEGER/REAL/BLOB, ``ON CONFLICT`` upserts, 0/1 for booleans, ``SUM(CASE WHEN ...)``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.database import DB, open_backend

if TYPE_CHECKING:
    from assistant.settings import Settings

__all__ = ["Store", "StoredAnswer", "Verdict", "DB"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    "user" TEXT NOT NULL,
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
    """``Store(path)``: the SQLite file at ``path``; ``Store("postgresql://...")``: PostgreSQL.
    ``Store.from_settings(settings)`` picks by ``database_url``."""

    def __init__(self, path: Path | str, **options: Any) -> None:
        if isinstance(path, str) and "://" not in path:
            path = Path(path)  # a file name given as text (Settings.store_location)
        self._db = open_backend(path, **options)
        self.path = path if isinstance(path, Path) else None
        self.migrate([_SCHEMA], component="store")

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls(settings.store_location)

    @property
    def description(self) -> str:
        """Where the records live, for messages (never a password)."""
        return str(self._db.description)

    @property
    def engine_name(self) -> str:
        return "sqlite" if self.path is not None else "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[DB]:
        """One action, one transaction; the writer lock is taken up front, so two processes
        writing at once queue instead of failing half way."""
        with self._db.transaction() as db:
            yield db

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        return self._db.query(sql, params)

    def migrate(self, script: str | Sequence[str], component: str | None = None) -> None:
        """Create or upgrade tables. ``migrate(SCRIPT)``: an idempotent script, run each time.
        ``migrate([V1, V2, ...], component=NAME)``: versioned, each version applied once."""
        scripts = [script] if isinstance(script, str) else list(script)
        if component is None and len(scripts) != 1:
            raise ValueError("several schema versions need a component name")
        self._db.migrate(scripts, component)

    def schema_versions(self) -> dict[str, int]:
        """The latest applied version of each component."""
        return self._db.applied()

    def close(self) -> None:
        self._db.close()

    # --- conversations -------------------------------------------------------------------

    def new_conversation(self, user: str, title: str = "") -> str:
        cid = uuid.uuid4().hex
        with self.transaction() as db:
            db.execute('INSERT INTO conversations (id, "user", title, created)'
                       " VALUES (?, ?, ?, ?)",
                       (cid, user, title[:200], time.time()))
        return cid

    def conversations(self, user: str) -> list[dict[str, Any]]:
        rows = self.query("SELECT c.id, c.title, c.created, COUNT(m.id) AS n FROM conversations c "
                          "LEFT JOIN messages m ON m.conversation_id = c.id WHERE c.\"user\" = ? "
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
        sql = ("SELECT m.id, m.conversation_id, c.\"user\", m.answer_json, m.created FROM messages m "
               "JOIN conversations c ON c.id = m.conversation_id "
               "WHERE m.role = 'assistant' AND m.answer_json IS NOT NULL")
        params: tuple[Any, ...] = ()
        if user is not None:
            sql += " AND c.\"user\" = ?"
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
        rows = self.query("SELECT m.id, m.conversation_id, c.\"user\", m.answer_json, m.created "
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
