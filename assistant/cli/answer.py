"""``assistant search`` and ``assistant ask``: retrieve passages, and answer with citations."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from assistant.cli.common import (
    EXIT_OK,
    add_common,
    add_filters,
    filters_from_args,
    make_assistant,
    print_json,
    settings_from_args,
)

__all__ = ["register"]


def cmd_search(args: argparse.Namespace) -> int:
    from assistant.retrieve import Retriever
    from assistant.validate import check_question

    settings = settings_from_args(args)
    query = check_question(args.query, settings.max_question_chars)
    retriever = Retriever(settings)
    passages = retriever.search(query, k=args.k, mode=args.mode, filters=filters_from_args(args))
    if args.json:
        print_json({"query": query, "mode": args.mode or settings.retrieval_mode,
                    "passages": [p.to_json() for p in passages]})
        return EXIT_OK
    if not passages:
        print("no passages matched (check the filters)")
    for p in passages:
        c = p.chunk
        where = " | ".join(x for x in (
            c.source, f"section {c.section}" if c.section else "",
            c.location, c.heading) if x)
        print(f"[{p.rank}] {p.score:.3f}  {where}")
        text = " ".join(c.text.split())
        print(f"    {text[:300]}{'...' if len(text) > 300 else ''}")
    return EXIT_OK


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.history import load_history
    from assistant.records import Answer

    settings = settings_from_args(args)
    history = load_history(Path(args.history)) if args.history else []
    assistant = make_assistant(args, settings)
    answer: Answer | None = None
    live = not args.json and assistant.composer.name != "extractive" and sys.stdout.isatty()
    for event in assistant.stream(args.question, history=history, k=args.k, mode=args.mode,
                                  filters=filters_from_args(args)):
        if isinstance(event, Answer):
            answer = event
        elif live:
            sys.stdout.write(event)
            sys.stdout.flush()
    assert answer is not None
    if args.json:
        print_json(answer.to_json())
        return EXIT_OK
    if live:
        sys.stdout.write("\n\n")
    if answer.standalone_question:
        print(f"(follow-up read as: {answer.standalone_question})\n")
    if not live or answer.answer:
        from assistant.answer.render import terminal_answer

        shaped = terminal_answer(answer.lead, answer.points, answer.answer,
                                 bold=sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
        print(shaped if not live else "Checked answer:\n" + shaped)
    if not answer.grounded:
        print("\nwarning: this answer cites no passage; treat it as ungrounded.")
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            ch = c.chunk
            bits = [ch.source]
            if ch.section:
                bits.append(f"section {ch.section}")
            if ch.page:
                bits.append(ch.location)
            print(f"  [{c.n}] {' | '.join(bits)} | {ch.heading or ch.title}")
    elif answer.abstained and answer.passages:
        print("\nNearest passages:")
        for p in answer.passages[:3]:
            print(f"  - {p.chunk.source} | {p.chunk.heading or p.chunk.title}")
    return EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("search", help="retrieve passages for a query",
                       description="Print the top passages for a query, with their source, "
                                   "section and page.")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=None, help="passages to return (default 5)")
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None,
                   help="retrieval mode (default: hybrid)")
    add_filters(p)
    p.add_argument("--json", action="store_true", help="print {query, mode, passages} as JSON")
    add_common(p)
    p.set_defaults(func=cmd_search)


    p = sub.add_parser("ask", help="answer a question with cited passages",
                       description="Answer from the indexed material, citing [n] passages; says so "
                                   "when the material does not cover the question. A pasted "
                                   "multiple-choice question (the stem, then options on lines "
                                   "starting A., A), (A), 1. or -, or inline A. ... B. ...) gets "
                                   "a cited verdict on every option and a recommended choice; "
                                   "--json then adds 'options' and 'choice'.")
    p.add_argument("question")
    p.add_argument("--k", type=int, default=None, help="passages to retrieve (default 5)")
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None)
    p.add_argument("--backend", choices=["extractive", "llm"], default=None,
                   help="answer composer (default: extractive; llm uses ASSISTANT_LLM_* settings)")
    p.add_argument("--history", metavar="FILE",
                   help="earlier turns: JSON list of {role, content}, JSONL, or one question per line")
    add_filters(p)
    p.add_argument("--json", action="store_true", help="print the answer JSON (design contract)")
    add_common(p)
    p.set_defaults(func=cmd_ask)

    _register_answer_sample(sub)

def cmd_answer_sample(args: argparse.Namespace) -> int:
    from assistant.answer.sample import sample_markdown
    from assistant.errors import AssistantError
    from assistant.evals import load_eval_set, write_text_atomic

    settings = settings_from_args(args)
    cases = load_eval_set(Path(args.eval))
    out = Path(args.out) if args.out else settings.evals_dir / "answer-sample.md"
    if not out.parent.is_dir():
        raise AssistantError(f"folder {out.parent} does not exist; create it or choose another "
                             "--out")
    text = sample_markdown(make_assistant(args, settings), cases, eval_file=args.eval,
                           seed=args.seed, n=args.n)
    write_text_atomic(out, text)
    print(f"wrote {out} ({min(args.n, len(cases))} questions from {args.eval}, seed {args.seed})")
    return EXIT_OK


def _register_answer_sample(sub: Any) -> None:
    # The defaults are spelled out here (not imported): building the parser must not import
    # the answer stack.
    p = sub.add_parser("answer-sample",
                       help="write a seeded Markdown sample of questions and answers "
                            "(evals/answer-sample.md)")
    p.add_argument("--eval", default="evals/pmle_test.jsonl",
                   help="eval set to draw from (default: evals/pmle_test.jsonl, the test split)")
    p.add_argument("--out", default=None, help="default: evals/answer-sample.md")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--n", type=int, default=30, help="questions to draw (default 30)")
    p.add_argument("--backend", choices=["extractive", "llm"], default=None)
    p.add_argument("--k", type=int, default=None)
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None)
    add_common(p)
    p.set_defaults(func=cmd_answer_sample)
