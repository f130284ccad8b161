"""The database under the user-data store (store.py): SQLite, the embedded default, or
PostgreSQL when ``ASSISTANT_DATABASE_URL=postgresql://...`` is set.

Two backends behind one small interface (``Backend``): ``transaction()`` yields a connection
whose ``execute(sql, params)`` returns a cursor (``fetchone``, ``fetchall``, iteration,
``lastrowid``), ``query(sql, params)`` returns rows, ``migrate(...)`` creates tables. Rows
answer ``r["col"]``, ``r[0]``, ``dict(r)`` and ``tuple(r)`` on both engines.

- SQLite goes through ``sqlite3`` exactly as before this module existed (WAL, synchronous=FULL,
  BEGIN IMMEDIATE, one connection per thread): the crash and concurrency guarantees measured in
  tests/reliability stay the ones of that code path.
- PostgreSQL goes through SQLAlchemy 2 Core with psycopg 3 (assistant/postgres.py): pooled,
  pre-pinged, retried before a transaction starts, writers queued by an advisory lock.

Feature modules write the portable SQL subset of assistant/sqltext.py; the PostgreSQL backend
translates it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from assistant.sqltext import apply_migrations, same

if TYPE_CHECKING:
    from assistant.postgres import PostgresBackend

__all__ = ["Backend", "Cursor", "DB", "SQLiteBackend", "open_backend"]

Params = Sequence[Any] | dict[str, Any]

class Cursor(Protocol):
    """What ``DB.execute`` returns on both engines."""

    @property
    def lastrowid(self) -> int | None: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class DB(Protocol):
    """The connection ``Store.transaction()`` yields."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...
    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...


class Backend(Protocol):
    description: str

    def transaction(self) -> Any: ...  # a context manager yielding a DB
    def query(self, sql: str, params: Params = ()) -> list[Any]: ...
    def migrate(self, scripts: Sequence[str], component: str | None) -> None: ...
    def applied(self) -> dict[str, int]: ...
    def close(self) -> None: ...


class SQLiteBackend:
    """sqlite3, WAL, one connection per thread (sqlite3 connections must not be shared)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"SQLite file {path}"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()

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
        """BEGIN IMMEDIATE takes the write lock up front, so two processes writing at once
        queue instead of failing half way."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def query(self, sql: str, params: Params = ()) -> list[Any]:
        return self._conn().execute(sql, params).fetchall()

    def migrate(self, scripts: Sequence[str], component: str | None) -> None:
        # One BEGIN IMMEDIATE: a second process starting at the same time waits (busy timeout)
        # and then finds the versions applied. DDL is transactional in SQLite.
        for attempt in range(5):
            try:
                with self.transaction() as db:
                    apply_migrations(db, scripts, component, same)
                return
            except sqlite3.OperationalError as err:  # "database is locked" past the timeout
                if "locked" not in str(err) or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def applied(self) -> dict[str, int]:
        try:
            rows = self.query("SELECT component, MAX(version) AS v FROM schema_migrations "
                              "GROUP BY component")
        except sqlite3.OperationalError:  # no table yet: nothing applied
            return {}
        return {r["component"]: int(r["v"]) for r in rows}

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def open_backend(target: Path | str, **kw: Any) -> SQLiteBackend | PostgresBackend:
    """A ``Path`` (or ``sqlite:///path``) is SQLite; ``postgresql://...`` is PostgreSQL."""
    if isinstance(target, Path):
        return SQLiteBackend(target)
    if target.startswith("sqlite:///"):
        return SQLiteBackend(Path(target.removeprefix("sqlite:///")))
    from assistant.postgres import PostgresBackend

    return PostgresBackend(target, **kw)
