"""Crash safety of what users make: kill -9 processes that rate flashcards, save answers,
record tutor verdicts, quiz answers and mock-exam answers and marks (the app's own code path, one
transaction per action), and check that every write they acknowledged is in SQLite, and that no
action is half there. An exam answer or mark overwrites the earlier one of its question: the
stored value must be the last acknowledged one, or the one write in flight when the process
died.

Two writer processes share the database each round, as two app processes (or a CLI review
beside the app) would. CI: 12 rounds (24 kills); ``--full``: 60 rounds (120 kills).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.store import Store
from assistant.study import Flashcard, StudyStore
from assistant.study.cards import card_id

from .conftest import record
from .support import HERE, child_env, rng_from_env

pytestmark = pytest.mark.slow


def make_cards(n: int) -> list[Flashcard]:
    return [Flashcard(id=card_id("definition", f"What is thing {i}?", f"thing {i}"),
                      kind="definition", front=f"What is thing {i}?",
                      answer=f"thing {i}", quote=f"thing {i} is a thing.", chunk_id=f"chunk{i}",
                      source="corpus/x.md", title="X", heading="H", section="3.1", domain=3)
            for i in range(n)]


def start(db: Path | str, user: str, seed: int, cards: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, str(HERE / "study_victim.py"), str(db), user,
                             str(seed), *cards], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=child_env())
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line == "READY\n", (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


def expected_exam(lines: list[str]) -> dict[tuple[str, str], set[str]]:
    """(kind, attempt:pos) -> the values the store may hold: the last acknowledged one, plus
    the value of a write in flight at a kill after it (a DO without its ACK; "END" closes a
    process). Questions never acknowledged are left out: nothing was promised for them."""
    allowed: dict[tuple[str, str], set[str]] = {}
    pending: tuple[str, str, str] | None = None
    for ln in lines:
        if ln == "END":
            if pending is not None and pending[:2] in allowed:
                allowed[pending[:2]].add(pending[2])
            pending = None
            continue
        tag, kind, *rest = ln.split()
        if not kind.startswith("exam_") or kind == "exam_start":
            continue
        key, value = rest
        if tag == "DO":
            pending = (kind, key, value)
        else:
            allowed[(kind, key)] = {value}
            pending = None
    return allowed


def check_exam(store: Store, lines: list[str]) -> None:
    rows = {f"{a}:{p}": (json.dumps(json.loads(c), separators=(",", ":")) if c else None,
                         str(m))
            for a, p, c, m in store.query("SELECT attempt_id, pos, chosen_json, marked FROM "
                                          "exam_responses")}
    starts = {ln.split()[2] for ln in lines if ln.startswith("ACK exam_start")}
    assert starts <= {a for (a,) in store.query("SELECT id FROM exam_attempts")}
    for (kind, key), values in expected_exam(lines).items():
        assert key in rows, (kind, key, values)
        chosen, marked = rows[key]
        got = marked if kind == "exam_mark" else chosen
        assert got in values, (kind, key, got, values)


def check(db: Path | str, acks: list[str], lines: list[str] | None = None) -> None:
    """Every acknowledged write is stored, and no action is half there (portable SQL: the same
    check on a SQLite file and on PostgreSQL)."""
    if isinstance(db, Path):
        con = sqlite3.connect(db)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
    store = Store(db)
    try:
        reviews = {(c, r, round(t, 3)) for c, r, t in
                   store.query("SELECT card_id, rating, reviewed FROM study_reviews")}
        answers = {m for (m,) in store.query("SELECT id FROM messages WHERE role='assistant'")}
        verdicts = {v for (v,) in store.query("SELECT id FROM verdicts")}
        quiz = {i for (i,) in store.query("SELECT item_id FROM quiz_answers")}
        for ack in acks:
            kind, *rest = ack.split()[1:]
            if kind == "review":
                card, rating, ts = rest
                assert (card, int(rating), round(float(ts), 3)) in reviews, ack
            elif kind == "answer":
                assert int(rest[0]) in answers, ack
            elif kind == "verdict":
                assert int(rest[0]) in verdicts, ack
            elif kind.startswith("exam_"):
                continue  # checked as a whole below: later writes replace earlier ones
            else:
                assert rest[0] in quiz, ack
        check_exam(store, lines or [])
        # One transaction per action: the scheduler state always agrees with the review log
        # (a torn rating would leave a log row without its state, or the reverse), and every
        # answer has its question.
        torn = store.query(
            'SELECT s."user", s.card_id, s.reps, COUNT(r.id) FROM study_state s LEFT JOIN '
            'study_reviews r ON r."user" = s."user" AND r.card_id = s.card_id '
            'GROUP BY s."user", s.card_id, s.reps HAVING s.reps != COUNT(r.id)')
        assert torn == []
        orphans = store.query('SELECT COUNT(*) FROM study_reviews r WHERE NOT EXISTS (SELECT 1 '
                              'FROM study_state s WHERE s."user" = r."user" AND '
                              "s.card_id = r.card_id)")[0][0]
        assert orphans == 0
        users, bots = store.query("SELECT SUM(CASE WHEN role = 'user' THEN 1 ELSE 0 END), "
                                  "SUM(CASE WHEN role = 'assistant' THEN 1 ELSE 0 END) "
                                  "FROM messages")[0]
        assert users == bots
    finally:
        store.close()


def kill_rounds(db: Path | str, rounds: int) -> tuple[int, list[str], dict[str, int], int]:
    """Rounds of two writer processes killed with SIGKILL, checked after each round."""
    rng, seed = rng_from_env()
    print(f"RELIABILITY_SEED={seed}")
    cards = make_cards(40)
    StudyStore(Store(db)).sync_cards(cards)
    ids = [c.id for c in cards]
    acks: list[str] = []
    lines: list[str] = []  # ACK and DO lines in order, "END" after each process
    kills = 0
    for _round in range(rounds):
        procs = [start(db, f"user{w}", rng.randrange(1 << 30), ids) for w in range(2)]
        time.sleep(rng.uniform(0.05, 1.2))
        for proc in procs:
            os.kill(proc.pid, signal.SIGKILL)
        for proc in procs:
            # Acknowledgements are read only after the kill: whatever the process printed
            # before it died had been committed before it was printed.
            out, err = proc.communicate(timeout=30)
            assert proc.returncode == -signal.SIGKILL, err[-2000:]
            acks += [ln for ln in out.splitlines() if ln.startswith("ACK ")]
            lines += [ln for ln in out.splitlines() if ln.startswith(("ACK ", "DO "))]
            lines.append("END")
            kills += 1
        check(db, acks, lines)
    kinds = {k: sum(1 for a in acks if a.split()[1] == k)
             for k in ("review", "answer", "verdict", "quiz", "exam_answer", "exam_mark")}
    assert all(kinds.values()), kinds
    return kills, acks, kinds, seed


def test_acknowledged_reviews_and_verdicts_survive_kill_9(tmp_path: Path, scale) -> None:
    db = tmp_path / "data" / "assistant.sqlite3"
    kills, acks, kinds, seed = kill_rounds(db, scale(12, 60))
    # The WAL mode the store promises (readers never block the writer).
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    record("store_kills", {"kills": kills, "acknowledged_writes": len(acks), "lost": 0,
                           "by_kind": kinds, "seed": seed})


@pytest.mark.pg
def test_acknowledged_writes_in_postgres_survive_kill_9(pg_url: str, scale) -> None:
    """The same kills with the store in PostgreSQL: a write acknowledged by one app process is
    committed on the server, whatever happens to that process."""
    kills, acks, kinds, seed = kill_rounds(pg_url, scale(6, 30))
    record("store_kills_postgres", {"kills": kills, "acknowledged_writes": len(acks), "lost": 0,
                                    "by_kind": kinds, "seed": seed})
