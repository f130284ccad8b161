"""``assistant flashcards|quiz|review|cards|progress|study-sample``: the study tools (thin:
parse, call assistant.study, print).

    assistant flashcards [--domain N] [--section S] [--source deck|generated|all] [--count M]
                         [--format text|json|csv|apkg] [--out FILE] [--stats]
                         [--backend extractive|llm]
    assistant quiz       [--domain N] [--section S] [--source bank|generated|all] [--count M]
                         [--weighted] [--seed S] [--json | --show-answers | --stats]
                         [--user NAME]
    assistant review     [--user NAME] [--domain N] [--limit M]
    assistant cards      inbox|accept|suspend|add|mine ...   (the card inbox and your own cards)
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
_LETTERS = "ABCDEF"


def _snapshot(args: argparse.Namespace) -> Any:
    from assistant.index import Index

    return Index(settings_from_args(args)).snapshot()


def _study_store(args: argparse.Namespace) -> Any:
    from assistant.store import Store
    from assistant.study.storage import StudyStore

    return StudyStore(Store.from_settings(settings_from_args(args)))


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
    from assistant.study.practice import study_cards

    _check_section(args.section, args.domain)
    snap = _snapshot(args)
    if args.stats:
        return _print_stats(args, snap)
    writer = None
    if args.backend == "llm":
        # Only on request, even when ASSISTANT_BACKEND=llm answers questions: the model reads
        # every passage of the selection, which takes a while on a small machine.
        from assistant.study.llm import LLMCardWriter

        writer = LLMCardWriter(settings_from_args(args))
    if writer is None:
        cards = study_cards(snap, domain=args.domain, section=args.section,
                            practice_dir=settings_from_args(args).practice_dir, source=args.source)
    else:
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
    keys = ", ".join(f"{_LETTERS[i]}. {it.options[i].text}" for i in it.keys)
    print(f"  Answer{'s' if it.multiple else ''}: {keys}")
    for i, o in enumerate(it.options):
        mark = "correct" if o.correct else "no"
        print(f"   {_LETTERS[i]} ({mark}): {o.rationale}")
        print(f"        [{o.source} | section {o.section or '-'} | {o.heading}]")


def _read_choice(n_options: int, picks: int = 1) -> list[int] | None:
    """Indexes of the chosen option(s), or None to stop (q, or end of input). A multiple-select
    item takes its letters together ("AC", "A,C" or "a c")."""
    last = _LETTERS[n_options - 1]
    want = f"{picks} letters A-{last}" if picks > 1 else f"A-{last}"
    while True:
        try:
            raw = input(f"  your answer ({want}, q to stop): ").strip()
        except EOFError:
            return None
        if raw.lower() in ("q", "quit", "exit"):
            return None
        letters = [ch for ch in raw.upper() if ch.isalnum()]
        if raw.isdigit() and picks == 1 and 1 <= int(raw) <= n_options:
            return [int(raw) - 1]
        if len(letters) == picks and len(set(letters)) == picks \
                and all(ch in _LETTERS[:n_options] for ch in letters):
            return sorted(_LETTERS.index(ch) for ch in letters)
        print(f"  please type {'a letter' if picks == 1 else f'{picks} different letters'} "
              f"A-{last}")


def _print_stats(args: argparse.Namespace, snap: Any) -> int:
    from assistant.study.stats import coverage, format_coverage

    rows = coverage(snap)
    if getattr(args, "json", False) or getattr(args, "format", None) == "json":
        print_json([r.to_json() for r in rows])
    else:
        print(format_coverage(rows))
    return EXIT_OK if all(r.meets_target for r in rows) else EXIT_PARTIAL


def cmd_quiz(args: argparse.Namespace) -> int:
    from assistant.study.practice import draw_practice

    _check_section(args.section, args.domain)
    snap = _snapshot(args)
    if args.stats:
        return _print_stats(args, snap)
    items = draw_practice(snap, source=args.source, domain=args.domain, section=args.section,
                          count=args.count, seed=args.seed, weighted=args.weighted,
                          practice_dir=settings_from_args(args).practice_dir)
    if not items:
        where = f"section {args.section}" if args.section else \
            f"domain {args.domain}" if args.domain is not None else "the index"
        raise StudyError(f"no quiz items for {where} from --source {args.source}; choose another "
                         "--domain or --source, or index the corpus with 'assistant ingest'")
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
        choice = _read_choice(len(it.options), len(it.keys) if it.multiple else 1)
        if choice is None:
            break
        ok = study.record_quiz_answer(args.user, it, choice if it.multiple else choice[0])
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
    # queue always matches the material: the curated deck, then the cards you accepted.
    study.sync_index_cards(_snapshot(args), settings_from_args(args).practice_dir)
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


# --- the inbox and own cards ---------------------------------------------------------------

def cmd_cards(args: argparse.Namespace) -> int:
    study = _study_store(args)
    action = args.cards_action
    if action in ("inbox", "accept", "suspend"):
        # The inbox holds the generated cards of the current index: register them first.
        study.sync_index_cards(_snapshot(args), settings_from_args(args).practice_dir)
    if action == "inbox":
        _check_section(args.section, args.domain)
        cards = study.inbox(args.user, domain=args.domain, section=args.section,
                            limit=args.limit)
        if args.json:
            print_json([c.to_json() for c in cards])
            return EXIT_OK
        for c in cards:
            print(f"{c.id}  [{c.section or '-'} {c.kind}] {c.front}")
            print(f"    answer: {c.answer}")
        print(f"\n{len(cards)} card(s) waiting; 'assistant cards accept ID' or "
              "'assistant cards suspend ID'", file=sys.stderr)
    elif action == "accept":
        study.accept_card(args.user, args.card_id, front=args.front, answer=args.answer)
        print(f"accepted {args.card_id} for '{args.user}'")
    elif action == "suspend":
        study.suspend_card(args.user, args.card_id)
        print(f"suspended {args.card_id} for '{args.user}'")
    elif action == "add":
        _check_section(args.section, args.domain)
        card = study.add_own_card(args.user, args.front, args.answer, domain=args.domain,
                                  section=args.section)
        print(f"saved your card {card.id} for '{args.user}'")
    else:
        mine = study.own_cards(args.user)
        if args.json:
            print_json([c.to_json() for c in mine])
        else:
            for c in mine:
                print(f"{c.id}  {c.front}\n    answer: {c.answer}")
    return EXIT_OK


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
    print(f"wrote {out} ({args.cards} curated cards and {args.quiz} practice items, plus "
          f"{max(1, args.cards // 4)} generated cards and {max(1, args.quiz // 4)} generated "
          f"items; seed {args.seed})")
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
    p.add_argument("--source", choices=["deck", "generated", "all"], default="all",
                   help="deck: the curated cards; generated: cards made from the indexed "
                        "passages (your documents too); all: both, the deck first (default)")
    p.add_argument("--stats", action="store_true",
                   help="print curated and generated cards and items per subsection against the "
                        "targets (exit 1 if a subsection of the current guide is below them)")
    p.add_argument("--backend", choices=["extractive", "llm"], default=None,
                   help="llm: also ask the configured LLM (ASSISTANT_LLM_*) for cards; they pass "
                        "the same verification (default: extractive only)")
    add_common(p)
    p.set_defaults(func=cmd_flashcards)

    p = sub.add_parser("quiz", help="exam-style practice questions with cited rationales",
                       description="Scenario questions from the curated practice bank (or "
                                   "generated from the indexed passages), with a cited rationale "
                                   "for every option. Multiple-select items take their letters "
                                   "together, e.g. AC.")
    _add_scope(p)
    p.add_argument("--source", choices=["bank", "generated", "all"], default="bank",
                   help="bank: the curated practice bank (default); generated: items built from "
                        "the indexed passages (your documents too); all: both")
    p.add_argument("--count", type=_positive("--count"), default=10)
    p.add_argument("--seed", type=int, default=None, help="reproducible draw")
    p.add_argument("--weighted", action="store_true",
                   help="spread questions over the exam sections by their weight")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the items as JSON")
    out.add_argument("--show-answers", action="store_true",
                     help="print questions with answers and rationales (no interaction)")
    out.add_argument("--stats", action="store_true",
                     help="bank, deck and generated counts per subsection against the targets")
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

    p = sub.add_parser("cards", help="the card inbox (accept, edit, suspend) and your own cards",
                       description="Generated cards wait in your inbox until you accept them "
                                   "(optionally edited) or suspend them; curated cards are "
                                   "studied from the start. Everything is saved at once.")
    csub = p.add_subparsers(dest="cards_action", required=True, metavar="ACTION")
    q = csub.add_parser("inbox", help="list generated cards waiting for a decision")
    q.add_argument("--domain", type=int, choices=range(0, 7), metavar="N")
    q.add_argument("--section")
    q.add_argument("--limit", type=_positive("--limit"), default=20)
    q.add_argument("--json", action="store_true")
    q = csub.add_parser("accept", help="study a card (optionally with your own front/answer)")
    q.add_argument("card_id")
    q.add_argument("--front")
    q.add_argument("--answer")
    q = csub.add_parser("suspend", help="stop studying a card (its reviews are kept)")
    q.add_argument("card_id")
    q = csub.add_parser("add", help="write a card of your own")
    q.add_argument("--front", required=True)
    q.add_argument("--answer", required=True)
    q.add_argument("--domain", type=int, choices=range(0, 7), metavar="N")
    q.add_argument("--section")
    q = csub.add_parser("mine", help="list the cards you wrote")
    q.add_argument("--json", action="store_true")
    for q in csub.choices.values():
        _add_user(q)
        add_common(q)
    p.set_defaults(func=cmd_cards)

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

