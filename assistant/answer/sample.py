"""``assistant answer-sample``: a seeded Markdown sample of questions from an eval set with the
answers the assistant gives (lead, points, citations), for a tutor to judge without running
anything. Regenerate evals/answer-sample.md with ``assistant answer-sample``."""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any, Sequence

from assistant.answer.render import markdown_answer
from assistant.records import Answer, EvalCase

__all__ = ["DEFAULT_SEED", "DEFAULT_EVAL", "pick_cases", "sample_markdown", "register"]

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


def cmd_answer_sample(args: argparse.Namespace) -> int:
    from assistant.cli import EXIT_OK, _settings
    from assistant.cli_commands import _assistant
    from assistant.errors import AssistantError
    from assistant.evals import load_eval_set, write_text_atomic

    settings = _settings(args)
    cases = load_eval_set(Path(args.eval))
    out = Path(args.out) if args.out else settings.evals_dir / "answer-sample.md"
    if not out.parent.is_dir():
        raise AssistantError(f"folder {out.parent} does not exist; create it or choose another "
                             "--out")
    text = sample_markdown(_assistant(args, settings), cases, eval_file=args.eval,
                           seed=args.seed, n=args.n)
    write_text_atomic(out, text)
    print(f"wrote {out} ({min(args.n, len(cases))} questions from {args.eval}, seed {args.seed})")
    return EXIT_OK


def register(sub: Any) -> None:
    from assistant.cli import _add_common

    p = sub.add_parser("answer-sample",
                       help="write a seeded Markdown sample of questions and answers "
                            "(evals/answer-sample.md)")
    p.add_argument("--eval", default=DEFAULT_EVAL, help=f"eval set to draw from (default: "
                                                         f"{DEFAULT_EVAL}, the test split)")
    p.add_argument("--out", default=None, help="default: evals/answer-sample.md")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--n", type=int, default=30, help="questions to draw (default 30)")
    p.add_argument("--backend", choices=["extractive", "llm"], default=None)
    p.add_argument("--k", type=int, default=None)
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None)
    _add_common(p)
    p.set_defaults(func=cmd_answer_sample)
