"""Subcommands beyond ingest/search/info: ask and eval here; feature packages register theirs.

Kept out of cli.py so each command's wiring sits next to the others of its kind, and cli.py
stays a short table of contents.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from assistant.cli import EXIT_ERROR, EXIT_OK, _EXTRA_COMMANDS, _add_common, _add_filters, \
    _filters, _print_json, _settings

__all__ = ["register_answer_commands"]


def _assistant(args: argparse.Namespace, settings: Any = None):
    from assistant.answer import Assistant

    return Assistant(settings or _settings(args))


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.history import load_history
    from assistant.records import Answer

    settings = _settings(args)
    history = load_history(Path(args.history)) if args.history else []
    assistant = _assistant(args, settings)
    answer: Answer | None = None
    live = not args.json and assistant.composer.name != "extractive" and sys.stdout.isatty()
    for event in assistant.stream(args.question, history=history, k=args.k, mode=args.mode,
                                  filters=_filters(args)):
        if isinstance(event, Answer):
            answer = event
        elif live:
            sys.stdout.write(event)
            sys.stdout.flush()
    assert answer is not None
    if args.json:
        _print_json(answer.to_json())
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
                bits.append(f"page {ch.page}")
            print(f"  [{c.n}] {' | '.join(bits)} | {ch.heading or ch.title}")
    elif answer.abstained and answer.passages:
        print("\nNearest passages:")
        for p in answer.passages[:3]:
            print(f"  - {p.chunk.source} | {p.chunk.heading or p.chunk.title}")
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evals import check_output_path, load_eval_set, run_eval, write_text_atomic
    from assistant.evals_report import comparison_table, markdown_report, plot_per_domain

    settings = _settings(args)
    cases = load_eval_set(Path(args.file))
    # Every output is checked before the run and written atomically after it: a bad eval file
    # or output path leaves no file behind, and a finished run leaves only complete files.
    for out_path in (args.json, args.report, args.save_baseline):
        if out_path:
            check_output_path(Path(out_path))
    if args.limit:
        cases = cases[: args.limit]

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{done}/{total} cases")
            sys.stderr.flush()
            if done == total:
                sys.stderr.write("\r" + " " * 30 + "\r")

    if args.sweep_abstain:
        from assistant.eval_tuning import sweep_abstain

        print(sweep_abstain(cases, _assistant(args, settings), k=args.k, mode=args.mode))
        return EXIT_OK

    if args.compare:
        from assistant.eval_tuning import compare_settings

        reports = compare_settings(cases, settings, k=args.k, progress=progress,
                                   chunk_sizes=tuple(args.chunk_sizes))
        print(comparison_table(reports))
        if args.report:
            out = Path(args.report)
            png = out.with_suffix(".png")
            plot_per_domain(reports, png)
            body = ["# Eval comparison", "", f"Eval set: `{args.file}` ({len(cases)} cases), k={args.k}.",
                    "", comparison_table(reports), "", f"![hit@{args.k} per domain]({png.name})", ""]
            write_text_atomic(out, "\n".join(body))
            print(f"\nreport: {out}\nplot:   {png}")
        if args.json:
            write_text_atomic(Path(args.json), json.dumps([r.to_json() for r in reports],
                                                          indent=1, ensure_ascii=False))
        return EXIT_OK

    report = run_eval(cases, _assistant(args, settings), k=args.k, mode=args.mode,
                      name=args.name or f"{args.mode or settings.retrieval_mode}/{settings.backend}",
                      progress=progress)
    print(comparison_table([report]))
    fails = report.failures()
    print(f"\n{len(fails)} of {len(report.results)} cases failed"
          + (" (see the report for the list)" if args.report else ""))
    if args.report:
        out = Path(args.report)
        png = out.with_suffix(".png")
        plot_per_domain([report], png)
        write_text_atomic(out, markdown_report(report, png))
        print(f"report: {out}")
    if args.json:
        write_text_atomic(Path(args.json), json.dumps(report.to_json(), indent=1,
                                                      ensure_ascii=False))
        print(f"json:   {args.json}")
    if args.save_baseline:
        from assistant.evals import save_baseline

        save_baseline(report, Path(args.save_baseline), eval_file=args.file)
        print(f"baseline: {args.save_baseline} (commit it on its own, with the reason)")
    return EXIT_OK


def register_answer_commands(sub: Any) -> None:
    p = sub.add_parser("ask", help="answer a question with cited passages",
                       description="Answer from the indexed material, citing [n] passages; says so "
                                   "when the material does not cover the question.")
    p.add_argument("question")
    p.add_argument("--k", type=int, default=None, help="passages to retrieve (default 5)")
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None)
    p.add_argument("--backend", choices=["extractive", "llm"], default=None,
                   help="answer composer (default: extractive; llm uses ASSISTANT_LLM_* settings)")
    p.add_argument("--history", metavar="FILE",
                   help="earlier turns: JSON list of {role, content}, JSONL, or one question per line")
    _add_filters(p)
    p.add_argument("--json", action="store_true", help="print the answer JSON (design contract)")
    _add_common(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="run an eval set and report metrics",
                       description="Retrieval (hit@1, hit@k, MRR@10, nDCG@10), answers (keyword "
                                   "recall, abstention, citation precision and support, lead "
                                   "keyword hit, redundant sentence pairs, off-topic sentences, "
                                   "answer length) and latency, overall and per exam domain.")
    p.add_argument("file", help="eval set (JSONL), e.g. evals/pmle.jsonl")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None)
    p.add_argument("--backend", choices=["extractive", "llm"], default=None)
    p.add_argument("--json", metavar="OUT.json", help="write per-case records and metrics")
    p.add_argument("--report", metavar="OUT.md", help="write a Markdown report (+ a PNG plot)")
    p.add_argument("--name", help="label for this run in reports")
    p.add_argument("--compare", action="store_true",
                   help="run dense, bm25 and hybrid, and hybrid at other chunk sizes; one table")
    p.add_argument("--chunk-sizes", type=int, nargs="*", default=[120],
                   help="extra chunk sizes (word pieces) for --compare (default: 120)")
    p.add_argument("--sweep-abstain", action="store_true",
                   help="print abstention accuracy / false abstentions over a threshold grid")
    p.add_argument("--limit", type=int, default=None, help="only the first N cases")
    p.add_argument("--save-baseline", metavar="FILE",
                   help="write the metrics the regression gate compares against "
                        "(evals/baseline.json)")
    _add_common(p)
    p.set_defaults(func=cmd_eval)


_EXTRA_COMMANDS.append(register_answer_commands)


def _feature_commands() -> None:
    """Feature packages own their subcommands; their modules import heavy parts lazily."""
    from assistant.bench_cli import register as bench_command
    from assistant.study.cli import register as study_commands
    from assistant.ui.cli import register as app_command

    from assistant.answer.sample import register as answer_sample_command

    _EXTRA_COMMANDS.extend([study_commands, app_command, bench_command, answer_sample_command])


_feature_commands()
