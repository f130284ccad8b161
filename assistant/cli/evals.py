"""``assistant eval``: run an eval set, compare settings, write reports and the baseline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.cli.common import EXIT_OK, add_common, make_assistant, settings_from_args

__all__ = ["register"]


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r{done}/{total} cases")
        sys.stderr.flush()
        if done == total:
            sys.stderr.write("\r" + " " * 30 + "\r")


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evals import check_output_path, load_eval_set, run_eval, write_text_atomic
    from assistant.evals.report import (
        comparison_table,
        markdown_report,
        plot_per_domain,
        write_comparison_report,
    )

    settings = settings_from_args(args)
    from assistant.evals.mcq import eval_command as mcq_eval
    from assistant.evals.mcq import has_mcq_lines

    if has_mcq_lines(Path(args.file)):  # a multiple-choice set: the practice-question coach
        return mcq_eval(args, make_assistant(args, settings), _progress)
    cases = load_eval_set(Path(args.file))
    # Every output is checked before the run and written atomically after it: a bad eval file
    # or output path leaves no file behind, and a finished run leaves only complete files.
    for out_path in (args.json, args.report, args.save_baseline):
        if out_path:
            check_output_path(Path(out_path))
    if args.limit:
        cases = cases[: args.limit]

    progress = _progress

    if args.sweep_abstain:
        from assistant.evals.tuning import sweep_abstain

        print(sweep_abstain(cases, make_assistant(args, settings), k=args.k, mode=args.mode))
        return EXIT_OK

    if args.compare:
        from assistant.evals.tuning import compare_settings

        reports = compare_settings(cases, settings, k=args.k, progress=progress,
                                   chunk_sizes=tuple(args.chunk_sizes))
        print(comparison_table(reports))
        if args.report:
            out = Path(args.report)
            png = write_comparison_report(reports, out, eval_file=args.file,
                                          n_cases=len(cases), k=args.k)
            print(f"\nreport: {out}\nplot:   {png}")
        if args.json:
            write_text_atomic(Path(args.json), json.dumps([r.to_json() for r in reports],
                                                          indent=1, ensure_ascii=False))
        return EXIT_OK

    report = run_eval(cases, make_assistant(args, settings), k=args.k, mode=args.mode,
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


def register(sub: Any) -> None:
    p = sub.add_parser("eval", help="run an eval set and report metrics",
                       description="Retrieval (hit@1, hit@k, MRR@10, nDCG@10), answers (keyword "
                                   "recall, abstention, citation precision and support) and "
                                   "latency, overall and per exam domain. A set whose lines carry "
                                   "'options' and 'answer' (evals/pmle_mcq.jsonl) runs the "
                                   "practice-question coach instead: mcq_accuracy, accuracy "
                                   "among decided items, undecided and confidently-wrong rates.")
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
    p.add_argument("--split", default=None,
                   help="multiple-choice sets: only lines with this split (dev or test)")
    p.add_argument("--baselines", action="store_true",
                   help="multiple-choice sets: also measure the random, longest-option and "
                        "option-words-in-passages baselines")
    p.add_argument("--save-baseline", metavar="FILE",
                   help="write the metrics the regression gate compares against "
                        "(evals/baseline.json)")
    add_common(p)
    p.set_defaults(func=cmd_eval)
