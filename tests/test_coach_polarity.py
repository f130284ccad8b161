"""Polarity rules of the practice-question coach (issue 16, round three): which sentences count
against an option, and which state it as the fix."""

from __future__ import annotations

from assistant.answer.coach_polarity import correction_share, negativity
from assistant.answer.text import content_terms


def _w(option: str) -> dict[str, float]:
    return {t: 1.0 for t in content_terms(option)}


def _neg(sentence: str, option: str) -> float:
    w = _w(option)
    hit = {t for t in w if t in set(content_terms(sentence))}
    return negativity(sentence, w, hit, False)


def test_a_purpose_clause_does_not_deny_its_subject() -> None:
    s = ("VPC Service Controls let an organization draw a service perimeter around projects, "
         "so that protected data cannot be moved to resources outside the perimeter.")
    assert _neg(s, "Put the projects in a VPC Service Controls perimeter") < 0.4
    # a plain denial still counts against an option that says what it denies
    assert _neg("VPC Service Controls cannot stop a user from reading data.",
                "VPC Service Controls stop a user from reading data") >= 0.4


def test_a_negation_inside_quoted_scenario_wording_is_not_a_verdict() -> None:
    s = ('Exam cue: "regulated data must not leave the project boundary" points to VPC '
         "Service Controls.")
    assert _neg(s, "Enclose the services in a VPC Service Controls perimeter") == 0.0


def test_a_trap_with_a_quoted_excuse_still_warns() -> None:
    s = ('Trap: disabling idle shutdown "so work is never interrupted" is the wrong default '
         "for a team; scheduled executions are the right home for long jobs.")
    assert _neg(s, "Disable idle shutdown so the loop is never interrupted") >= 0.4


def test_the_fix_ends_at_its_not() -> None:
    s = ("Trap: a target with thousands of classes exceeds the 500-value limit; the fix is to "
         "group classes or rethink the problem, not to add training budget.")
    grouped, budget = _w("Group the SKUs into fewer classes"), _w("Double the training budget")
    assert correction_share(s, grouped, {"group", "class"} & set(grouped)) > 0.35
    assert correction_share(s, budget, {"train", "budget"} & set(budget)) == 0.0
