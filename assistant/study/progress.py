"""Progress per exam domain and the "study next" suggestion.

How weakness is measured (kept simple so the app can explain it in one sentence):

    coverage  = cards learned (FSRS state Review) / cards available in the domain
    evidence  = review passes of learned cards + correct quiz answers, out of all such trials
    knowledge = (passes + 1) / (trials + 2)             Laplace: no data reads as 50%
    confidence= trials / (trials + 5)                   a few answers count for little
    mastery   = 0.5 * coverage + 0.5 * confidence * knowledge
    priority  = exam weight * (1 - mastery)

so an untouched heavy domain comes first, and a domain the candidate has shown they know drops
behind a lighter one they keep failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fsrs import State

from assistant import syllabus
from assistant.store import Store
from assistant.study.studyset import in_study_set

__all__ = ["DomainProgress", "Suggestion", "compute_progress", "suggest"]

_CONFIDENCE_K = 5


@dataclass(frozen=True)
class DomainProgress:
    domain: int
    name: str
    weight: int  # percent of the exam (current guide); 0 for "about the exam"
    cards_total: int
    cards_seen: int
    cards_learned: int
    due_now: int
    reviews: int
    retention: float | None  # share of reviews of learned cards recalled (Hard/Good/Easy)
    quiz_answered: int
    quiz_correct: int
    quiz_accuracy: float | None
    mastery: float
    priority: float

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v)
                for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Suggestion:
    domain: int | None
    section: str | None
    name: str
    action: str  # "review" (cards are due) | "learn" (new cards) | "quiz" | "done"
    reason: str
    priority: float

    def to_json(self) -> dict[str, Any]:
        return {"domain": self.domain, "section": self.section, "name": self.name,
                "action": self.action, "reason": self.reason,
                "priority": round(self.priority, 4)}


def _counts(store: Store, sql: str, args: tuple[Any, ...]) -> dict[Any, Any]:
    return {r[0]: tuple(r)[1:] for r in store.query(sql, args)}


def compute_progress(store: Store, user: str, now: datetime) -> list[DomainProgress]:
    cards = _counts(store, f"SELECT c.domain, COUNT(*) FROM study_cards c WHERE "
                           f"{in_study_set('c')} GROUP BY c.domain", (user, user))
    seen = _counts(store, "SELECT c.domain, COUNT(*), SUM(CASE WHEN s.state = ? THEN 1 ELSE 0 END), "
                          "SUM(CASE WHEN s.due <= ? THEN 1 ELSE 0 END) "
                          "FROM study_state s JOIN study_cards c ON c.id = s.card_id "
                          f"WHERE s.\"user\" = ? AND {in_study_set('c')} GROUP BY c.domain",
                   (int(State.Review), now.timestamp(), user, user, user))
    # Retention is measured on reviews of cards that had graduated: the first sightings of a
    # card say nothing about memory.
    revs = _counts(store, "SELECT c.domain, COUNT(*), "
                          "SUM(CASE WHEN r.state_before = ? AND r.rating > 1 THEN 1 ELSE 0 END), "
                          "SUM(CASE WHEN r.state_before = ? THEN 1 ELSE 0 END) "
                          "FROM study_reviews r JOIN study_cards c ON c.id = r.card_id "
                          "WHERE r.\"user\" = ? GROUP BY c.domain",
                   (int(State.Review), int(State.Review), user))
    quiz = _counts(store, "SELECT domain, COUNT(*), SUM(correct) FROM quiz_answers "
                          "WHERE \"user\" = ? GROUP BY domain", (user,))
    g = syllabus.current_guide()
    out = []
    for sec in (syllabus.GENERAL, *g.sections):
        d = sec.domain
        total = int(cards.get(d, (0,))[0])
        n_seen, learned, due = (int(x or 0) for x in seen.get(d, (0, 0, 0)))
        n_rev, passes, trials = (int(x or 0) for x in revs.get(d, (0, 0, 0)))
        q_n, q_ok = (int(x or 0) for x in quiz.get(d, (0, 0)))
        coverage = learned / total if total else 0.0
        ok, n = passes + q_ok, trials + q_n
        knowledge = (ok + 1) / (n + 2)
        confidence = n / (n + _CONFIDENCE_K)
        mastery = 0.5 * coverage + 0.5 * confidence * knowledge
        out.append(DomainProgress(
            domain=d, name=sec.name, weight=sec.weight, cards_total=total, cards_seen=n_seen,
            cards_learned=learned, due_now=due, reviews=n_rev,
            retention=passes / trials if trials else None, quiz_answered=q_n,
            quiz_correct=q_ok, quiz_accuracy=q_ok / q_n if q_n else None, mastery=mastery,
            priority=sec.weight / 100.0 * (1.0 - mastery)))
    return out


def _weakest_section(store: Store, user: str, domain: int) -> str | None:
    """The subsection of ``domain`` with the largest share of cards not yet learned, counting
    wrong quiz answers there as extra unlearned cards."""
    rows = store.query(
        "SELECT c.section, COUNT(*) AS total, "
        "SUM(CASE WHEN s.state = ? THEN 1 ELSE 0 END) AS learned "
        "FROM study_cards c LEFT JOIN study_state s ON s.card_id = c.id AND s.\"user\" = ? "
        f"WHERE {in_study_set('c')} AND c.domain = ? AND c.section IS NOT NULL "
        "GROUP BY c.section", (int(State.Review), user, user, user, domain))
    wrong = _counts(store, "SELECT section, SUM(1 - correct) FROM quiz_answers WHERE \"user\" = ? "
                           "AND domain = ? GROUP BY section", (user, domain))
    current = set(syllabus.current_guide().subsection_ids())
    gaps = [((r["total"] - r["learned"] + int(wrong.get(r["section"], (0,))[0] or 0))
             / r["total"], r["section"])
            for r in rows if r["section"] in current]  # older guides' sections: not next
    # Largest gap first; on a tie the earlier section, so the answer is stable.
    return min(gaps, key=lambda t: (-t[0], t[1]))[1] if gaps else None


def suggest(store: Store, user: str, progress: list[DomainProgress]) -> Suggestion:
    exam = [p for p in progress if p.weight > 0 and p.cards_total > 0]
    if not exam:
        return Suggestion(None, None, "", "done", "no flashcards yet: build the index with "
                          "'assistant ingest' and open the flashcards", 0.0)
    p = max(exam, key=lambda p: (p.priority, p.weight, -p.domain))
    section = _weakest_section(store, user, p.domain)
    facts = [f"weighs about {p.weight}% of the exam",
             f"you have learned {p.cards_learned} of {p.cards_total} cards"]
    if p.quiz_answered:
        facts.append(f"answered {p.quiz_correct} of {p.quiz_answered} quiz questions correctly")
    if p.retention is not None:
        facts.append(f"recalled {p.retention:.0%} of reviewed cards")
    action = "review" if p.due_now else "learn" if p.cards_learned < p.cards_total else "quiz"
    where = f"section {section}" if section else f"domain {p.domain}"
    reason = (f"Study {where} next ({p.domain}. {p.name}): it " + ", ".join(facts) + ".")
    return Suggestion(p.domain, section, p.name, action, reason, p.priority)
