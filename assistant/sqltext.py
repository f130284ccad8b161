"""Portable SQL: the one dialect feature modules write, and its translation for PostgreSQL.

The subset (both engines run it; see assistant/store.py for the Store contract):

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
  (PostgreSQL cannot add up comparisons); no ``INSERT OR REPLACE/IGNORE``, no ``PRAGMA``
  outside migrations (skipped on PostgreSQL), no ``GROUP_CONCAT``, no ``strftime``/``datetime()``
  (times are REAL epoch seconds).

Also here: the versioned-migration steps both backends run (``apply_migrations``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from assistant.errors import ConfigError

__all__ = ["MIGRATIONS_TABLE", "split_statements", "to_postgres", "ddl_to_postgres",
           "param_style", "is_pragma", "apply_migrations", "same"]

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at REAL NOT NULL,
    PRIMARY KEY (component, version)
);
"""
# Advisory-lock keys (any 64-bit numbers unique to this application).
# --- translation ---------------------------------------------------------------------

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
                                  "CONFLICT(...) DO UPDATE/DO NOTHING (see assistant/sqltext.py)")
            if style == "named":
                text = _NAMED.sub(r"%(\1)s", text)
            elif style == "qmark":
                text = text.replace("?", "%s")
            text = _USER.sub('"user"', text)
        out.append(text)
    return "".join(out)


def param_style(params: Any) -> str:
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


def is_pragma(stmt: str) -> bool:
    return next((t for c, t in _code_parts(stmt) if c and t.strip()), "").lstrip().upper() \
        .startswith("PRAGMA")


def _versions(db: Any, component: str) -> int:
    row = db.execute("SELECT MAX(version) FROM schema_migrations WHERE component = ?",
                     (component,)).fetchone()
    return int(row[0] or 0)


def apply_migrations(db: Any, scripts: Sequence[str], component: str | None,
                     ddl: Callable[[str], str]) -> None:
    """Inside the caller's locked transaction: the migrations table, then each version of
    ``component`` not applied yet, recorded. ``ddl`` translates a statement (``same``: none)."""
    for stmt in split_statements(MIGRATIONS_TABLE):
        db.execute(ddl(stmt))
    start = _versions(db, component) if component else 0
    for version, script in enumerate(scripts, start=1):
        if version <= start:
            continue
        for stmt in split_statements(script):
            if ddl is not same and is_pragma(stmt):
                continue  # SQLite settings: meaningless on PostgreSQL
            db.execute(ddl(stmt))
        if component:
            db.execute("INSERT INTO schema_migrations (component, version, applied_at) "
                       "VALUES (?, ?, ?)", (component, version, time.time()))


def same(s: str) -> str:
    return s
