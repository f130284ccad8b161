"""``assistant flashcards|quiz|review|progress|study-sample``: the study tools (thin: parse,
call assistant.study, print).

    assistant flashcards [--domain N] [--section S] [--count M] [--format text|json|csv|apkg]
                         [--out FILE] [--stats] [--backend extractive|llm]
    assistant quiz       [--domain N] [--section S] [--count M] [--weighted] [--seed S]
                         [--json | --show-answers] [--user NAME]
    assistant review     [--user NAME] [--domain N] [--limit M]
    assistant progress   [--user NAME] [--json]
    assistant study-sample [--out evals/study-sample.md] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.cli.common import EXIT_OK, EXIT_PARTIAL, add_common, print_json, settings_from_args
from assistant.study.srs import RATING_NAMES, StudyError

if TYPE_CHECKING:
    from assistant.study.cards import Flashcard
    from assistant.study.quiz import QuizItem

__all__ = ["register"]

DEFAULT_USER = "default"
_LETTERS = "ABCD"


def _snapshot(args: argparse.Namespace) -> Any:
    from assistant.index import Index

    return Index(settings_from_args(args)).snapshot()


def _study_store(args: argparse.Namespace) -> Any:
    from assistant.store import Store
    from assistant.study.storage import StudyStore

    return StudyStore(Store(settings_from_args(args).store_path))


def _check_section(section: str | None, domain: int | None) -> None:
    from assistant import syllabus

    if section is None:
        return
    if syllabus.subsection(section) is None and all(
            syllabus.subsection(section, v) is None for v in syllabus.GUIDES):
        raise StudyError(f"unknown section '{section}'; use a subsection id such as 3.2 "
                         "(see 'assistant info')")
    if domain is not None and syllabus.section_of(section) != domain:
        raise StudyError(f"section {section} is not in domain {domain}; drop --domain or fix "
                         "--section")


def _positive(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number") from None
        if n < 1:
            raise argparse.ArgumentTypeError(f"{name} must be at least 1")
        return n
    return parse


# --- flashcards --------------------------------------------------------------------------

def _format_of(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.out:
        suffix = Path(args.out).suffix.lower().lstrip(".")
        if suffix in ("json", "csv", "apkg"):
            return suffix
    return "text"


def _print_cards(cards: list[Flashcard]) -> None:
    for c in cards:
        print(f"[{c.section or '-'} {c.kind}] {c.front}")
        print(f"    answer: {c.answer}")
        print(f"    source: {c.source} | section {c.section or '-'} | {c.heading}")


def cmd_flashcards(args: argparse.Namespace) -> int:
    from assistant.study.cards import generate_cards, sample_cards
    from assistant.study.export import export_apkg, export_csv, write_csv

    _check_section(args.section, args.domain)
    snap = _snapshot(args)
    if args.stats:
        from assistant.study.stats import coverage, format_coverage

        rows = coverage(snap)
        if args.format == "json":
            print_json([r.to_json() for r in rows])
        else:
            print(format_coverage(rows))
        return EXIT_OK if all(r.meets_target for r in rows) else EXIT_PARTIAL
    writer = None
    if args.backend == "llm":
        # Only on request, even when ASSISTANT_BACKEND=llm answers questions: the model reads
        # every passage of the selection, which takes a while on a small machine.
        from assistant.study.llm import LLMCardWriter

        writer = LLMCardWriter(settings_from_args(args))
    cards = generate_cards(snap, domain=args.domain, section=args.section, writer=writer)
    if args.count is not None:
        cards = sample_cards(cards, args.count, seed=args.seed)
    fmt = _format_of(args)
    if fmt == "apkg":
        if not args.out:
            raise StudyError("--format apkg needs --out FILE.apkg (an Anki package is binary)")
        n = export_apkg(cards, Path(args.out))
        print(f"wrote {n} notes to {args.out} (import it in Anki: File > Import)")
    elif fmt == "csv":
        if args.out:
            print(f"wrote {export_csv(cards, Path(args.out))} cards to {args.out}")
        else:
            write_csv(cards, sys.stdout)
    elif fmt == "json":
        data = [c.to_json() for c in cards]
        if args.out:
            import json

            Path(args.out).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
            print(f"wrote {len(cards)} cards to {args.out}")
        else:
            print_json(data)
    else:
        _print_cards(cards)
        print(f"\n{len(cards)} cards", file=sys.stderr)
    return EXIT_OK


# --- quiz ----------------------------------------------------------------------------------

def _print_item(n: int, it: QuizItem, *, answers: bool) -> None:
    print(f"\nQ{n} [{it.section or '-'}] {it.stem}")
    for i, o in enumerate(it.options):
        print(f"  {_LETTERS[i]}. {o.text}")
    if answers:
        _print_rationales(it)


def _print_rationales(it: QuizItem) -> None:
    print(f"  Answer: {_LETTERS[it.answer_index]}. {it.correct.text}")
    for i, o in enumerate(it.options):
        mark = "correct" if o.correct else "no"
        print(f"   {_LETTERS[i]} ({mark}): {o.rationale}")
        print(f"        [{o.source} | section {o.section or '-'} | {o.heading}]")


def _read_choice(n_options: int) -> int | None:
    """Index of the chosen option, or None to stop (q, or end of input)."""
    while True:
        try:
            raw = input(f"  your answer (A-{_LETTERS[n_options - 1]}, q to stop): ").strip()
        except EOFError:
            return None
        if raw.lower() in ("q", "quit", "exit"):
            return None
        letter = raw.upper()[:1]
        if letter and letter in _LETTERS[:n_options]:
            return _LETTERS.index(letter)
        if raw.isdigit() and 1 <= int(raw) <= n_options:
            return int(raw) - 1
        print(f"  please type a letter A-{_LETTERS[n_options - 1]}")


def cmd_quiz(args: argparse.Namespace) -> int:
    from assistant.study.quiz import draw_quiz

    _check_section(args.section, args.domain)
    items = draw_quiz(_snapshot(args), domain=args.domain, section=args.section,
                      count=args.count, seed=args.seed, weighted=args.weighted)
    if not items:
        where = f"section {args.section}" if args.section else \
            f"domain {args.domain}" if args.domain is not None else "the index"
        raise StudyError(f"no quiz items for {where}; choose another --domain, or index the "
                         "corpus with 'assistant ingest'")
    if args.json:
        print_json([it.to_json() for it in items])
        return EXIT_OK
    if args.show_answers:
        for n, it in enumerate(items, 1):
            _print_item(n, it, answers=True)
        return EXIT_OK
    study = _study_store(args)
    right = done = 0
    for n, it in enumerate(items, 1):
        _print_item(n, it, answers=False)
        choice = _read_choice(len(it.options))
        if choice is None:
            break
        ok = study.record_quiz_answer(args.user, it, choice)
        done += 1
        right += ok
        print("  correct!" if ok else "  not quite.")
        _print_rationales(it)
    print(f"\nscore: {right} of {done}" + (f" (stopped after {done} of {len(items)})"
                                         if done < len(items) else ""))
    return EXIT_OK


# --- review --------------------------------------------------------------------------------

def cmd_review(args: argparse.Namespace) -> int:
    study = _study_store(args)
    # Register the current index's cards (and retire those it no longer yields) so the review
    # queue always matches the material.
    study.sync_index_cards(_snapshot(args))
    reviewed = 0
    while reviewed < args.limit:
        due = study.due_cards(args.user, domain=args.domain, limit=1)
        if not due:
            print("nothing due right now" if reviewed == 0 else "no more cards due right now")
            break
        card = due[0]
        print(f"\n[{card.section or '-'} {card.kind}] {card.heading}")
        print(f"  {card.front}")
        try:
            raw = input("  (Enter to show the answer, q to stop) ").strip().lower()
        except EOFError:
            break
        if raw in ("q", "quit", "exit"):
            break
        print(f"  answer: {card.answer}")
        print(f"  quote:  {card.quote}")
        print(f"  source: {card.source} | section {card.section or '-'}")
        rating = _read_rating()
        if rating is None:
            break
        result = study.rate(args.user, card.id, rating)
        reviewed += 1
        print(f"  {result.rating_name}: next review {result.due:%Y-%m-%d %H:%M} UTC "
              f"({result.state})")
    print(f"\nreviewed {reviewed} card{'s' if reviewed != 1 else ''} for '{args.user}'")
    return EXIT_OK


def _read_rating() -> int | None:
    prompt = "  rate: " + ", ".join(f"{k} {v}" for k, v in RATING_NAMES.items()) + ", q to stop: "
    while True:
        try:
            raw = input(prompt).strip().lower()
        except EOFError:
            return None
        if raw in ("q", "quit", "exit"):
            return None
        if raw in ("1", "2", "3", "4"):
            return int(raw)
        names = {v.lower(): k for k, v in RATING_NAMES.items()}
        if raw in names:
            return names[raw]
        print("  please type 1, 2, 3 or 4")


# --- progress ------------------------------------------------------------------------------

def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def cmd_progress(args: argparse.Namespace) -> int:
    study = _study_store(args)
    rows = study.progress(args.user)
    nxt = study.study_next(args.user)
    if args.json:
        print_json({"user": args.user, "domains": [r.to_json() for r in rows],
                    "study_next": nxt.to_json()})
        return EXIT_OK
    print(f"progress of '{args.user}'")
    print(f"{'domain':<52}{'weight':>7}{'learned':>12}{'due':>6}{'retention':>10}{'quiz':>12}")
    for r in rows:
        quiz = f"{r.quiz_correct}/{r.quiz_answered}" if r.quiz_answered else "-"
        print(f"{str(r.domain) + ' ' + r.name[:48]:<52}{str(r.weight) + '%':>7}"
              f"{f'{r.cards_learned}/{r.cards_total}':>12}{r.due_now:>6}"
              f"{_pct(r.retention):>10}{quiz:>12}")
    print(f"\nstudy next: {nxt.reason}")
    return EXIT_OK


# --- sample --------------------------------------------------------------------------------

def cmd_study_sample(args: argparse.Namespace) -> int:
    from assistant.study.sample import DEFAULT_SEED, sample_markdown

    if args.seed is None:
        args.seed = DEFAULT_SEED
    text = sample_markdown(_snapshot(args), seed=args.seed, n_cards=args.cards,
                           n_quiz=args.quiz)
    out = Path(args.out) if args.out else settings_from_args(args).evals_dir / "study-sample.md"
    if not out.parent.is_dir():
        raise StudyError(f"folder {out.parent} does not exist; create it or choose another --out")
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({args.cards} cards, {args.quiz} quiz items, seed {args.seed})")
    return EXIT_OK


# --- parser --------------------------------------------------------------------------------

def _add_scope(p: argparse.ArgumentParser) -> None:
    p.add_argument("--domain", type=int, choices=range(0, 7), metavar="N",
                   help="only exam section N (1-6; 0 = about the exam)")
    p.add_argument("--section", help="only one subsection, e.g. 3.2")


def _add_user(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", default=DEFAULT_USER,
                   help=f"study profile name (default: {DEFAULT_USER})")


def register(sub: Any) -> None:
    p = sub.add_parser("flashcards", help="cited flashcards per domain; Anki/CSV/JSON export",
                       description="Flashcards generated from the indexed passages; every "
                                   "answer is verified to appear in the quoted passage.")
    _add_scope(p)
    p.add_argument("--count", type=_positive("--count"), default=None,
                   help="only M cards, drawn at random with --seed (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed for --count (default 0)")
    p.add_argument("--format", choices=["text", "json", "csv", "apkg"], default=None,
                   help="output format (default: from --out's extension, else text)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--stats", action="store_true",
                   help="print verified cards and quiz items per subsection against the targets "
                        "(exit 1 if a subsection of the current guide is below them)")
    p.add_argument("--backend", choices=["extractive", "llm"], default=None,
                   help="llm: also ask the configured LLM (ASSISTANT_LLM_*) for cards; they pass "
                        "the same verification (default: extractive only)")
    add_common(p)
    p.set_defaults(func=cmd_flashcards)

    p = sub.add_parser("quiz", help="exam-style practice questions with cited rationales",
                       description="Scenario questions with four options, one correct; each "
                                   "option's rationale is quoted from a passage.")
    _add_scope(p)
    p.add_argument("--count", type=_positive("--count"), default=10)
    p.add_argument("--seed", type=int, default=None, help="reproducible draw")
    p.add_argument("--weighted", action="store_true",
                   help="spread questions over the exam sections by their weight")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the items as JSON")
    out.add_argument("--show-answers", action="store_true",
                     help="print questions with answers and rationales (no interaction)")
    _add_user(p)
    add_common(p)
    p.set_defaults(func=cmd_quiz)

    p = sub.add_parser("review", help="spaced-repetition review session in the terminal",
                       description="Due cards first, then new ones; rate each 1 Again, 2 Hard, "
                                   "3 Good, 4 Easy (FSRS). Reviews are saved as you go.")
    _add_user(p)
    p.add_argument("--domain", type=int, choices=range(0, 7), metavar="N")
    p.add_argument("--limit", type=_positive("--limit"), default=20,
                   help="stop after M cards (default 20)")
    add_common(p)
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("progress", help="cards learned, retention and quiz accuracy per domain",
                       description="Progress per exam domain and what to study next.")
    _add_user(p)
    p.add_argument("--json", action="store_true")
    add_common(p)
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser("study-sample", help="write a seeded Markdown sample of cards and quiz "
                                            "items (evals/study-sample.md)")
    p.add_argument("--out", default=None, help="default: evals/study-sample.md")
    # Resolved in the command: importing study.sample here would pull the answer stack into
    # every command's start-up, `assistant ingest` included (0.4-0.8 s).
    p.add_argument("--seed", type=int, default=None, help="default: the seed of the shipped sample")
    p.add_argument("--cards", type=_positive("--cards"), default=20)
    p.add_argument("--quiz", type=_positive("--quiz"), default=10)
    add_common(p)
    p.set_defaults(func=cmd_study_sample)

