"""The coach's write-up: each option's verdict and its one-sentence reason built around the
quote that decides it, and the summary a candidate reads first. Split from coach.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from assistant.answer.base import TermStats
from assistant.answer.coach_records import (
    CoachPolicy,
    CoachResult,
    Evidence,
    Judged,
    OptionVerdict,
    Verdict,
)
from assistant.answer.coach_stem import deciding_constraint
from assistant.answer.options import MCQ
from assistant.records import Citation, Passage

__all__ = ["quote", "write_up", "write_up_negative", "summary"]


def quote(sentence: str, limit: int = 40) -> str:
    words = sentence.split()
    q = " ".join(words[:limit]) + (" ..." if len(words) > limit else "")
    return q.replace('"', "'")


def write_up(mcq: MCQ, judged: list[Judged], choice: list[str], remaining: list[str],
              constraint: str, confidence: Literal["high", "medium", "low", "none"],
              policy: CoachPolicy, negative: bool = False,
              stats: TermStats | None = None) -> CoachResult:
    cited: dict[int, tuple[Passage, list[str]]] = {}

    def cite(ev: Evidence) -> int:
        n = ev.passage.rank
        entry = cited.setdefault(n, (ev.passage, []))
        if ev.sentence not in entry[1]:
            entry[1].append(ev.sentence)
        return n

    by_label = {j.label: j for j in judged}
    picked = [by_label[c] for c in choice]
    deciding = next((j.support for j in picked if j.support), None)
    if deciding is None:
        deciding = max((j.support for j in judged if j.support), key=lambda e: e.score,
                       default=None)
    top = max((j.score for j in judged), default=0.0)
    verdicts: list[OptionVerdict] = []
    c = f'"{constraint}"'
    if negative:
        verdicts = write_up_negative(mcq, by_label, choice, remaining, c, policy, cite)
    for o in mcq.options if not negative else ():
        j = by_label[o.label]
        ev = j.support if j.support and (j.against is None or j.score > 0) else j.against
        if o.label in choice:
            verdict: Verdict = "best"
        elif j.coverage < policy.covered or ev is None:
            verdict = "not_covered"
        elif choice and j.against is not None and (j.score <= 0 or j.against.decisive):
            verdict = "wrong"  # argued against, or it lacks what the scenario needs
        elif choice and j.score >= policy.plausible * top and j.score > 0:
            verdict = "plausible_not_best"
        elif not choice and o.label in remaining:
            verdict = "plausible_not_best"
        else:
            verdict = "wrong"
        if j.ruled_by and choice and verdict in ("plausible_not_best", "not_covered"):
            # The stem rules it out, however well (or however little) the material backs it.
            verdict = "wrong"
        if verdict == "wrong" and j.against is not None and (j.against.decisive or (
                j.against.coverage >= policy.covered and
                (j.support is None or -j.against.score >= 0.5 * j.support.score))):
            ev = j.against  # a sentence that argues against the option says why it is wrong
        if ev is not None and verdict != "not_covered" and (j.coverage >= policy.covered
                                                             or not j.ruled_by):
            n = cite(ev)
            q = quote(ev.sentence)
            if ev is j.against or (verdict == "plausible_not_best" and not choice):
                # A warning rules the option out on the requirement it speaks to, and an option
                # still in the running is in it for what its own sentence says. An option that
                # is merely backed less than the pick is judged on the pick's deciding
                # requirement: its own sentence usually matches some other part of the stem,
                # and "does not meet" that part would claim what no passage says.
                c = f'"{deciding_constraint(mcq.stem, ev.sentence, stats)}"'
            else:
                c = f'"{constraint}"'
            if j.ruled_by and verdict == "wrong":
                # The stem itself rules it out ("no Kubernetes experience"): name that, not a
                # requirement the option's own sentence happens to match.
                reason = (f'Ruled out by "{j.ruled_by}" in the question' +
                          (f', and the material warns "{q}" [{n}].' if ev is j.against else
                           f'; the material backs it only in general: "{q}" [{n}].'))
            elif verdict == "best" and confidence == "low":
                reason = (f'Closest fit for {c}, though the material does not clearly back it '
                          f'over the others: "{q}" [{n}].')
            elif verdict == "best":
                reason = f'Fits {c}: the material says "{q}" [{n}].'
            elif verdict == "plausible_not_best":
                reason = (f'The material supports it in general ("{q}" [{n}]), but it fits {c} '
                          "less well than the recommended option." if choice else
                          f'Still in the running for {c}: "{q}" [{n}].')
            elif ev is j.against:
                reason = f'Ruled out for {c}: the material warns "{q}" [{n}].'
            else:
                rival = "the recommended option" if choice else "the options still in the running"
                reason = (f'Backed less than {rival} for {c}; the closest the material comes is '
                          f'"{q}" [{n}].')
        elif deciding is not None:
            c = f'"{constraint}"'
            n = cite(deciding)
            said = f'the passage that decides the question says "{quote(deciding.sentence, 30)}"'
            reason = (f'Ruled out by "{j.ruled_by}" in the question; {said} [{n}].'
                      if j.ruled_by and verdict == "wrong" else
                      f'The material does not support this option for {c}; {said} [{n}].')
        else:
            reason = "The indexed material says nothing that bears on this option."
        verdicts.append(OptionVerdict(o.label, o.text, verdict, reason,
                                      [int(x) for x in re.findall(r"\[(\d+)\]", reason)],
                                      round(j.score, 4)))
    citations = [Citation(n, p.chunk, " ".join(qs)) for n, (p, qs) in sorted(cited.items())]
    text = summary(mcq, verdicts, choice, remaining, constraint, confidence, negative)
    return CoachResult(mcq, verdicts, choice, constraint, confidence, remaining, citations, text,
                       notes=list(mcq.notes))


def write_up_negative(mcq: MCQ, by_label: dict[str, Judged], choice: list[str],
                       remaining: list[str], c: str, policy: CoachPolicy,
                       cite: Callable[[Evidence], int]) -> list[OptionVerdict]:
    """Verdicts for a question that asks for the exception ("Which is NOT ...?"): the pick is
    the option the material does not back (or argues against); an option the material supports
    is a wrong answer *because* it is supported."""
    others = [by_label[o.label].support for o in mcq.options if o.label not in choice]
    backing = max((e for e in others if e is not None), key=lambda e: e.score, default=None)
    out: list[OptionVerdict] = []
    for o in mcq.options:
        j = by_label[o.label]
        if o.label in choice:
            verdict: Verdict = "best"
            if j.against is not None:
                n = cite(j.against)
                reason = (f"The material does not require or recommend it for {c}, so it is the "
                          f'exception the question asks for: "{quote(j.against.sentence)}" '
                          f"[{n}].")
            elif j.support is not None:
                n = cite(j.support)
                reason = (f'The material backs it least for {c}, so it is the exception the '
                          f'question asks for; the closest it comes is '
                          f'"{quote(j.support.sentence)}" [{n}].')
            elif backing is not None:
                n = cite(backing)
                reason = (f'The material never supports it for {c}, while it supports the other '
                          f'options, for example "{quote(backing.sentence, 30)}" [{n}].')
            else:
                reason = "The indexed material says nothing that bears on this option."
        elif j.support is not None and j.score >= policy.min_support and choice:
            verdict = "wrong"
            n = cite(j.support)
            reason = (f'The material supports it for {c}, so it is not the exception the '
                      f'question asks for: "{quote(j.support.sentence)}" [{n}].')
        elif j.support is not None or j.against is not None:
            verdict = "plausible_not_best" if o.label in remaining else "wrong"
            ev = j.against or j.support
            assert ev is not None
            n = cite(ev)
            reason = (f'Could be the exception for {c}; the material says "{quote(ev.sentence)}" '
                      f'[{n}].' if verdict == "plausible_not_best" else
                      f'The material speaks to it for {c}: "{quote(ev.sentence)}" [{n}].')
        elif backing is not None:
            verdict = "not_covered"
            n = cite(backing)
            reason = (f'The material does not mention it for {c}; the passage that decides the '
                      f'question says "{quote(backing.sentence, 30)}" [{n}].')
        else:
            verdict = "not_covered"
            reason = "The indexed material says nothing that bears on this option."
        out.append(OptionVerdict(o.label, o.text, verdict, reason,
                                 [int(x) for x in re.findall(r"\[(\d+)\]", reason)],
                                 round(j.score, 4)))
    return out


_ICON = {"best": "best", "plausible_not_best": "plausible, not best", "wrong": "wrong",
         "not_covered": "not covered"}


def summary(mcq: MCQ, verdicts: list[OptionVerdict], choice: list[str], remaining: list[str],
             constraint: str, confidence: str, negative: bool = False) -> str:
    lines = []
    if choice and confidence == "low":
        picks = " and ".join(choice)
        rivals = (" over " + ", ".join(remaining)) if remaining else ""
        lines.append(f"Leaning to {picks}{rivals} (confidence: low; the material does not clearly "
                     f'separate them). Deciding constraint: "{constraint}".')
    elif choice:
        picks = " and ".join(choice)
        lines.append(f"Recommended: {picks} (confidence: {confidence}). Deciding constraint: "
                     f'"{constraint}".')
    elif remaining:
        lines.append("The material does not decide this question: options "
                     + ", ".join(remaining) + f' remain for "{constraint}", so I pick none.')
    else:
        lines.append("The material does not decide this question: no option is supported by "
                     "the indexed passages, so I pick none.")
    if mcq.select_all:
        lines[0] += " The question asks for all options that apply."
    elif mcq.select > 1:
        lines[0] += f" The question asks for {mcq.select} options."
    if negative:
        lines[0] += (" The question asks for the exception, so the pick is the option the "
                     "material does not back.")
    for v in verdicts:
        lines.append(f"{v.label}. {v.text.rstrip('.')}: {_ICON[v.verdict]}. {v.reason}")
    return "\n".join(lines)
