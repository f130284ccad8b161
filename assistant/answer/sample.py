"""A seeded Markdown sample of questions from an eval set with the
answers the assistant gives (lead, points, citations), for a tutor to judge without running
anything. Regenerate evals/answer-sample.md with ``assistant answer-sample``."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from assistant.answer.render import markdown_answer
from assistant.records import Answer, EvalCase

__all__ = ["DEFAULT_SEED", "DEFAULT_EVAL", "pick_cases", "sample_markdown"]

DEFAULT_SEED = 14
DEFAULT_EVAL = "evals/pmle_test.jsonl"


def pick_cases(cases: Sequence[EvalCase], n: int, seed: int) -> list[EvalCase]:
    """n cases in file order, drawn with a fixed seed (unanswerable ones included)."""
    rng = random.Random(seed)
    idx = sorted(rng.sample(range(len(cases)), min(n, len(cases))))
    return [cases[i] for i in idx]


def _case_block(i: int, case: EvalCase, ans: Answer) -> list[str]:
    out = [f"## {i}. {case.id}" + (f" (section {case.section})" if case.section else ""), "",
           "> " + " ".join(case.question.split()), ""]
    if ans.abstained:
        out += [f"*Declined:* {ans.answer}", ""]
    else:
        out += [markdown_answer(ans.lead, ans.points, ans.answer), ""]
        for c in ans.citations:
            ch = c.chunk
            where = f"section {ch.section}, " if ch.section else ""
            out.append(f"- [{c.n}] {ch.heading or ch.title} ({where}`{ch.source}`)")
        out.append("")
    expected = "should decline (not in the material)" if not case.answerable else \
        ("keywords: " + ", ".join(f"`{k}`" for k in case.answer_keywords)
         if case.answer_keywords else "answerable")
    out += [f"<sub>Eval expectation: {expected}.</sub>", ""]
    return out


def sample_markdown(assistant: Any, cases: Sequence[EvalCase], *, eval_file: str, seed: int,
                    n: int) -> str:
    picked = pick_cases(cases, n, seed)
    lines = ["# Answer sample", "",
             f"{len(picked)} questions drawn with seed {seed} from `{eval_file}` "
             f"({len(cases)} cases), answered by the `{assistant.composer.name}` composer. "
             "Each answer leads with its direct answer (bold), then supporting points; every "
             "sentence is quoted from the cited passage. Regenerate with "
             f"`assistant answer-sample --eval {eval_file} --seed {seed} --n {n}`.", ""]
    for i, case in enumerate(picked, start=1):
        lines += _case_block(i, case, assistant.ask(case.question))
    return "\n".join(lines).rstrip() + "\n"
