"""Accounts, sign-in, sessions and access scopes (assistant/accounts.py, assistant/access.py),
and the ``assistant users`` command. Real argon2 hashing and a real SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.access import Scope
from assistant.accounts import FREE_FAILURES, SIGN_IN_FAILED, Accounts
from assistant.errors import AccessDenied, AccountError, SignInError
from assistant.store import Store
from assistant.study.quiz import QuizItem, QuizOption

PW = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(store_target: Path | str) -> Store:
    # Every account and isolation test runs on SQLite and on a real PostgreSQL server: a bare
    # `user` in SQL is the session's role name there, so isolation must be proven on both.
    return Store(store_target)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(store: Store, clock: Clock) -> Accounts:
    return Accounts(store, clock=clock)


@pytest.fixture
def school(accounts: Accounts) -> Accounts:
    """Two candidates, their tutor, another tutor with nobody assigned, an admin."""
    for name, role in [("alice", "candidate"), ("bob", "candidate"), ("tom", "tutor"),
                       ("tina", "tutor"), ("ada", "admin"), ("eve", "evaluator")]:
        accounts.add(name, role, PW)
    accounts.assign("tom", "alice")
    return accounts


def _snapshot(store: Store) -> list[tuple[object, ...]]:
    tables = ["accounts", "tutor_assignments", "auth_sessions"]
    return [tuple(r) for t in tables for r in store.query(f"SELECT * FROM {t} ORDER BY 1")]


# --- accounts ------------------------------------------------------------------------------


def test_password_is_stored_only_as_an_argon2_hash(accounts: Accounts, store: Store) -> None:
    accounts.add("alice", "candidate", PW)
    if isinstance(store.path, Path):  # SQLite: the whole file, not just the column
        assert PW.encode() not in store.path.read_bytes()
    assert not any(PW in str(v) for r in store.query("SELECT * FROM accounts") for v in dict(r).values())
    digest = store.query("SELECT password_hash FROM accounts")[0]["password_hash"]
    assert digest.startswith("$argon2id$")
    assert accounts.get("ALICE").name == "alice"  # one account per name, any case


@pytest.mark.parametrize(("name", "role", "password", "message"), [
    ("", "candidate", PW, "user name is empty"),
    ("   ", "candidate", PW, "user name is empty"),
    ("x" * 10_000, "candidate", PW, "10000 characters"),
    ("bad\x00name", "candidate", PW, "control characters"),
    ("tab\tname", "candidate", PW, "control characters"),
    ("bob", "superuser", PW, "unknown role 'superuser'"),
    ("bob", "candidate", "short", "too short"),
    ("Alice", "tutor", PW, "already exists"),
])
def test_bad_input_is_one_line_and_changes_nothing(accounts: Accounts, store: Store, name: str,
                                                   role: str, password: str,
                                                   message: str) -> None:
    accounts.add("alice", "candidate", PW)
    before = _snapshot(store)
    with pytest.raises(AccountError) as err:
        accounts.add(name, role, password)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert _snapshot(store) == before


def test_assigning_needs_a_tutor_and_a_candidate(school: Accounts, store: Store) -> None:
    before = _snapshot(store)
    for tutor, cand, msg in [("bob", "alice", "not a tutor"), ("ada", "alice", "not a tutor"),
                             ("tom", "tina", "not a candidate"), ("nobody", "alice", "no user")]:
        with pytest.raises(AccountError, match=msg):
            school.assign(tutor, cand)
    assert _snapshot(store) == before
    assert school.get("tom").candidates == ("alice",)
    school.set_role("tom", "evaluator")  # assignments belong to the tutor role
    assert school.candidates_of("tom") == []


def test_wrong_password_gives_the_same_message_whether_or_not_the_user_exists(
        school: Accounts) -> None:
    messages = set()
    for name, pw in [("alice", "wrong password"), ("nobody-here", "wrong password"),
                     ("alice", ""), ("", PW), ("x" * 10_000, PW)]:
        with pytest.raises(SignInError) as err:
            school.sign_in(name, pw)
        messages.add(str(err.value))
    assert messages == {SIGN_IN_FAILED}


def test_sign_in_is_throttled_after_repeated_failures_and_the_lock_is_shared(
        school: Accounts, store: Store, clock: Clock, store_target: Path | str) -> None:
    for _ in range(FREE_FAILURES):
        with pytest.raises(SignInError, match="wrong user name"):
            school.sign_in("alice", "not the password")
    with pytest.raises(SignInError, match="wrong user name"):
        school.sign_in("alice", "not the password")  # the sixth failure sets the lock
    # Another instance on the same database sees the lock: even the right password waits.
    other = Accounts(Store(store_target), clock=clock)
    with pytest.raises(SignInError, match=r"too many failed sign-ins.*wait \d+ seconds"):
        other.sign_in("alice", PW)
    # So does a name without an account (throttling does not reveal which names exist).
    for _ in range(FREE_FAILURES + 1):
        with pytest.raises(SignInError):
            school.sign_in("ghost", "not the password")
    with pytest.raises(SignInError, match="too many failed"):
        school.sign_in("ghost", "anything at all")
    clock.now += 31
    assert school.sign_in("alice", PW)  # the lock has passed; success clears the count
    with pytest.raises(SignInError, match="wrong user name"):
        school.sign_in("alice", "not the password")


def test_sessions_expire_are_shared_and_end_on_sign_out_disable_or_new_password(
        school: Accounts, store: Store, clock: Clock, store_target: Path | str) -> None:
    token = school.sign_in("alice", PW, minutes=30)
    other = Accounts(Store(store_target), clock=clock)  # a second app instance
    assert other.session(token, minutes=30).name == "alice"
    assert store.query("SELECT COUNT(*) FROM auth_sessions WHERE token_hash = ?", (token,))[0][0] == 0
    clock.now += 29 * 60
    assert school.session(token, minutes=30) is not None  # activity slides the expiry
    clock.now += 31 * 60
    assert school.session(token, minutes=30) is None
    assert other.session(token, minutes=30) is None

    token = school.sign_in("alice", PW)
    school.sign_out(token)
    assert other.session(token, minutes=30) is None
    token = school.sign_in("alice", PW)
    school.set_disabled("alice")
    assert other.session(token, minutes=30) is None
    with pytest.raises(SignInError, match="disabled"):
        school.sign_in("alice", PW)
    school.set_disabled("alice", False)
    token = school.sign_in("alice", PW)
    school.set_password("alice", "a brand new password")
    assert school.session(token, minutes=30) is None
    with pytest.raises(SignInError, match="wrong user name"):
        school.sign_in("alice", PW)
    assert school.sign_in("alice", "a brand new password")


def test_sql_is_portable() -> None:
    """The statements run unchanged on PostgreSQL: ON CONFLICT upserts, no INSERT OR, and the
    reserved word user only quoted."""
    import ast
    import re

    from assistant import access, accounts

    for mod in (accounts, access):
        tree = ast.parse(Path(str(mod.__file__)).read_text())
        sql = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
               and isinstance(n.value, str)
               and re.search(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE)\b", n.value)]
        assert sql
        for text in sql:
            assert "INSERT OR" not in text
            assert not re.search(r'(?<!")\buser\b(?!")', text), text


# --- isolation through the library -----------------------------------------------------------


def _item(i: int, domain: int = 1) -> QuizItem:
    opts = tuple(QuizOption(f"option {j}", j == 0, f"why {j}", f"c{j}", "corpus/x.md",
                            f"{domain}.1", "H") for j in range(4))
    return QuizItem(id=f"d{domain}-{i:03d}", domain=domain, section=f"{domain}.1",
                    family="bank", stem=f"stem {i}", options=opts, answer_index=0, chunk_id="c0",
                    source="corpus/x.md", kind="bank", multiple=False, difficulty="medium")


def _bank() -> list[QuizItem]:
    from assistant import syllabus

    return [_item(i, s.domain) for s in syllabus.current_guide().sections for i in range(30)]


def _fill(scope: Scope) -> dict[str, object]:
    """Everything a candidate makes: a conversation with an answer, a card and its review, a
    quiz answer, an exam attempt, a plan, a practice entry."""
    import datetime as dt

    me = scope.user
    cid = scope.store.new_conversation(me)
    mid = scope.store.add_exchange(cid, f"question of {me}",
                                   {"answer": f"answer for {me}", "question": f"question of {me}",
                                    "options": [{"label": "A"}]})
    card = scope.study.add_own_card(me, f"front of {me}", "back")
    scope.study.rate(me, card.id, 3)
    scope.study.record_quiz_answer(me, _item(1), 0)
    attempt = scope.exams.start(me, _bank())
    scope.plans.set(me, dt.date.today() + dt.timedelta(days=30), 30)
    scope.practice.save(me, scope.store.answer(mid).answer, mid)
    return {"cid": cid, "mid": mid, "card": card.id, "attempt": attempt.id}


def test_a_candidate_cannot_reach_another_candidates_data(school: Accounts,
                                                          store: Store) -> None:
    alice = Scope.for_account(store, school.get("alice"))
    bob = Scope.for_account(store, school.get("bob"))
    a = _fill(alice)
    _fill(bob)
    # Conversations and answers.
    assert [c["id"] for c in alice.store.conversations("alice")] == [a["cid"]]
    with pytest.raises(AccessDenied):
        bob.store.conversations("alice")
    with pytest.raises(AccessDenied):
        bob.store.messages(a["cid"])
    with pytest.raises(AccessDenied):
        bob.store.add_exchange(a["cid"], "sneaky", {"answer": "x"})
    with pytest.raises(AccessDenied):
        bob.store.new_conversation("alice")
    assert bob.store.answer(a["mid"]) is None
    assert {x.user for x in bob.store.answers()} == {"bob"}
    with pytest.raises(AccessDenied):
        bob.store.answers("alice")
    with pytest.raises(AccessDenied):  # a candidate marks nothing, not even their own
        bob.store.add_verdict(a["mid"], "bob", True)
    # Cards, reviews, quiz answers, progress.
    for method in ("due_cards", "own_cards", "reviews", "progress", "study_next", "inbox"):
        with pytest.raises(AccessDenied):
            getattr(bob.study, method)("alice")
    with pytest.raises(AccessDenied):
        bob.study.rate("alice", a["card"], 1)
    with pytest.raises(AccessDenied):
        bob.study.record_quiz_answer("alice", _item(2), 0)
    assert [c.front for c in bob.study.own_cards("bob")] == ["front of bob"]
    with pytest.raises(AccessDenied):  # a card alice wrote, even by its id
        bob.study.card(a["card"])
    assert alice.study.card(a["card"]).front == "front of alice"
    # Exam attempts, by user and by id; plans; practice history.
    with pytest.raises(AccessDenied):
        bob.exams.history("alice")
    for call in (lambda: bob.exams.get(a["attempt"]),
                 lambda: bob.exams.answer(a["attempt"], 0, [1]),
                 lambda: bob.exams.mark(a["attempt"], 0, True),
                 lambda: bob.exams.submit(a["attempt"])):
        with pytest.raises(AccessDenied):
            call()
    with pytest.raises(AccessDenied):
        bob.plans.current("alice")
    with pytest.raises(AccessDenied):
        bob.practice.items("alice")
    # What is not listed on a facade is not reachable at all.
    with pytest.raises(AttributeError):
        _ = bob.study.store
    with pytest.raises(AttributeError):
        _ = bob.exams.store
    # Alice's data is untouched and hers.
    assert len(alice.study.reviews("alice")) == 1
    assert alice.exams.get(a["attempt"]).submitted is None
    assert len(alice.practice.items("alice")) == 1


def test_a_tutor_reads_and_marks_only_assigned_candidates(school: Accounts,
                                                          store: Store) -> None:
    a = _fill(Scope.for_account(store, school.get("alice")))
    b = _fill(Scope.for_account(store, school.get("bob")))
    tom = Scope.for_account(store, school.get("tom"))
    tina = Scope.for_account(store, school.get("tina"))
    assert {x.user for x in tom.store.answers()} == {"alice"}
    assert tom.store.answer(b["mid"]) is None
    assert tom.study.progress("alice")
    with pytest.raises(AccessDenied):
        tom.study.progress("bob")
    vid = tom.store.add_verdict(a["mid"], "tom", True, "well cited")
    assert [v.id for v in tom.store.verdicts(a["mid"])] == [vid]
    with pytest.raises(AccessDenied):
        tom.store.add_verdict(b["mid"], "tom", False)
    with pytest.raises(AccessDenied):  # marking under another name
        tom.store.add_verdict(a["mid"], "tina", False)
    with pytest.raises(AccessDenied):  # reading is not writing: no answers in her name
        tom.study.rate("alice", a["card"], 1)
    # The unassigned tutor sees nothing of either candidate.
    assert tina.store.answers() == [] and tina.store.latest_verdicts() == {}
    with pytest.raises(AccessDenied):
        tina.store.add_verdict(a["mid"], "tina", True)
    # The candidate sees the verdict on her own answer; the admin sees everyone.
    alice = Scope.for_account(store, school.get("alice"))
    assert list(alice.store.latest_verdicts()) == [a["mid"]]
    ada = Scope.for_account(store, school.get("ada"))
    assert {x.user for x in ada.store.answers()} == {"alice", "bob"}


def test_local_scope_is_todays_single_user_app(store: Store) -> None:
    """auth = none: one local profile reads everything and marks any answer, as before."""
    a = Scope.local(store, "alice")
    _fill(a)
    me = Scope.local(store, "default")
    assert {x.user for x in me.store.answers()} == {"alice"}
    assert me.study.progress("alice")
    mid = me.store.answers()[0].message_id
    me.store.add_verdict(mid, "default", True)
    with pytest.raises(AccessDenied):  # the local user still writes as itself
        me.store.add_verdict(mid, "alice", True)


# --- the CLI -------------------------------------------------------------------------------


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """``run(*argv, stdin="")``: the ``assistant`` command in process (the data directory is
    the test's own, from conftest); returns (exit code, stdout, stderr)."""
    import io

    from assistant.cli import main

    def go(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return go


def test_cli_users(run) -> None:  # noqa: ANN001
    code, out, err = run("users", "add", "alice", "--role", "candidate", "--password-stdin",
                         stdin=PW + "\n")
    assert (code, out.strip(), err) == (0, "added alice (candidate)", "")
    assert run("users", "add", "tom", "--role", "tutor", "--password-stdin", stdin=PW)[0] == 0
    assert run("users", "assign", "tom", "alice")[0] == 0
    code, out, _ = run("users", "list", "--json")
    import json

    users = {u["name"]: u for u in json.loads(out)["users"]}
    assert users["tom"]["candidates"] == ["alice"] and users["alice"]["role"] == "candidate"
    assert run("users", "set-role", "alice", "evaluator")[0] == 0
    assert run("users", "disable", "alice")[0] == 0
    code, out, _ = run("users", "list")
    assert "alice" in out and "disabled" in out and PW not in out
    assert run("users", "passwd", "tom", "--password-stdin", stdin="another password\n")[0] == 0


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (("users", "add", "", "--role", "candidate", "--password-stdin"), PW, "user name is empty"),
    (("users", "add", "x" * 10_000, "--role", "candidate", "--password-stdin"), PW,
     "10000 characters"),
    (("users", "add", "a\x1bb", "--role", "candidate", "--password-stdin"), PW,
     "control characters"),
    (("users", "add", "alice", "--role", "candidate", "--password-stdin"), PW, "already exists"),
    (("users", "add", "carl", "--role", "wizard", "--password-stdin"), PW, "unknown role"),
    (("users", "add", "carl", "--role", "tutor", "--password-stdin"), "short", "too short"),
    (("users", "add", "carl", "--role", "tutor"), "", "--password-stdin"),
    (("users", "assign", "alice", "alice"), "", "not a tutor"),
    (("users", "set-role", "alice", "root"), "", "unknown role"),
    (("users", "disable", "nobody"), "", "no user named 'nobody'"),
    (("users", "passwd", "nobody", "--password-stdin"), PW, "no user named"),
])
def test_cli_users_bad_input_is_one_line(run, argv: tuple[str, ...], stdin: str,  # noqa: ANN001
                                         message: str) -> None:
    assert run("users", "add", "alice", "--role", "candidate", "--password-stdin",
               stdin=PW)[0] == 0
    before = run("users", "list", "--json")[1]
    code, out, err = run(*argv, stdin=stdin)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert PW not in err
    assert run("users", "list", "--json")[1] == before
