"""Multiple-choice eval: lines with ``options`` and ``answer`` (design page, eval-set contract).

Each line is turned into the text a candidate would paste (stem, blank line, ``A. ...`` lines)
and sent through ``Assistant.ask``, the same path as the chat and ``assistant ask``. Metrics:

- ``mcq_accuracy``: the pick equals the key (a set, for multiple select); for a line the
  material cannot decide (``answerable: false``, ``answer: []``) the right result is no pick;
- ``accuracy_decided``: the same, among items where the coach picked something;
- ``undecided_rate``: items with no pick;
- ``confidently_wrong_rate``: wrong picks made with high or medium confidence (all wrong picks
  are ``wrong_pick_rate``);
- ``verdict_coverage``: decided items where every option has a verdict and a citation.

Three baselines put the numbers in context (``--baselines``): a uniform random pick (its
expected accuracy), the longest option(s), and the option(s) whose words occur most in the
passages retrieved for the stem.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from typing import Any

from assistant.answer.options import LABELS, pasted_form
from assistant.answer.text import content_terms
from assistant.errors import EvalFileError

__all__ = ["MCQCase", "MCQResult", "MCQReport", "has_mcq_lines", "load_mcq_set",
           "run_mcq_eval", "mcq_metrics", "baselines", "mcq_table"]


@dataclass(frozen=True)
class MCQCase:
    id: str
    question: str
    options: tuple[str, ...]
    answer: tuple[str, ...]  # labels; empty when the material cannot decide
    domain: int | None = None
    section: str | None = None
    split: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.answer)

    def pasted(self) -> str:
        return pasted_form(self.question, list(self.options))


@dataclass
class MCQResult:
    case: MCQCase
    choice: list[str]
    options: list[dict[str, Any]]
    confidence: str
    seconds: float
    error: str | None = None

    @property
    def correct(self) -> bool:
        return self.error is None and sorted(self.choice) == sorted(self.case.answer)

    @property
    def decided(self) -> bool:
        return bool(self.choice)

    def covered(self) -> bool:
        return bool(self.options) and all(o.get("verdict") and o.get("citations")
                                          for o in self.options)

    def to_json(self) -> dict[str, Any]:
        c = self.case
        return {"id": c.id, "split": c.split, "domain": c.domain, "section": c.section,
                "question": c.question, "answer": list(c.answer), "choice": self.choice,
                "correct": self.correct, "confidence": self.confidence,
                "options": self.options, "ms": round(self.seconds * 1000, 2),
                "error": self.error}


@dataclass
class MCQReport:
    name: str
    results: list[MCQResult]
    metrics: dict[str, Any] = field(default_factory=dict)
    per_domain: dict[str, dict[str, Any]] = field(default_factory=dict)
    baselines: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "metrics": self.metrics, "per_domain": self.per_domain,
                "baselines": self.baselines, "cases": [r.to_json() for r in self.results]}


# --- loading -----------------------------------------------------------------------------------


def _lines(path: Path) -> list[tuple[int, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise EvalFileError(path, None, "no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise EvalFileError(path, None, f"cannot be read ({err})") from None
    out = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            out.append((n, json.loads(line)))
        except (json.JSONDecodeError, RecursionError, ValueError):
            raise EvalFileError(path, n, "invalid JSON") from None
    return out


def has_mcq_lines(path: Path) -> bool:
    """True when any line of the eval set carries ``options`` (a multiple-choice set)."""
    try:
        return any(isinstance(obj, dict) and "options" in obj for _, obj in _lines(path))
    except EvalFileError:
        return False  # the ordinary loader reports the problem with its line number


def load_mcq_set(path: Path, split: str | None = None) -> tuple[list[MCQCase], int]:
    """(multiple-choice cases, number of other lines skipped); ``split`` keeps one split."""
    cases: list[MCQCase] = []
    skipped = 0
    ids: set[str] = set()
    for n, obj in _lines(path):
        if not isinstance(obj, dict):
            raise EvalFileError(path, n, "each line must be a JSON object")
        if "options" not in obj:
            skipped += 1
            continue
        opts = obj["options"]
        if not isinstance(opts, list) or not all(isinstance(o, str) and o.strip() for o in opts) \
                or not 2 <= len(opts) <= len(LABELS):
            raise EvalFileError(path, n, f"'options' must be a list of 2 to {len(LABELS)} "
                                         "non-empty strings")
        q = obj.get("question")
        if not isinstance(q, str) or not q.strip():
            raise EvalFileError(path, n, "'question' must be a non-empty string")
        ans = obj.get("answer", [])
        ans_list = [ans] if isinstance(ans, str) else ans
        valid = set(LABELS[:len(opts)])
        if not isinstance(ans_list, list) or not all(isinstance(a, str) and a in valid
                                                     for a in ans_list):
            raise EvalFileError(path, n, "'answer' must be an option letter or a list of them "
                                         f"(here {'/'.join(sorted(valid))})")
        if obj.get("answerable") is False and ans_list:
            raise EvalFileError(path, n, "an item with answerable: false must have answer: []")
        if not ans_list and obj.get("answerable", False) is not False:
            raise EvalFileError(path, n, "an empty 'answer' needs \"answerable\": false")
        cid = str(obj.get("id", f"line{n}"))
        if cid in ids:
            raise EvalFileError(path, n, f"duplicate id '{cid}'")
        ids.add(cid)
        if split and obj.get("split") != split:
            continue
        domain = obj.get("domain")
        cases.append(MCQCase(cid, q, tuple(opts), tuple(sorted(ans_list)),
                             domain if isinstance(domain, int) else None,
                             obj.get("section") if isinstance(obj.get("section"), str) else None,
                             obj.get("split") if isinstance(obj.get("split"), str) else None))
    if not cases:
        raise EvalFileError(path, None, "no multiple-choice line" +
                            (f" in split '{split}'" if split else "") + "; check the file")
    return cases, skipped


# --- running -----------------------------------------------------------------------------------


def run_mcq_eval(cases: Sequence[MCQCase], assistant: Any, *, mode: str | None = None,
                 name: str = "mcq", progress: Callable[[int, int], None] | None = None
                 ) -> MCQReport:
    results: list[MCQResult] = []
    for i, case in enumerate(cases):
        t0 = time.perf_counter()
        try:
            ans = assistant.ask(case.pasted(), mode=mode)
            data = ans.to_json()
            results.append(MCQResult(case, list(data.get("choice") or []),
                                     list(data.get("options") or []),
                                     str(data.get("confidence", "none")),
                                     time.perf_counter() - t0))
        except Exception as err:  # noqa: BLE001 - one broken case must not sink the run
            results.append(MCQResult(case, [], [], "none", time.perf_counter() - t0,
                                     error=f"{type(err).__name__}: {err}"))
        if progress:
            progress(i + 1, len(cases))
    report = MCQReport(name, results)
    report.metrics = mcq_metrics(results)
    domains = sorted({r.case.domain for r in results if r.case.domain is not None})
    report.per_domain = {str(d): mcq_metrics([r for r in results if r.case.domain == d])
                         for d in domains}
    return report


def _pct(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-int(q * len(ordered)) // 100) - 1))]


def mcq_metrics(results: Sequence[MCQResult]) -> dict[str, Any]:
    n = len(results)
    if not n:
        return {"cases": 0}
    decided = [r for r in results if r.decided]
    wrong = [r for r in decided if not r.correct]
    ms = [r.seconds * 1000 for r in results if r.error is None]

    def rate(k: int, d: int) -> float | None:
        return round(k / d, 4) if d else None

    return {
        "cases": n,
        "undecidable_items": sum(1 for r in results if not r.case.answerable),
        "errors": sum(1 for r in results if r.error),
        "mcq_accuracy": rate(sum(r.correct for r in results), n),
        "accuracy_decided": rate(sum(r.correct for r in decided), len(decided)),
        "undecided_rate": rate(n - len(decided), n),
        "confidently_wrong_rate": rate(sum(1 for r in wrong if r.confidence in ("high", "medium")),
                                       n),
        "wrong_pick_rate": rate(len(wrong), n),
        "undecidable_correct": rate(sum(1 for r in results if not r.case.answerable
                                        and not r.decided),
                                    sum(1 for r in results if not r.case.answerable)),
        "verdict_coverage": rate(sum(1 for r in decided if r.covered()), len(decided)),
        "ms_p50": round(statistics.median(ms), 2) if ms else None,
        "ms_p95": round(_pct(ms, 95), 2) if ms else None,
    }


# --- baselines ---------------------------------------------------------------------------------


def baselines(cases: Sequence[MCQCase], assistant: Any, *, k: int = 5,
              mode: str | None = None) -> dict[str, float]:
    """Accuracy of three simple strategies on the same cases (each always picks)."""
    rand = longest = words = 0.0
    for case in cases:
        n = len(case.options)
        select = max(1, len(case.answer))
        gold = sorted(case.answer)
        if case.answerable:
            rand += 1.0 / comb(n, select)
        by_len = sorted(range(n), key=lambda i: (-len(case.options[i]), i))[:select]
        longest += sorted(LABELS[i] for i in by_len) == gold
        passages = assistant.retrieve(case.question, k=k, mode=mode)
        seen: dict[str, int] = {}
        for p in passages:
            for t in content_terms(p.chunk.embed_text()):
                seen[t] = seen.get(t, 0) + 1
        stem = set(content_terms(case.question))

        def overlap(i: int, options: Sequence[str] = case.options, stem: set[str] = stem,
                    seen: dict[str, int] = seen) -> float:
            terms = [t for t in dict.fromkeys(content_terms(options[i])) if t not in stem]
            return sum(1 for t in terms if t in seen) / len(terms) if terms else 0.0

        by_words = sorted(range(n), key=lambda i: (-overlap(i), i))[:select]
        words += sorted(LABELS[i] for i in by_words) == gold
    total = len(cases) or 1
    return {"random": round(rand / total, 4), "longest_option": round(longest / total, 4),
            "option_words_in_passages": round(words / total, 4)}


def mcq_table(report: MCQReport) -> str:
    m = report.metrics
    keys = ["cases", "mcq_accuracy", "accuracy_decided", "undecided_rate",
            "confidently_wrong_rate", "wrong_pick_rate", "undecidable_correct",
            "verdict_coverage", "ms_p50", "ms_p95"]
    lines = ["| metric | all | " + " | ".join(f"domain {d}" for d in report.per_domain) + " |",
             "|---|---|" + "---|" * len(report.per_domain)]
    for key in keys:
        row = [str(m.get(key))] + [str(report.per_domain[d].get(key)) for d in report.per_domain]
        lines.append(f"| {key} | " + " | ".join(row) + " |")
    if report.baselines:
        lines += ["", "| baseline | accuracy |", "|---|---|"]
        lines += [f"| {b} | {v} |" for b, v in report.baselines.items()]
        lines.append(f"| coach | {m.get('mcq_accuracy')} |")
    return "\n".join(lines)


def eval_command(args: Any, assistant: Any, progress: Callable[[int, int], None] | None = None
                 ) -> int:
    """``assistant eval FILE`` for a multiple-choice set (wired in from the CLI)."""
    from assistant.evals import check_output_path, write_text_atomic

    cases, skipped = load_mcq_set(Path(args.file), getattr(args, "split", None))
    for out_path in (args.json, args.report):
        if out_path:
            check_output_path(Path(out_path))
    if args.limit:
        cases = cases[: args.limit]
    name = args.name or f"coach/{args.mode or assistant.settings.retrieval_mode}"
    assistant.warm_up()  # load the model first: the latency figures are per question
    report = run_mcq_eval(cases, assistant, mode=args.mode, name=name, progress=progress)
    if getattr(args, "baselines", False):
        report.baselines = baselines(cases, assistant, k=args.k, mode=args.mode)
    table = mcq_table(report)
    print(table)
    if skipped:
        print(f"\n{skipped} lines without options were skipped (run them as their own file)")
    if args.report:
        split = getattr(args, "split", None)
        body = [f"# Multiple-choice eval: {name}", "",
                f"Eval set: `{args.file}`" + (f", split {split}" if split else "")
                + f" ({len(cases)} items).", "", table, ""]
        wrong = [r for r in report.results if not r.correct]
        if wrong:
            body += ["## Items not answered correctly", ""]
            body += [f"- {r.case.id}: key {','.join(r.case.answer) or '(undecidable)'}, "
                     f"pick {','.join(r.choice) or '(none)'} ({r.confidence})" for r in wrong]
        write_text_atomic(Path(args.report), "\n".join(body) + "\n")
        print(f"report: {args.report}")
    if args.json:
        write_text_atomic(Path(args.json), json.dumps(report.to_json(), indent=1,
                                                      ensure_ascii=False))
        print(f"json:   {args.json}")
    return 0
