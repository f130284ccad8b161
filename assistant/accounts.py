"""Accounts for a shared deployment (``auth = "required"``): users with a role, tutors'
assigned candidates, sign-in with throttling, and server-side sessions.

    accounts = Accounts(Store.from_settings(settings))
    accounts.add("alice", "candidate", password)
    accounts.add("tom", "tutor", password)
    accounts.assign("tom", "alice")
    token = accounts.sign_in("alice", password, minutes=60)  # SignInError if wrong
    account = accounts.session(token, minutes=60)     # None once expired or signed out

Everything lives in the store (the tables below), so several app processes sharing one
database share accounts, throttling and sessions. Passwords are hashed with argon2id
(argon2-cffi); a session token is kept only by the browser session, the store keeps its SHA-256.
The SQL is portable (``?`` placeholders, ``ON CONFLICT`` upserts, no column named ``user``),
so the same statements run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from assistant.errors import AccountError, SignInError
from assistant.store import Store

__all__ = ["Accounts", "Account", "Role", "ROLES", "check_name", "check_role",
           "check_password", "SIGN_IN_FAILED", "MAX_NAME", "MIN_PASSWORD"]

Role = Literal["candidate", "tutor", "evaluator", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

MAX_NAME = 40  # the study profile's limit: names show in tables and select boxes
MIN_PASSWORD, MAX_PASSWORD = 8, 1024
# One message for a wrong password and for a name without an account: a sign-in form must not
# tell a stranger which names exist.
SIGN_IN_FAILED = "wrong user name or password; check both and try again"
# Throttling: after FREE_FAILURES failed sign-ins for a name (existing or not) within
# FAILURE_WINDOW_S, each further attempt waits, doubling from LOCK_BASE_S up to LOCK_MAX_S.
FREE_FAILURES = 5
FAILURE_WINDOW_S = 15 * 60
LOCK_BASE_S, LOCK_MAX_S = 30.0, 15 * 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    name_key TEXT NOT NULL UNIQUE,        -- casefolded: 'Alice' and 'alice' are one account
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,          -- argon2id, never the password
    disabled INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tutor_assignments (
    tutor TEXT NOT NULL,
    candidate TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (tutor, candidate)
);
CREATE INDEX IF NOT EXISTS tutor_assignments_by_candidate ON tutor_assignments(candidate);
CREATE TABLE IF NOT EXISTS sign_in_failures (
    name_key TEXT PRIMARY KEY,            -- the name tried, casefolded, whether it exists or not
    failures INTEGER NOT NULL,
    first_failed REAL NOT NULL,
    locked_until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_sessions (
    token_hash TEXT PRIMARY KEY,          -- SHA-256 of the token the browser session holds
    name TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_sessions_by_name ON auth_sessions(name);
"""


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    disabled: bool
    created: float
    candidates: tuple[str, ...] = ()  # a tutor's assigned candidates

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "disabled": self.disabled,
                "created": self.created, "candidates": list(self.candidates)}


def check_name(name: object) -> str:
    """A user name as stored, or a one-line AccountError."""
    if not isinstance(name, str) or not name.strip():
        raise AccountError("the user name is empty; give a name of 1-40 characters")
    if len(name) > MAX_NAME:
        raise AccountError(f"the user name is {len(name)} characters; use at most {MAX_NAME}")
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        raise AccountError("the user name contains control characters; use letters, digits, "
                           "spaces and punctuation only")
    return " ".join(name.split())


def check_role(role: object) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise AccountError(f"unknown role {str(role)[:40]!r}; use one of {', '.join(ROLES)}")


def check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short; use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long; use at most {MAX_PASSWORD} characters")
    return password


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Users, roles, assignments, sign-in and sessions in the project's store."""

    def __init__(self, store: Store, *, hasher: PasswordHasher | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.hasher = hasher or PasswordHasher()  # argon2id with the library's current defaults
        self.clock = clock
        # Verified against when a name has no account, so both failures cost the same time.
        self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
        store.migrate(_SCHEMA)

    # --- users -----------------------------------------------------------------------------

    def add(self, name: str, role: str, password: str) -> Account:
        name, role_, password = check_name(name), check_role(role), check_password(password)
        digest = self.hasher.hash(password)
        now = self.clock()
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM accounts WHERE name_key = ?",
                          (_key(name),)).fetchone() is not None:
                raise AccountError(f"a user named {name!r} already exists; pick another name "
                                   "or change that user with 'assistant users set-role'")
            db.execute("INSERT INTO accounts (name, name_key, role, password_hash, disabled, "
                       "created, updated) VALUES (?, ?, ?, ?, 0, ?, ?)",
                       (name, _key(name), role_, digest, now, now))
        return Account(name, role_, False, now)

    def get(self, name: str) -> Account | None:
        rows = self.store.query("SELECT name, role, disabled, created FROM accounts WHERE "
                                "name_key = ?", (_key(str(name)),))
        if not rows:
            return None
        r = rows[0]
        cands = tuple(self.candidates_of(r["name"])) if r["role"] == "tutor" else ()
        return Account(r["name"], cast(Role, r["role"]), bool(r["disabled"]), r["created"], cands)

    def _existing(self, name: str) -> Account:
        account = self.get(check_name(name))
        if account is None:
            raise AccountError(f"no user named {name!r}; list users with 'assistant users list'")
        return account

    def all(self) -> list[Account]:
        assigned: dict[str, list[str]] = {}
        for r in self.store.query("SELECT tutor, candidate FROM tutor_assignments "
                                  "ORDER BY tutor, candidate"):
            assigned.setdefault(r["tutor"], []).append(r["candidate"])
        return [Account(r["name"], cast(Role, r["role"]), bool(r["disabled"]), r["created"],
                        tuple(assigned.get(r["name"], ())))
                for r in self.store.query("SELECT name, role, disabled, created FROM accounts "
                                          "ORDER BY name_key")]

    def count(self) -> int:
        return int(self.store.query("SELECT COUNT(*) AS n FROM accounts")[0]["n"])

    def set_role(self, name: str, role: str) -> Account:
        account, role_ = self._existing(name), check_role(role)
        with self.store.transaction() as db:
            db.execute("UPDATE accounts SET role = ?, updated = ? WHERE name = ?",
                       (role_, self.clock(), account.name))
            if role_ != "tutor":  # assignments belong to the tutor role
                db.execute("DELETE FROM tutor_assignments WHERE tutor = ?", (account.name,))
        return self._existing(account.name)

    def set_disabled(self, name: str, disabled: bool = True) -> Account:
        """Disable (or re-enable) an account; disabling ends its sessions at once."""
        account = self._existing(name)
        with self.store.transaction() as db:
            db.execute("UPDATE accounts SET disabled = ?, updated = ? WHERE name = ?",
                       (int(disabled), self.clock(), account.name))
            if disabled:
                db.execute("DELETE FROM auth_sessions WHERE name = ?", (account.name,))
        return self._existing(account.name)

    def set_password(self, name: str, password: str) -> None:
        """A new password; the account's sessions end (sign in again with the new one)."""
        account, password = self._existing(name), check_password(password)
        digest = self.hasher.hash(password)
        with self.store.transaction() as db:
            db.execute("UPDATE accounts SET password_hash = ?, updated = ? WHERE name = ?",
                       (digest, self.clock(), account.name))
            db.execute("DELETE FROM auth_sessions WHERE name = ?", (account.name,))
            db.execute("DELETE FROM sign_in_failures WHERE name_key = ?", (_key(account.name),))

    # --- tutors and their candidates -------------------------------------------------------

    def assign(self, tutor: str, candidate: str) -> None:
        t, c = self._existing(tutor), self._existing(candidate)
        if t.role != "tutor":
            raise AccountError(f"{t.name!r} is a {t.role}, not a tutor; make them one with "
                               f"'assistant users set-role {t.name} tutor' first")
        if c.role != "candidate":
            raise AccountError(f"{c.name!r} is a {c.role}, not a candidate; only candidates "
                               "are assigned to tutors")
        with self.store.transaction() as db:
            db.execute("INSERT INTO tutor_assignments (tutor, candidate, created) VALUES "
                       "(?, ?, ?) ON CONFLICT (tutor, candidate) DO NOTHING",
                       (t.name, c.name, self.clock()))

    def unassign(self, tutor: str, candidate: str) -> None:
        t, c = self._existing(tutor), self._existing(candidate)
        with self.store.transaction() as db:
            db.execute("DELETE FROM tutor_assignments WHERE tutor = ? AND candidate = ?",
                       (t.name, c.name))

    def candidates_of(self, tutor: str) -> list[str]:
        return [r["candidate"] for r in self.store.query(
            "SELECT a.candidate FROM tutor_assignments a JOIN accounts c ON c.name = a.candidate "
            "WHERE a.tutor = ? ORDER BY a.candidate", (tutor,))]

    # --- signing in ------------------------------------------------------------------------

    def sign_in(self, name: str, password: str, *, minutes: float = 60.0) -> str:
        """A new session token for a right name and password; SignInError otherwise (one
        message whether or not the name exists; throttled after repeated failures)."""
        key = _key(name) if isinstance(name, str) else ""
        if not key or len(key) > MAX_NAME or not isinstance(password, str) \
                or len(password) > MAX_PASSWORD:
            raise SignInError(SIGN_IN_FAILED)
        now = self.clock()
        wait = self._locked_for(key, now)
        if wait > 0:
            raise SignInError(f"too many failed sign-ins for this name; wait {int(wait) + 1} "
                              "seconds and try again")
        rows = self.store.query("SELECT name, password_hash, disabled FROM accounts WHERE "
                                "name_key = ?", (key,))
        ok = False
        try:
            ok = self.hasher.verify(rows[0]["password_hash"] if rows else self._dummy_hash,
                                    password) and bool(rows)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            self._fail(key, now)
            raise SignInError(SIGN_IN_FAILED)
        if rows[0]["disabled"]:
            raise SignInError("this account is disabled; ask an admin to enable it")
        account = rows[0]["name"]
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as db:
            db.execute("DELETE FROM sign_in_failures WHERE name_key = ?", (key,))
            db.execute("DELETE FROM auth_sessions WHERE expires < ?", (now,))
            db.execute("INSERT INTO auth_sessions (token_hash, name, created, expires) VALUES "
                       "(?, ?, ?, ?)", (_token_hash(token), account, now, now + minutes * 60.0))
        if self.hasher.check_needs_rehash(rows[0]["password_hash"]):
            with self.store.transaction() as db:
                db.execute("UPDATE accounts SET password_hash = ? WHERE name = ?",
                           (self.hasher.hash(password), account))
        return token

    def _locked_for(self, key: str, now: float) -> float:
        rows = self.store.query("SELECT locked_until FROM sign_in_failures WHERE name_key = ?",
                                (key,))
        return max(0.0, float(rows[0]["locked_until"]) - now) if rows else 0.0

    def _fail(self, key: str, now: float) -> None:
        with self.store.transaction() as db:
            row = db.execute("SELECT failures, first_failed FROM sign_in_failures WHERE "
                             "name_key = ?", (key,)).fetchone()
            if row is None or now - float(row["first_failed"]) > FAILURE_WINDOW_S:
                failures, first = 1, now
            else:
                failures, first = int(row["failures"]) + 1, float(row["first_failed"])
            over = failures - FREE_FAILURES
            locked = now + min(LOCK_MAX_S, LOCK_BASE_S * 2 ** (over - 1)) if over > 0 else 0.0
            db.execute("INSERT INTO sign_in_failures (name_key, failures, first_failed, "
                       "locked_until) VALUES (?, ?, ?, ?) ON CONFLICT (name_key) DO UPDATE SET "
                       "failures = excluded.failures, first_failed = excluded.first_failed, "
                       "locked_until = excluded.locked_until", (key, failures, first, locked))

    # --- sessions --------------------------------------------------------------------------

    def session(self, token: str | None, *, minutes: float) -> Account | None:
        """The signed-in account of a token, sliding its expiry by ``minutes``; None when the
        token is unknown, expired, signed out, or its account was disabled since."""
        if not token:
            return None
        now, digest = self.clock(), _token_hash(token)
        rows = self.store.query("SELECT s.name, s.created, s.expires FROM auth_sessions s JOIN "
                                "accounts a ON a.name = s.name WHERE s.token_hash = ? AND "
                                "a.disabled = 0", (digest,))
        if not rows:
            return None
        if float(rows[0]["expires"]) < now:
            self.sign_out(token)
            return None
        with self.store.transaction() as db:
            db.execute("UPDATE auth_sessions SET expires = ? WHERE token_hash = ?",
                       (now + minutes * 60.0, digest))
        return self.get(rows[0]["name"])

    def sign_out(self, token: str | None) -> None:
        if token:
            with self.store.transaction() as db:
                db.execute("DELETE FROM auth_sessions WHERE token_hash = ?", (_token_hash(token),))
