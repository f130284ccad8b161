"""The database under the user-data store (store.py): SQLite, the embedded default, or
PostgreSQL when ``ASSISTANT_DATABASE_URL=postgresql://...`` is set.

Two backends behind one small interface (``Backend``): ``transaction()`` yields a connection
whose ``execute(sql, params)`` returns a cursor (``fetchone``, ``fetchall``, iteration,
``lastrowid``), ``query(sql, params)`` returns rows, ``migrate(...)`` creates tables. Rows
answer ``r["col"]``, ``r[0]``, ``dict(r)`` and ``tuple(r)`` on both engines.

- SQLite goes through ``sqlite3`` exactly as before this module existed (WAL, synchronous=FULL,
  BEGIN IMMEDIATE, one connection per thread): the crash and concurrency guarantees measured in
  tests/reliability stay the ones of that code path.
- PostgreSQL goes through SQLAlchemy 2 Core with psycopg 3: a connection pool with
  ``pool_pre_ping`` (a connection the server dropped is replaced at checkout), statements sent
  with ``exec_driver_sql`` after the translation below. A write transaction first takes one
  transaction-scoped advisory lock, so writers queue exactly as SQLite's BEGIN IMMEDIATE makes
  them queue: code that reads then writes inside ``transaction()`` stays correct on both.

The portable SQL subset (what feature modules write; the PostgreSQL backend translates it):

- placeholders ``?`` (or ``:name`` with a dict); a literal ``%`` is fine;
- the column ``user`` is written ``"user"`` (a reserved word in PostgreSQL, where a bare
  ``user`` means the session's role name); as a guard, a bare ``user`` is quoted on PostgreSQL;
- DDL: ``CREATE TABLE/INDEX IF NOT EXISTS``, ``INTEGER PRIMARY KEY AUTOINCREMENT`` for a
  generated id named ``id`` (``cur.lastrowid`` returns it on both engines), column types
  ``TEXT``, ``INTEGER`` (64-bit on both), ``REAL`` (double precision on both), ``BLOB``;
  ``ALTER TABLE ... ADD COLUMN`` in a later migration version;
- upserts ``INSERT ... ON CONFLICT(cols) DO UPDATE SET c = excluded.c`` or ``DO NOTHING``;
  qualify the old row's columns with the table name (``COALESCE(excluded.x, t.x)``);
- booleans are INTEGER 0/1, and aggregates count with ``SUM(CASE WHEN cond THEN 1 ELSE 0 END)``
  (PostgreSQL cannot add up comparisons); no ``INSERT OR REPLACE/IGNORE``, no ``PRAGMA``,
  no ``GROUP_CONCAT``, no ``strftime``/``datetime()`` (times are REAL epoch seconds).
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
import weakref
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from assistant.errors import ConfigError, StoreUnavailableError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection as SAConnection
    from sqlalchemy.engine import Engine

__all__ = ["Backend", "Cursor", "DB", "Row", "SQLiteBackend", "PostgresBackend", "open_backend",
           "split_statements", "to_postgres", "ddl_to_postgres"]

Params = Sequence[Any] | dict[str, Any]

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at REAL NOT NULL,
    PRIMARY KEY (component, version)
);
"""
# Advisory-lock keys (any 64-bit numbers unique to this application).
_MIGRATION_LOCK = zlib.crc32(b"pmle-assistant schema migrations")
_WRITE_LOCK = zlib.crc32(b"pmle-assistant writer")


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


class Row(tuple[Any, ...]):
    """A result row: ``r["col"]``, ``r[0]``, ``dict(r)``, ``tuple(r)`` (like sqlite3.Row)."""

    _names: dict[str, int]

    def __new__(cls, values: Iterable[Any], names: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def keys(self) -> list[str]:
        return list(self._names)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)


def _plain(v: Any) -> Any:
    # SUM over BIGINT is NUMERIC in PostgreSQL; SQLite gives int. Give what SQLite gives.
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


# --- SQL translation ---------------------------------------------------------------------

# Code, 'string', "identifier", -- comment, /* comment */: only code is rewritten.
_LEXEME = re.compile(r"('(?:[^']|'')*')|(\"(?:[^\"]|\"\")*\")|(--[^\n]*)|(/\*.*?\*/)|([^'\"\-/]+|.)",
                     re.S)


def _code_parts(sql: str) -> Iterator[tuple[bool, str]]:
    """(is_code, text) pieces of ``sql``; consecutive code characters are merged."""
    buf: list[str] = []
    for m in _LEXEME.finditer(sql):
        if m.group(5) is not None:
            buf.append(m.group(5))
            continue
        if buf:
            yield True, "".join(buf)
            buf = []
        yield False, m.group(0)
    if buf:
        yield True, "".join(buf)


def split_statements(script: str) -> list[str]:
    """The statements of a script (``;`` outside strings and comments), comments kept."""
    out, cur = [], []
    for is_code, text in _code_parts(script):
        if not is_code:
            cur.append(text)
            continue
        parts = text.split(";")
        for i, p in enumerate(parts):
            cur.append(p)
            if i < len(parts) - 1:
                out.append("".join(cur))
                cur = []
    out.append("".join(cur))
    return [s.strip() for s in out if _has_code(s)]


def _has_code(stmt: str) -> bool:
    return any(is_code and text.strip() for is_code, text in _code_parts(stmt))


_USER = re.compile(r"(?<![\w\"$])user(?![\w\"$])", re.I)
_NAMED = re.compile(r"(?<!:):([A-Za-z_]\w*)")


@lru_cache(maxsize=4096)
def to_postgres(sql: str, style: str = "qmark") -> str:
    """A portable statement in psycopg's dialect: ``?`` -> ``%s`` (style "named": ``:name`` ->
    ``%(name)s``), ``%`` -> ``%%`` (psycopg reads placeholders everywhere, even in string
    literals; style "none", for a statement sent without parameters, leaves both alone), and a
    bare ``user`` -> ``"user"``."""
    out = []
    for is_code, text in _code_parts(sql):
        if style != "none":
            text = text.replace("%", "%%")
        if is_code:
            if re.search(r"\bINSERT\s+OR\b", text, re.I):
                raise ConfigError("INSERT OR REPLACE/IGNORE is SQLite-only; write INSERT ... ON "
                                  "CONFLICT(...) DO UPDATE/DO NOTHING (see assistant/database.py)")
            if style == "named":
                text = _NAMED.sub(r"%(\1)s", text)
            elif style == "qmark":
                text = text.replace("?", "%s")
            text = _USER.sub('"user"', text)
        out.append(text)
    return "".join(out)


def _style(params: Any) -> str:
    if isinstance(params, dict):
        return "named" if params else "none"
    return "qmark" if len(params) else "none"


_AUTOINC = re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b", re.I)
_TYPES = [(re.compile(r"\bINTEGER\b", re.I), "BIGINT"),
          (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),
          (re.compile(r"\bBLOB\b", re.I), "BYTEA")]


def ddl_to_postgres(stmt: str) -> str:
    """One DDL statement of the portable subset in PostgreSQL's types."""
    out = []
    for is_code, text in _code_parts(stmt):
        if is_code:
            text = _AUTOINC.sub("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", text)
            for pat, repl in _TYPES:
                text = pat.sub(repl, text)
        out.append(text)
    return "".join(out)


def _is_pragma(stmt: str) -> bool:
    return next((t for c, t in _code_parts(stmt) if c and t.strip()), "").lstrip().upper() \
        .startswith("PRAGMA")


# --- the backends --------------------------------------------------------------------------

class Backend(Protocol):
    description: str

    def transaction(self) -> Any: ...  # a context manager yielding a DB
    def query(self, sql: str, params: Params = ()) -> list[Any]: ...
    def migrate(self, scripts: Sequence[str], component: str | None) -> None: ...
    def applied(self) -> dict[str, int]: ...
    def close(self) -> None: ...


def _versions(db: Any, component: str) -> int:
    row = db.execute("SELECT MAX(version) FROM schema_migrations WHERE component = ?",
                     (component,)).fetchone()
    return int(row[0] or 0)


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
                    _apply(db, scripts, component, _same)
                return
            except sqlite3.OperationalError as err:  # "database is locked" past the timeout
                if "locked" not in str(err) or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def applied(self) -> dict[str, int]:
        return _applied(self)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _apply(db: Any, scripts: Sequence[str], component: str | None,
           ddl: Any) -> None:
    for stmt in split_statements(MIGRATIONS_TABLE):
        db.execute(ddl(stmt))
    start = _versions(db, component) if component else 0
    for version, script in enumerate(scripts, start=1):
        if version <= start:
            continue
        for stmt in split_statements(script):
            if ddl is not _same and _is_pragma(stmt):
                continue  # SQLite settings: meaningless on PostgreSQL
            db.execute(ddl(stmt))
        if component:
            db.execute("INSERT INTO schema_migrations (component, version, applied_at) "
                       "VALUES (?, ?, ?)", (component, version, time.time()))


def _same(s: str) -> str:
    return s


def _applied(backend: Backend) -> dict[str, int]:
    try:
        rows = backend.query("SELECT component, MAX(version) AS v FROM schema_migrations "
                             "GROUP BY component")
    except Exception:  # noqa: BLE001 - no table yet: nothing applied
        return {}
    return {r["component"]: int(r["v"]) for r in rows}


class _PgCursor:
    def __init__(self, rows: list[Row], lastrowid: int | None) -> None:
        self._rows = rows
        self._pos = 0
        self.lastrowid = lastrowid

    def fetchone(self) -> Row | None:
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]

    def fetchall(self) -> list[Row]:
        rest, self._pos = self._rows[self._pos:], len(self._rows)
        return rest

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


_INSERT = re.compile(r"^\s*INSERT\s+INTO\s+\"?(\w+)\"?", re.I)


def _args(params: Any) -> Any:
    if isinstance(params, dict):
        return params or None
    return tuple(params) or None


class _PgConnection:
    """The DB a PostgreSQL transaction yields: portable SQL in, sqlite3-like cursors out."""

    def __init__(self, backend: PostgresBackend, conn: SAConnection) -> None:
        self._backend = backend
        self._conn = conn

    def execute(self, sql: str, parameters: Any = (), /) -> _PgCursor:
        stmt = to_postgres(sql, _style(parameters))
        returning = False
        m = _INSERT.match(sql)
        if m and " RETURNING " not in sql.upper() \
                and self._backend.has_id(m.group(1), self._conn):
            stmt, returning = stmt + " RETURNING id", True
        try:
            result = self._conn.exec_driver_sql(stmt, _args(parameters))
        except Exception as err:
            self._backend.fail(err, "this action was not saved")
        rows = _rows(result) if result.returns_rows else []
        lastrowid = int(rows[0][0]) if returning and rows else None
        return _PgCursor([] if returning else rows, lastrowid)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> _PgCursor:
        seq = list(parameters)
        if seq:
            try:
                self._conn.exec_driver_sql(to_postgres(sql, _style(seq[0])),
                                           [p if isinstance(p, dict) else tuple(p) for p in seq])
            except Exception as err:
                self._backend.fail(err, "this action was not saved")
        return _PgCursor([], None)


def _rows(result: Any) -> list[Row]:
    names = {k: i for i, k in enumerate(result.keys())}
    return [Row((_plain(v) for v in r), names) for r in result.fetchall()]


class PostgresBackend:
    """SQLAlchemy Core engine over psycopg 3, pooled, pre-pinged, retried before a
    transaction starts."""

    def __init__(self, url: str, *, retry_s: float = 8.0, connect_timeout: int = 5) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            u = make_url(url)
        except ArgumentError:
            raise ConfigError("ASSISTANT_DATABASE_URL is not a database URL; write "
                              "postgresql://USER:PASSWORD@HOST:5432/DBNAME") from None
        if u.get_backend_name() not in ("postgresql", "postgres"):
            raise ConfigError(f"ASSISTANT_DATABASE_URL uses {u.get_backend_name()!r}; only "
                              "postgresql://USER:PASSWORD@HOST:5432/DBNAME is supported (leave "
                              "it empty for the SQLite file under data_dir)")
        u = u.set(drivername="postgresql+psycopg")
        host = u.host or u.query.get("host") or "localhost"
        port = u.port or u.query.get("port") or 5432
        self.where = f"{u.username or 'the default user'}@{host}:{port}/{u.database}"
        self.description = f"PostgreSQL {self.where}"  # never the password
        self.retry_s = retry_s
        self.engine: Engine = create_engine(
            u, pool_pre_ping=True, pool_size=5, max_overflow=20, pool_timeout=30,
            connect_args={"connect_timeout": connect_timeout,
                          "application_name": "pmle-assistant"})
        self._ids: dict[str, bool] = {}
        self._ids_lock = threading.Lock()
        # A store dropped without close() still closes its pooled connections.
        weakref.finalize(self, self.engine.dispose)

    # --- errors --------------------------------------------------------------------------

    def unavailable(self, err: BaseException, consequence: str) -> BaseException:
        """A connection failure as one line naming cause and fix; other errors unchanged."""
        from sqlalchemy.exc import DBAPIError, OperationalError

        if not isinstance(err, DBAPIError):
            return err
        if not (isinstance(err, OperationalError) or err.connection_invalidated):
            return err
        text = " ".join(str(err.orig).split()).lower()
        if "password authentication failed" in text or "no password supplied" in text:
            return ConfigError(f"PostgreSQL refused the password for {self.where}; fix the user "
                               "and password in ASSISTANT_DATABASE_URL")
        m = re.search(r'database "([^"]+)" does not exist', text)
        if m:
            return ConfigError(f"the database {m.group(1)!r} does not exist on {self.where}; "
                               f"create it (createdb {m.group(1)}) or fix the name in "
                               "ASSISTANT_DATABASE_URL")
        m = re.search(r'role "([^"]+)" does not exist', text)
        if m:
            return ConfigError(f"PostgreSQL has no user {m.group(1)!r} ({self.where}); create "
                               "it or fix the user in ASSISTANT_DATABASE_URL")
        if "could not translate host name" in text or "name or service not known" in text \
                or "nodename nor servname" in text:
            cause = "the host name does not resolve"
        elif "connection refused" in text or "no such file or directory" in text:
            cause = "connection refused"
        elif "timeout" in text or "timed out" in text:
            cause = "no answer before the timeout"
        else:
            cause = "the connection was lost"
        return StoreUnavailableError(
            f"the database {self.where} is unreachable ({cause}); {consequence}: check that "
            "PostgreSQL is running and that ASSISTANT_DATABASE_URL names its host and port, "
            "then try again")

    def fail(self, err: BaseException, consequence: str) -> NoReturn:
        """Raise ``err``, as its one-line form when it is a connection failure."""
        mapped = self.unavailable(err, consequence)
        if mapped is err:
            raise err
        raise mapped from err

    def _connect(self) -> SAConnection:
        """A live connection; connection errors are retried for ``retry_s`` (a restarting
        server), since nothing has been sent yet."""
        deadline = time.monotonic() + self.retry_s
        delay = 0.1
        while True:
            try:
                return self.engine.connect()
            except Exception as err:
                mapped = self.unavailable(err, "this action was not saved")
                if not isinstance(mapped, StoreUnavailableError) \
                        or time.monotonic() + delay > deadline:
                    self.fail(err, "this action was not saved")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    # --- the interface -------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[_PgConnection]:
        deadline = time.monotonic() + self.retry_s
        while True:
            conn = self._connect()
            try:
                conn.begin()
                # Writers queue like SQLite's BEGIN IMMEDIATE (see the module docstring).
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
                break
            except Exception as err:  # the server went away between checkout and BEGIN
                conn.invalidate()
                conn.close()
                mapped = self.unavailable(err, "this action was not saved")
                if not isinstance(mapped, StoreUnavailableError) or time.monotonic() > deadline:
                    self.fail(err, "this action was not saved")
                time.sleep(0.2)
        try:
            yield _PgConnection(self, conn)
        except BaseException:
            try:
                conn.rollback()
            except Exception:  # noqa: BLE001 - the connection is gone; the server rolls back
                conn.invalidate()
            conn.close()
            raise
        try:
            conn.commit()
        except Exception as err:
            conn.invalidate()
            conn.close()
            self.fail(err, "this action may not have been saved")
        conn.close()

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        stmt = to_postgres(sql, _style(params))
        for attempt in range(2):  # a read is safe to repeat on a fresh connection
            conn = self._connect()
            try:
                with conn.begin():
                    return _rows(conn.exec_driver_sql(stmt, _args(params)))
            except Exception as err:
                if attempt == 1 or not isinstance(self.unavailable(err, ""),
                                                  StoreUnavailableError):
                    self.fail(err, "nothing was read")
            finally:
                conn.close()
        raise AssertionError("unreachable")

    def migrate(self, scripts: Sequence[str], component: str | None) -> None:
        conn = self._connect()
        try:
            with conn.begin():
                # Two processes starting at once: the second waits here, then finds the
                # versions applied. DDL is transactional in PostgreSQL.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                _apply(_PgConnection(self, conn), scripts, component, ddl_to_postgres)
        except Exception as err:
            self.fail(err, "the tables were not created")
        finally:
            conn.close()
        with self._ids_lock:
            self._ids.clear()  # new tables may have ids

    def has_id(self, table: str, conn: SAConnection) -> bool:
        """Whether ``table`` has a generated ``id`` (INTEGER PRIMARY KEY AUTOINCREMENT). Looked
        up once per table, on the caller's connection (a second checkout while holding one
        could starve the pool)."""
        table = table.lower()
        with self._ids_lock:
            known = self._ids.get(table)
        if known is None:
            result = conn.exec_driver_sql(
                "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND "
                "column_name = 'id' AND is_identity = 'YES' AND "
                "table_schema = current_schema()", (table,))
            known = result.first() is not None
            with self._ids_lock:
                self._ids[table] = known
        return known

    def applied(self) -> dict[str, int]:
        return _applied(self)

    def close(self) -> None:
        self.engine.dispose()


def open_backend(target: Path | str, **kw: Any) -> SQLiteBackend | PostgresBackend:
    """A ``Path`` (or ``sqlite:///path``) is SQLite; ``postgresql://...`` is PostgreSQL."""
    if isinstance(target, Path):
        return SQLiteBackend(target)
    if target.startswith("sqlite:///"):
        return SQLiteBackend(Path(target.removeprefix("sqlite:///")))
    return PostgresBackend(target, **kw)
