"""The user-data store on both engines (SQLite file, real PostgreSQL server): the Store API,
versioned migrations, the portable SQL translation, old SQLite files, and the one-line errors
of a bad database URL."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest

from assistant.errors import ConfigError, StoreUnavailableError
from assistant.settings import Settings
from assistant.sqltext import split_statements, to_postgres
from assistant.store import Store
from assistant.study import StudyStore
from assistant.study.exam import ExamStore
from assistant.study.plan import PlanStore
from assistant.study.practice_history import PracticeHistory

DATA = Path(__file__).parent / "data"


def test_conversations_answers_and_verdicts(store_target: Path | str) -> None:
    store = Store(store_target)
    c1 = store.new_conversation("ana", "first")
    c2 = store.new_conversation("bo")
    m1 = store.add_exchange(c1, "What is Vertex AI?", {"question": "What is Vertex AI?",
                                                       "answer": "A platform [1] 100%"})
    m2 = store.add_exchange(c2, "What is BigQuery ML?", {"question": "What is BigQuery ML?",
                                                         "answer": "SQL models [1]"})
    assert m2 > m1 > 0
    assert [c["id"] for c in store.conversations("ana")] == [c1]
    assert store.conversations("ana")[0]["n"] == 2
    assert [m["role"] for m in store.messages(c1)] == ["user", "assistant"]
    assert store.messages(c1)[1]["answer"]["answer"] == "A platform [1] 100%"
    assert [a.message_id for a in store.answers("ana")] == [m1]
    assert {a.user for a in store.answers()} == {"ana", "bo"}
    got = store.answer(m2)
    assert got is not None and got.user == "bo" and got.question == "What is BigQuery ML?"
    assert store.answer(m2 + 1000) is None
    v1 = store.add_verdict(m1, "tutor", True, "good", approved=True)
    v2 = store.add_verdict(m1, "tutor", False, "on reflection, no")
    assert v2 > v1
    latest = store.latest_verdicts()[m1]
    assert (latest.id, latest.correct, latest.approved) == (v2, False, False)
    assert isinstance(latest.created, float) and abs(latest.created - time.time()) < 60


def test_rows_and_cursors_behave_alike(store_target: Path | str) -> None:
    store = Store(store_target)
    store.migrate("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                  '"user" TEXT NOT NULL, body TEXT, score REAL, n INTEGER);')
    with store.transaction() as db:
        a = db.execute('INSERT INTO notes ("user", body, score, n) VALUES (?, ?, ?, ?)',
                       ("ana", "50% done? yes", 1796329245.7235506, 3)).lastrowid
        b = db.execute('INSERT INTO notes ("user", body, score, n) VALUES (?, ?, ?, ?)',
                       ("bo", "it's", 0.5, 2 ** 40)).lastrowid
        db.executemany('INSERT INTO notes ("user", body, score, n) VALUES (?, ?, ?, ?)',
                       [("cy", "x", 1.0, 1), ("cy", "y", 2.0, 1)])
        row = db.execute("SELECT body FROM notes WHERE id = ?", (a,)).fetchone()
        assert row["body"] == row[0] == "50% done? yes"
        assert db.execute("SELECT body FROM notes WHERE id = -1").fetchone() is None
        assert [r["id"] for r in db.execute('SELECT id FROM notes WHERE "user" = ? ORDER BY id',
                                            ("cy",))] == [b + 1, b + 2]
    assert b == a + 1
    rows = store.query('SELECT "user", SUM(n) AS total, COUNT(*), AVG(score) AS mean, '
                       "SUM(CASE WHEN score > ? THEN 1 ELSE 0 END) AS big FROM notes "
                       'GROUP BY "user" ORDER BY "user"', (0.75,))
    assert [tuple(r) for r in rows] == [("ana", 3, 1, 1796329245.7235506, 1),
                                        ("bo", 2 ** 40, 1, 0.5, 0), ("cy", 2, 2, 1.5, 2)]
    assert dict(rows[1]) == {"user": "bo", "total": 2 ** 40, "COUNT(*)" if
                             isinstance(store_target, Path) else "count": 1, "mean": 0.5,
                             "big": 0}
    assert store.query("SELECT body FROM notes WHERE body LIKE '%done%' AND \"user\" = :u",
                       {"u": "ana"})[0]["body"] == "50% done? yes"


def test_a_failed_transaction_leaves_nothing(store_target: Path | str) -> None:
    store = Store(store_target)
    cid = store.new_conversation("ana")
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.execute("INSERT INTO messages (conversation_id, role, content, created) "
                   "VALUES (?, 'user', 'q', 0)", (cid,))
        raise RuntimeError("boom")
    assert store.messages(cid) == []


V1 = "CREATE TABLE IF NOT EXISTS widgets (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);"
V2 = "ALTER TABLE widgets ADD COLUMN colour TEXT NOT NULL DEFAULT 'blue';"


def test_versioned_migrations_apply_once_in_order(store_target: Path | str) -> None:
    store = Store(store_target)
    store.migrate([V1], component="widgets")
    with store.transaction() as db:
        db.execute("INSERT INTO widgets (name) VALUES (?)", ("a",))
    assert store.schema_versions()["widgets"] == 1
    again = Store(store_target)
    again.migrate([V1, V2], component="widgets")
    again.migrate([V1, V2], component="widgets")  # already at 2: nothing runs (ALTER would fail)
    assert again.schema_versions() == {"store": 1, "widgets": 2}
    assert [dict(r) for r in again.query("SELECT name, colour FROM widgets")] == \
        [{"name": "a", "colour": "blue"}]
    rows = again.query("SELECT component, version, applied_at FROM schema_migrations "
                       "WHERE component = 'widgets' ORDER BY version")
    assert [(r["component"], r["version"]) for r in rows] == [("widgets", 1), ("widgets", 2)]
    assert all(r["applied_at"] > 1.7e9 for r in rows)


def _migrate_in_child(target: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        t = Path(target) if not target.startswith("postgresql") else target
        store = Store(t)
        StudyStore(store)
        ExamStore(store)
        PlanStore(store)
        store.migrate([V1, V2], component="widgets")
        out.put("ok")
    except Exception as err:  # noqa: BLE001 - reported to the parent
        out.put(f"{type(err).__name__}: {err}")


def test_two_processes_starting_together_both_migrate(store_target: Path | str) -> None:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_migrate_in_child, args=(str(store_target), out))
             for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert sorted(out.get(timeout=5) for _ in procs) == ["ok", "ok", "ok"]
    versions = Store(store_target).schema_versions()
    assert versions["widgets"] == 2 and versions["study"] >= 1
    assert Store(store_target).query("SELECT COUNT(*) AS n FROM schema_migrations "
                                     "WHERE component = 'widgets'")[0]["n"] == 2


def test_a_sqlite_file_made_before_migrations_keeps_working(tmp_path: Path) -> None:
    """tests/data/store_before_migrations.sql: a store made by the code before versioned
    migrations and PostgreSQL (conversations, an answer, a verdict, reviews, a quiz answer, an
    exam attempt, a plan, a practice entry), dumped with sqlite3 .dump."""
    db = tmp_path / "assistant.sqlite3"
    con = sqlite3.connect(db)
    con.executescript((DATA / "store_before_migrations.sql").read_text())
    con.close()
    store = Store(db)
    study, exams = StudyStore(store), ExamStore(store)
    plans, practice = PlanStore(store), PracticeHistory(store)
    assert set(store.schema_versions()) >= {"store", "study", "exam", "plan", "practice"}
    convs = store.conversations("ana")
    assert len(convs) == 1 and convs[0]["n"] == 2
    (ans,) = store.answers("ana")
    assert ans.answer["answer"].startswith("Vertex AI")
    assert store.latest_verdicts()[ans.message_id].correct
    assert len(study.reviews("ana")) == 2
    assert sum(p.quiz_answered for p in study.progress("ana")) == 2  # quiz + exam
    assert len(exams.history("ana")) == 1
    assert plans.current("ana") is not None
    assert len(practice.items("ana")) == 1
    # ... and it takes new writes.
    cid = store.new_conversation("ana")
    assert store.add_exchange(cid, "q", {"question": "q", "answer": "a"}) > ans.message_id


# --- translation ---------------------------------------------------------------------------

def test_portable_sql_is_translated_for_postgres() -> None:
    assert to_postgres("SELECT c.user, x FROM t c WHERE user = ? AND body LIKE '%?user%' "
                       "-- the user's rows\n") == \
        ("SELECT c.\"user\", x FROM t c WHERE \"user\" = %s AND body LIKE '%%?user%%' "
         "-- the user's rows\n")
    assert to_postgres('SELECT "user", users, user_id FROM t WHERE current_user = :u',
                       "named") == 'SELECT "user", users, user_id FROM t WHERE current_user = %(u)s'
    assert split_statements("CREATE TABLE a (x TEXT DEFAULT ';'); -- a; b\nCREATE INDEX i;\n") \
        == ["CREATE TABLE a (x TEXT DEFAULT ';')", "-- a; b\nCREATE INDEX i"]
    with pytest.raises(ConfigError, match="ON CONFLICT"):
        to_postgres("INSERT OR IGNORE INTO t (a) VALUES (?)")


# --- bad database URLs: one line naming cause and fix --------------------------------------

@pytest.mark.pg
def test_a_wrong_password_is_one_clear_line(postgres: object, pg_url: str) -> None:
    from pgserver import PASSWORD

    bad = pg_url.replace(f":{PASSWORD}@", ":not-the-password@")
    with pytest.raises(ConfigError) as err:
        Store(bad)
    msg = str(err.value)
    assert "refused the password" in msg and "ASSISTANT_DATABASE_URL" in msg
    assert "not-the-password" not in msg and "\n" not in msg


@pytest.mark.pg
def test_an_unreachable_host_is_one_clear_line(postgres: object, pg_url: str) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailableError) as err:
        Store(pg_url.replace(f":{pg_url.split(':')[3].split('/')[0]}/", f":{closed}/"),
              retry_s=1.0)
    assert time.monotonic() - t0 < 15
    msg = str(err.value)
    assert f"127.0.0.1:{closed}" in msg and "connection refused" in msg
    assert "ASSISTANT_DATABASE_URL" in msg and "\n" not in msg
    assert "pw-for-tests" not in msg
    with pytest.raises(ConfigError, match="does not exist"):
        Store(pg_url.rsplit("/", 1)[0] + "/no_such_db")


def test_an_unsupported_url_is_one_clear_line() -> None:
    with pytest.raises(ConfigError, match="only postgresql://"):
        Store("mysql://u:p@localhost/db")


def test_settings_choose_the_engine(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path / "data")
    assert s.database_url is None
    store = Store.from_settings(s)
    assert store.engine_name == "sqlite" and store.path == s.store_path
    s2 = Settings(data_dir=tmp_path / "data", database_url="postgresql://u:secret@h:1/d")
    assert "secret" not in repr(s2) and "secret" not in str(s2.model_dump())
    assert Settings(database_url="  ").database_url is None
