"""CLI for mock exams and the exam-date plan (thin: parse, call study.exam / study.plan, print).

    assistant exam  [--user NAME] [--seed N] [--items 50-60] [--json] [--history] [--target PCT]
    assistant plan  [--user NAME] [--date YYYY-MM-DD] [--minutes N] [--days N] [--json]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from assistant.cli.common import EXIT_OK, add_common, print_json, settings_from_args
from assistant.study.srs import StudyError

if TYPE_CHECKING:
    from assistant.study.exam import Attempt, ExamStore
    from assistant.study.quiz import QuizItem

__all__ = ["register"]

DEFAULT_USER = "default"
_LETTERS = "ABCDEFGH"


def _pool(args: argparse.Namespace) -> list[QuizItem]:
    from assistant.index import Index
    from assistant.study.curated import bank_items

    s = settings_from_args(args)
    return bank_items(Index(s).snapshot(), s.practice_dir)


def _exams(args: argparse.Namespace) -> ExamStore:
    from assistant.store import Store
    from assistant.study.exam import ExamStore

    return ExamStore(Store.from_settings(settings_from_args(args)))


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


# --- exam ------------------------------------------------------------------------------------

def _show(a: Attempt, pos: int) -> None:
    it = a.items[pos]
    flag = " [marked for review]" if a.marked[pos] else ""
    print(f"\nQuestion {pos + 1} of {len(a.items)}{flag}   time left {_clock(a.remaining())}")
    print(it.stem + (" (choose all that apply)" if it.multiple and "choose" not in
                     it.stem.lower() else ""))
    for i, o in enumerate(it.options):
        mine = " <" if i in a.answers[pos] else ""
        print(f"  {_LETTERS[i]}. {o.text}{mine}")


def _grid(a: Attempt) -> str:
    sign = {"answered": "x", "marked": "?", "blank": "."}
    cells = [f"{i + 1}{sign[a.status(i)]}" for i in range(len(a.items))]
    rows = [" ".join(f"{c:>4}" for c in cells[k:k + 12]) for k in range(0, len(cells), 12)]
    return "\n".join(rows) + "\n  (x answered, ? marked for review, . blank)"


def _print_report(a: Attempt) -> None:
    r = a.report()
    how = "automatically when time ran out" if a.auto else "by you"
    print(f"\nSubmitted {how}. Score: {r.correct} of {r.items} ({r.score:.0%}); "
          f"by the exam weights {r.weighted:.0%}; {r.items - r.answered} left blank.")
    print(f"{'domain':<60}{'weight':>7}{'right':>9}{'score':>7}")
    for d in r.domains:
        score = "-" if d.score is None else f"{d.score:.0%}"
        print(f"{str(d.domain) + '. ' + d.name[:55]:<60}{str(d.weight) + '%':>7}"
              f"{f'{d.correct}/{d.items}':>9}{score:>7}")
    for pos in r.missed():
        it = a.items[pos]
        mine = ", ".join(_LETTERS[i] for i in a.answers[pos]) or "blank"
        keys = ", ".join(_LETTERS[i] for i in it.keys)
        print(f"\nQ{pos + 1} [{it.section}] {it.stem}\n  your answer: {mine}; key: {keys}")
        for i, o in enumerate(it.options):
            print(f"   {_LETTERS[i]} ({'key' if o.correct else 'no'}) {o.text}: {o.rationale}")
            print(f"        [{o.source} | section {o.section or '-'} | {o.heading}]")
    if r.missed():
        sections = sorted({a.items[p].section or "-" for p in r.missed()})
        print(f"\nFlashcards to study: assistant review --user {a.user} (sections "
              f"{', '.join(sections)}); drill: assistant quiz --section S")


def _parse_choice(raw: str, it: QuizItem) -> list[int] | None:
    letters = [c for c in raw.upper() if c.isalpha()]
    n = len(it.options)
    if not letters or any(c not in _LETTERS[:n] for c in letters):
        return None
    picks = sorted({_LETTERS.index(c) for c in letters})
    if not it.multiple and len(picks) != 1:
        return None
    return picks


def _run(exams: ExamStore, a: Attempt) -> int:
    print(f"Mock exam {a.id}: {len(a.items)} questions, {a.minutes} minutes, ends "
          f"{datetime.fromtimestamp(a.deadline, UTC):%H:%M:%S} UTC.")
    if a.shortfall:
        print(a.shortfall)
    print("Type a letter to answer (several for 'choose two'), m to mark for review, Enter or n "
          "for next, p previous, g N to go to N, l for the grid, s to submit, q to stop (the "
          "exam stays open and its time keeps running).")
    pos = next((i for i, ans in enumerate(a.answers) if not ans), 0)
    while True:
        got = exams.get(a.id)
        assert got is not None
        a = got
        if a.done:
            print("\nTime is up: the exam was submitted automatically.")
            _print_report(a)
            return EXIT_OK
        _show(a, pos)
        try:
            raw = input("> ").strip()
        except EOFError:
            raw = "q"
        cmd = raw.lower()
        try:
            if cmd in ("q", "quit", "exit"):
                print(f"Stopped; the exam stays open until "
                      f"{datetime.fromtimestamp(a.deadline, UTC):%H:%M:%S} UTC. "
                      "Run 'assistant exam' again to continue.")
                return EXIT_OK
            if cmd in ("", "n"):
                pos = min(pos + 1, len(a.items) - 1)
            elif cmd == "p":
                pos = max(pos - 1, 0)
            elif cmd.startswith("g") and cmd[1:].strip().isdigit():
                pos = max(0, min(len(a.items) - 1, int(cmd[1:].strip()) - 1))
            elif cmd == "l":
                print(_grid(a))
            elif cmd == "m":
                exams.mark(a.id, pos, not a.marked[pos])
            elif cmd == "s":
                blanks = sum(1 for x in a.answers if not x)
                if blanks:
                    ok = input(f"{blanks} question(s) are blank; submit anyway? (y/N) ")
                    if ok.strip().lower() != "y":
                        continue
                _print_report(exams.submit(a.id))
                return EXIT_OK
            else:
                picks = _parse_choice(raw, a.items[pos])
                if picks is None:
                    many = "letters" if a.items[pos].multiple else "one letter"
                    print(f"  type {many} A-{_LETTERS[len(a.items[pos].options) - 1]}, or a "
                          "command (m n p g l s q)")
                    continue
                exams.answer(a.id, pos, picks)
                pos = min(pos + 1, len(a.items) - 1)
        except StudyError as err:
            print(f"  {err}")


def cmd_exam(args: argparse.Namespace) -> int:
    from assistant.study.exam import READINESS_METHOD, draw_form

    if args.target is not None:
        _exams(args).set_target(args.user, args.target / 100.0)
        print(f"target for '{args.user}': {args.target:g}%")
        if not args.history:
            return EXIT_OK
    if args.history:
        exams = _exams(args)
        pool = _pool(args)
        hist = exams.history(args.user)
        est = exams.readiness(args.user, pool)
        if args.json:
            print_json({"user": args.user, "attempts": [
                {"id": a.id, "submitted": a.submitted, "auto": a.auto, **a.report().to_json()}
                for a in hist], "readiness": est.to_json() if est else None})
            return EXIT_OK
        if not hist:
            print(f"no submitted mock exams for '{args.user}' yet; start one with 'assistant "
                  "exam'")
            return EXIT_OK
        for n, a in enumerate(hist, 1):
            r = a.report()
            when = datetime.fromtimestamp(a.submitted or a.started, UTC)
            print(f"{n:>3}. {when:%Y-%m-%d %H:%M}  {r.correct}/{r.items} ({r.score:.0%}), "
                  f"weighted {r.weighted:.0%}")
        if est is not None:
            print(f"\nreadiness: expected {est.expected:.0%} (90% interval {est.low:.0%}-"
                  f"{est.high:.0%}) from {est.answered} answers. {est.verdict}")
            print(READINESS_METHOD)
        return EXIT_OK
    pool = _pool(args)
    if args.json:
        seed = args.seed if args.seed is not None else 0
        form = draw_form(pool, seed=seed, size=args.items)
        if form.short:
            print(form.shortfall(), file=sys.stderr)
        print_json(form.to_json())
        return EXIT_OK
    exams = _exams(args)
    current = exams.current(args.user)
    if current is not None:
        print("Continuing your mock exam in progress.")
    a = current or exams.start(args.user, pool, seed=args.seed, size=args.items)
    return _run(exams, a)


# --- plan ------------------------------------------------------------------------------------

def cmd_plan(args: argparse.Namespace) -> int:
    from assistant.index import Index
    from assistant.store import Store
    from assistant.study.curated import bank_items
    from assistant.study.plan import PlanStore, build_plan, parse_date
    from assistant.study.storage import StudyStore

    s = settings_from_args(args)
    today = datetime.now(UTC).date()
    store = Store.from_settings(s)
    plans = PlanStore(store)
    current = plans.current(args.user)
    if args.date is not None or args.minutes is not None:
        if current is None and (args.date is None or args.minutes is None):
            raise StudyError("the first plan needs both --date YYYY-MM-DD and --minutes N")
        exam_date = parse_date(args.date) if args.date is not None else current.exam_date  # type: ignore[union-attr]
        minutes = args.minutes if args.minutes is not None else current.minutes  # type: ignore[union-attr]
        current = plans.set(args.user, exam_date, minutes, today=today)
    if current is None:
        raise StudyError(f"no exam date set for '{args.user}'; run 'assistant plan --date "
                         "YYYY-MM-DD --minutes N'")
    snap = Index(s).snapshot()
    study = StudyStore(store)
    study.sync_index_cards(snap, s.practice_dir)  # the cards the plan schedules
    bank = Counter(it.section for it in bank_items(snap, s.practice_dir) if it.section)
    plan = build_plan(store, args.user, current, bank=bank, today=today,
                      scheduler=study.scheduler, new_per_day=study.new_per_day)
    if args.json:
        print_json({"user": args.user, **plan.to_json()})
        return EXIT_OK
    print(f"exam {current.exam_date.isoformat()}, {current.minutes} minutes a day "
          f"(profile '{args.user}')")
    print(plan.status)
    today_plan = plan.today_plan
    print("\nToday:")
    if today_plan is None or (not today_plan.tasks and not today_plan.reviews):
        print("  nothing planned: review what is due, or take a mock exam")
    else:
        if today_plan.reviews:
            print(f"  Review {today_plan.reviews} due flashcards (~{today_plan.review_minutes:.0f}"
                  " min): assistant review")
        for t in today_plan.tasks:
            print(f"  {t.text} (~{t.minutes:.0f} min)")
        print(f"  total ~{today_plan.minutes:.0f} min")
    print("\nNext days:")
    for d in plan.days[1:1 + args.days]:
        secs = ", ".join(dict.fromkeys(t.section for t in d.tasks)) or "reviews only"
        print(f"  {d.day.isoformat()}  ~{d.minutes:.0f} min  {d.reviews} reviews; {secs}")
    print("\nForecast recall on exam day (if no further review; FSRS stability):")
    for f in plan.forecast:
        seen = "-" if f.recall_seen is None else f"{f.recall_seen:.0%}"
        print(f"  {f.domain}. {f.name[:50]:<50} studied {f.cards_seen}/{f.cards_total} cards, "
              f"recall of those {seen}")
    return EXIT_OK


# --- parser ----------------------------------------------------------------------------------

def _items(text: str) -> int:
    from assistant.study.exam import FORM_ITEMS, MIN_ITEMS

    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("--items must be a whole number") from None
    if not MIN_ITEMS <= n <= FORM_ITEMS:
        raise argparse.ArgumentTypeError(f"--items must be {MIN_ITEMS}-{FORM_ITEMS}")
    return n


def _pct(text: str) -> float:
    try:
        x = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError("--target must be a percentage such as 75") from None
    if not 1 <= x <= 100:
        raise argparse.ArgumentTypeError("--target must be 1-100 (percent)")
    return x


def _minutes(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("--minutes must be a whole number") from None


def register(sub: Any) -> None:
    p = sub.add_parser("exam", help="timed mock exam (120 minutes) by the exam weights",
                       description="A mock exam drawn from the curated bank by the June 2026 "
                                   "weights, timed, answered and marked in the terminal; each "
                                   "answer is saved as you go, and time running out submits "
                                   "it. The app's Exam page continues the same attempt.")
    p.add_argument("--user", default=DEFAULT_USER, help="study profile (default: default)")
    p.add_argument("--seed", type=int, default=None,
                   help="draw the form with this seed (reproducible; --json default 0)")
    p.add_argument("--items", type=_items, default=60, help="form length, 50-60 (default 60)")
    p.add_argument("--json", action="store_true",
                   help='print the drawn form {"minutes": 120, "items": [...]} and exit')
    p.add_argument("--history", action="store_true",
                   help="list submitted attempts and the readiness estimate")
    p.add_argument("--target", type=_pct, default=None, metavar="PCT",
                   help="set your target score (percent) for the readiness estimate")
    add_common(p)
    p.set_defaults(func=cmd_exam)

    p = sub.add_parser("plan", help="exam-date study plan: what to do today and until the exam",
                       description="Set the exam date and minutes per day; the plan covers "
                                   "every subsection before the date, heavy and weak ones "
                                   "first, keeping the FSRS reviews. Run without options to "
                                   "see today's tasks.")
    p.add_argument("--user", default=DEFAULT_USER, help="study profile (default: default)")
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="the exam date")
    p.add_argument("--minutes", type=_minutes, default=None, help="study minutes per day")
    p.add_argument("--days", type=int, default=7, help="days ahead to list (default 7)")
    p.add_argument("--json", action="store_true", help="print the whole plan as JSON")
    add_common(p)
    p.set_defaults(func=cmd_plan)
