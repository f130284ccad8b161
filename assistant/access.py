"""Who may read and write whose study data: a ``Principal`` (the signed-in user and role) and a
``Scope``, the store facades every app page uses instead of the raw stores.

    scope = Scope.for_account(store, accounts.get("alice"))     # auth = "required"
    scope = Scope.local(store, "default")                        # auth = "none": today's app
    scope.store.new_conversation("alice")       # writes: only as the principal
    scope.study.progress("bob")                 # AccessDenied unless bob is in scope
    scope.store.answers()                       # only answers of readable users

Rules (isolation lives here, not in page code):

- everyone writes only their own data (conversations, reviews, attempts, plans, cards);
- a candidate (and an evaluator) reads only their own data;
- a tutor also reads the data of the candidates assigned to them, and marks their answers;
- an admin, and the single local user of ``auth = "none"``, read everything (as today).

The facades check the user argument of every user-keyed method and the owner of every
record reached by id (a conversation, an answer, an exam attempt); methods that are not listed
are not reachable through them at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from assistant.errors import AccessDenied
from assistant.store import Store, StoredAnswer, Verdict

if TYPE_CHECKING:
    from assistant.accounts import Account

__all__ = ["Principal", "Scope", "ScopedStore", "LOCAL"]

LOCAL: Final = "local"  # the role of the one user of auth = "none"


@dataclass(frozen=True)
class Principal:
    name: str
    role: Literal["candidate", "tutor", "evaluator", "admin", "local"]
    candidates: frozenset[str] = field(default_factory=frozenset)  # a tutor's assigned ones

    @property
    def reads_all(self) -> bool:
        return self.role in ("admin", LOCAL)

    @property
    def reviews(self) -> bool:
        """May mark answers (Tutor review)."""
        return self.role in ("tutor", "admin", LOCAL)

    def may_read(self, user: str) -> bool:
        return self.reads_all or user == self.name or \
            (self.role == "tutor" and user in self.candidates)


def _denied(what: str) -> AccessDenied:
    return AccessDenied(f"{what} is outside your account's scope; sign in as its owner or ask "
                        "an admin to assign that candidate to you")


class Scope:
    """The principal and the facades over every store of user data."""

    def __init__(self, store: Store, principal: Principal, *, study: Any = None,
                 exams: Any = None, plans: Any = None, practice: Any = None) -> None:
        """``study``, ``exams``, ``plans``, ``practice``: the process's shared raw stores
        (StudyStore, ExamStore, PlanStore, PracticeHistory), built here when not given."""
        self.principal = principal
        self.raw = store  # for the facades only; pages use the attributes below
        self.store = ScopedStore(store, principal)
        self._raw = {"study": study, "exams": exams, "plans": plans, "practice": practice}
        self._guarded: dict[str, Any] = {}

    @classmethod
    def local(cls, store: Store, name: str, **raw: Any) -> Scope:
        return cls(store, Principal(name, LOCAL), **raw)

    @classmethod
    def for_account(cls, store: Store, account: Account, **raw: Any) -> Scope:
        return cls(store, Principal(account.name, account.role, frozenset(account.candidates)),
                   **raw)

    @property
    def user(self) -> str:
        return self.principal.name

    def check_read(self, user: str) -> str:
        if not self.principal.may_read(user):
            raise _denied(f"the study data of {user!r}")
        return user

    def check_write(self, user: str) -> str:
        if user != self.principal.name:
            raise _denied(f"writing as {user!r}")
        return user

    def readable_users(self) -> list[str] | None:
        """The users whose data this scope reads; None = everyone."""
        if self.principal.reads_all:
            return None
        return sorted({self.principal.name, *self.principal.candidates})

    # --- the study stores, wrapped on first use ------------------------------------------

    def _target(self, kind: str) -> Any:
        raw = self._raw[kind]
        if raw is None:
            if kind == "study":
                from assistant.study.storage import StudyStore

                raw = StudyStore(self.raw)
            elif kind == "exams":
                from assistant.study.exam import ExamStore

                raw = ExamStore(self.raw)
            elif kind == "plans":
                from assistant.study.plan import PlanStore

                raw = PlanStore(self.raw)
            else:
                from assistant.study.practice_history import PracticeHistory

                raw = PracticeHistory(self.raw)
            self._raw[kind] = raw
        return raw

    @property
    def study(self) -> Any:
        """StudyStore: flashcards, reviews, quiz answers, progress."""
        if "study" not in self._guarded:
            raw = self._target("study")

            def owner(card_id: str) -> str | None:
                # A card the candidate wrote belongs to them; a corpus or bank card (no
                # 'own' row) is shared by everyone.
                rows = raw.store.query(
                    'SELECT x."user" AS owner FROM study_cards c JOIN card_choices x '
                    "ON x.card_id = c.id WHERE c.id = ? AND c.kind = 'own'", (card_id,))
                return str(rows[0]["owner"]) if rows else None

            self._guarded["study"] = _Guarded(raw, self, reads=_STUDY_READS,
                                              writes=_STUDY_WRITES, by_id=("card",),
                                              id_reads=("card",), owner=owner,
                                              free=("scheduler", "new_per_day"))
        return self._guarded["study"]

    @property
    def exams(self) -> Any:
        """ExamStore: mock-exam attempts; an attempt reached by id is checked against its
        owner."""
        if "exams" not in self._guarded:
            raw = self._target("exams")

            def owner(attempt_id: str) -> str | None:
                a = raw.get(attempt_id)
                return None if a is None else str(a.user)

            self._guarded["exams"] = _Guarded(raw, self, reads=_EXAM_READS, writes=_EXAM_WRITES,
                                              by_id=_EXAM_BY_ID, owner=owner)
        return self._guarded["exams"]

    @property
    def plans(self) -> Any:
        """PlanStore: exam date and minutes per day."""
        if "plans" not in self._guarded:
            self._guarded["plans"] = _Guarded(self._target("plans"), self,
                                              reads=("current", "history"), writes=("set",))
        return self._guarded["plans"]

    @property
    def practice(self) -> Any:
        """PracticeHistory: coached questions the candidate kept."""
        if "practice" not in self._guarded:
            self._guarded["practice"] = _Guarded(self._target("practice"), self,
                                                 reads=("saved", "items"), writes=("save",))
        return self._guarded["practice"]

    def build_plan(self, user: str, cfg: Any, **kwargs: Any) -> Any:
        """``study.plan.build_plan`` for a readable user (it reads their progress)."""
        from assistant.study.plan import build_plan

        return build_plan(self.raw, self.check_read(user), cfg, **kwargs)


_STUDY_READS = ("due_cards", "inbox", "own_cards", "fsrs_card", "reviews", "progress",
                "study_next")
_STUDY_WRITES = ("accept_card", "suspend_card", "add_own_card", "rate", "record_quiz_answer")
_EXAM_READS = ("seen_items", "current", "history", "target", "readiness")
_EXAM_WRITES = ("start", "set_target")
_EXAM_BY_ID = ("get", "answer", "mark", "submit")


class _Guarded:
    """A store whose user-keyed methods (first argument: the user) are checked against the
    scope; ``by_id`` methods (first argument: a record id) against the record's owner. Any
    other attribute is unreachable, so a method added to the store later is closed until it is
    listed here."""

    def __init__(self, target: Any, scope: Scope, *, reads: Sequence[str] = (),
                 writes: Sequence[str] = (), by_id: Sequence[str] = (),
                 owner: Callable[[str], str | None] | None = None,
                 id_reads: Sequence[str] = ("get",), free: Sequence[str] = ()) -> None:
        self._target, self._scope, self._owner = target, scope, owner
        self._id_reads = set(id_reads)  # by-id methods that read (the others write)
        self._reads, self._writes, self._by_id = set(reads), set(writes), set(by_id)
        self._free = set(free)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._target, name)
        if name in self._free:
            return value
        if name in self._reads or name in self._writes:
            check = self._scope.check_read if name in self._reads else self._scope.check_write

            def user_keyed(user: str, *args: Any, **kwargs: Any) -> Any:
                return value(check(user), *args, **kwargs)

            return user_keyed
        if name in self._by_id and self._owner is not None:
            owner, scope, write = self._owner, self._scope, name not in self._id_reads

            def id_keyed(record_id: str, *args: Any, **kwargs: Any) -> Any:
                who = owner(record_id)
                if who is None:
                    return None if not write else value(record_id, *args, **kwargs)
                (scope.check_write if write else scope.check_read)(who)
                return value(record_id, *args, **kwargs)

            return id_keyed
        raise AttributeError(f"{type(self._target).__name__}.{name} is not available through "
                             "an access scope")


class ScopedStore:
    """``Store`` (conversations, answers, verdicts) seen through a principal."""

    def __init__(self, store: Store, principal: Principal) -> None:
        self._store, self.principal = store, principal

    def _owner(self, conversation_id: str) -> str | None:
        rows = self._store.query('SELECT "user" AS owner FROM conversations WHERE id = ?',
                                 (conversation_id,))
        return str(rows[0]["owner"]) if rows else None

    def new_conversation(self, user: str, title: str = "") -> str:
        if user != self.principal.name:
            raise _denied(f"writing as {user!r}")
        return self._store.new_conversation(user, title)

    def conversations(self, user: str) -> list[dict[str, Any]]:
        if not self.principal.may_read(user):
            raise _denied(f"the conversations of {user!r}")
        return self._store.conversations(user)

    def add_exchange(self, conversation_id: str, question: str, answer: dict[str, Any]) -> int:
        if self._owner(conversation_id) != self.principal.name:
            raise _denied("that conversation")
        return self._store.add_exchange(conversation_id, question, answer)

    def messages(self, conversation_id: str) -> list[dict[str, Any]]:
        owner = self._owner(conversation_id)
        if owner is None:
            return []
        if not self.principal.may_read(owner):
            raise _denied("that conversation")
        return self._store.messages(conversation_id)

    def answers(self, user: str | None = None, limit: int = 500) -> list[StoredAnswer]:
        if user is not None:
            if not self.principal.may_read(user):
                raise _denied(f"the answers of {user!r}")
            return self._store.answers(user, limit)
        if self.principal.reads_all:
            return self._store.answers(None, limit)
        out: list[StoredAnswer] = []
        for who in sorted({self.principal.name, *self.principal.candidates}):
            out.extend(self._store.answers(who, limit))
        out.sort(key=lambda a: a.message_id, reverse=True)
        return out[:limit]

    def answer(self, message_id: int) -> StoredAnswer | None:
        a = self._store.answer(message_id)
        return a if a is not None and self.principal.may_read(a.user) else None

    def add_verdict(self, message_id: int, reviewer: str, correct: bool, comment: str = "",
                    approved: bool = False) -> int:
        if reviewer != self.principal.name or not self.principal.reviews:
            raise _denied(f"marking answers as {reviewer!r}")
        if self.answer(message_id) is None:
            raise _denied(f"answer #{message_id}")
        return self._store.add_verdict(message_id, reviewer, correct, comment, approved)

    def verdicts(self, message_id: int | None = None) -> list[Verdict]:
        if message_id is not None:
            return self._store.verdicts(message_id) if self.answer(message_id) else []
        if self.principal.reads_all:
            return self._store.verdicts()
        ids = {a.message_id for a in self.answers(limit=1_000_000)}
        return [v for v in self._store.verdicts() if v.message_id in ids]

    def latest_verdicts(self) -> dict[int, Verdict]:
        out: dict[int, Verdict] = {}
        for v in self.verdicts():
            out[v.message_id] = v
        return out
