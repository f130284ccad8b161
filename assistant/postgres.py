"""The PostgreSQL backend of the store: SQLAlchemy 2 Core over psycopg 3.

A connection pool with ``pool_pre_ping`` (a connection the server dropped is replaced at
checkout); statements are sent with ``exec_driver_sql`` after the portable-SQL translation of
assistant/sqltext.py; connection errors before a transaction starts are retried for a few
seconds (a restarting server), later ones become one line (StoreUnavailableError) and the action
is not acknowledged. A write transaction first takes one transaction-scoped advisory lock, so
writers queue exactly as SQLite's BEGIN IMMEDIATE makes them queue: code that reads then writes
inside ``transaction()`` stays correct on both engines. Rows answer ``r["col"]``, ``r[0]``,
``dict(r)`` and ``tuple(r)``, like sqlite3.Row.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn

from assistant.errors import ConfigError, StoreUnavailableError
from assistant.sqltext import apply_migrations, ddl_to_postgres, param_style, to_postgres

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection as SAConnection
    from sqlalchemy.engine import Engine

__all__ = ["PostgresBackend", "Row"]

_MIGRATION_LOCK = zlib.crc32(b"pmle-assistant schema migrations")
_WRITE_LOCK = zlib.crc32(b"pmle-assistant writer")

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
        stmt = to_postgres(sql, param_style(parameters))
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
                self._conn.exec_driver_sql(to_postgres(sql, param_style(seq[0])),
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

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        stmt = to_postgres(sql, param_style(params))
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
                apply_migrations(_PgConnection(self, conn), scripts, component, ddl_to_postgres)
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
        try:
            rows = self.query("SELECT component, MAX(version) AS v FROM schema_migrations "
                              "GROUP BY component")
        except Exception:  # noqa: BLE001 - no table yet: nothing applied
            return {}
        return {r["component"]: int(r["v"]) for r in rows}

    def close(self) -> None:
        self.engine.dispose()
