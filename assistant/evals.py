"""The eval harness: load an eval set, run it, compute metrics the same way every time.

Relevance follows the eval-set contract (design page): a passage is relevant when its
lower-cased text contains every ``evidence`` term, where a term may list alternatives with
``|``. ``answer_keywords`` use the same syntax against the answer text.
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from assistant.answer.base import MARKER
from assistant.answer.text import content_terms, normalize_ws
from assistant.errors import AssistantError, EvalFileError
from assistant.records import Answer, EvalCase, Passage, Turn

__all__ = ["write_text_atomic", "check_output_path", "save_baseline", "gate_failures", "GATED_METRICS", "load_eval_set", "term_matches", "all_terms", "CaseResult", "EvalReport",
           "run_eval", "aggregate", "cited_sentences", "case_from_answer", "percentile"]

_REQUIRED = ("id", "question", "answerable", "evidence", "answer_keywords")


# --- loading -----------------------------------------------------------------------------


def load_eval_set(path: Path, *, max_bytes: int = 50_000_000) -> list[EvalCase]:
    """Parse a JSONL eval set; any problem is one line naming the file and line number."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise EvalFileError(path, None, "no such file") from None
    except OSError as err:
        raise EvalFileError(path, None, f"cannot be read ({err.strerror})") from None
    if size > max_bytes:
        raise EvalFileError(path, None, f"{size / 1e6:.0f} MB is too large for an eval set")
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise EvalFileError(path, None, f"not UTF-8 text (bad byte at offset {err.start})") from None
    except OSError as err:
        raise EvalFileError(path, None, f"cannot be read ({err.strerror})") from None
    cases: list[EvalCase] = []
    ids: dict[str, int] = {}
    # JSON Lines are separated by "\n" only: str.splitlines() also splits at U+2028, U+0085
    # and other characters that json.dumps(ensure_ascii=False) leaves raw inside strings.
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise EvalFileError(path, n, f"invalid JSON ({err.msg} at column {err.colno})") from None
        except RecursionError:
            raise EvalFileError(path, n, "invalid JSON (nested too deeply)") from None
        except ValueError as err:  # e.g. an integer literal over Python's 4300-digit limit
            raise EvalFileError(path, n, f"invalid JSON ({str(err).split(':')[0]})") from None
        case = _parse_case(path, n, obj)
        if case.id in ids:
            raise EvalFileError(path, n, f"duplicate id '{case.id}' (first on line {ids[case.id]})")
        ids[case.id] = n
        cases.append(case)
    if not cases:
        raise EvalFileError(path, None, "the eval set is empty; add one JSON object per line")
    return cases


def _parse_case(path: Path, n: int, obj: Any) -> EvalCase:
    if not isinstance(obj, dict):
        raise EvalFileError(path, n, "each line must be a JSON object")
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        raise EvalFileError(path, n, "missing field" + ("s " if len(missing) > 1 else " ")
                            + ", ".join(missing))

    def strings(key: str) -> tuple[str, ...]:
        v = obj[key] if key in obj else []
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise EvalFileError(path, n, f"'{key}' must be a list of strings")
        return tuple(x.strip().lower() for x in v if x.strip())

    if not isinstance(obj["id"], (str, int)) or isinstance(obj["id"], bool) or not str(obj["id"]).strip():
        raise EvalFileError(path, n, "'id' must be a non-empty string")
    if not isinstance(obj["question"], str) or not obj["question"].strip():
        raise EvalFileError(path, n, "'question' must be a non-empty string")
    if not isinstance(obj["answerable"], bool):
        raise EvalFileError(path, n, "'answerable' must be true or false")
    domain = obj.get("domain")
    if domain is not None and (not isinstance(domain, int) or isinstance(domain, bool)
                               or not 0 <= domain <= 6):
        raise EvalFileError(path, n, "'domain' must be an integer 0-6 or null")
    section = obj.get("section")
    if section is not None and not isinstance(section, str):
        raise EvalFileError(path, n, "'section' must be a string like \"3.2\" or null")
    evidence = strings("evidence")
    keywords = strings("answer_keywords")
    history = strings("history") if "history" in obj else ()
    if obj["answerable"] and not evidence:
        raise EvalFileError(path, n, "an answerable case needs at least one 'evidence' term")
    return EvalCase(id=str(obj["id"]), question=obj["question"], domain=domain, section=section,
                    answerable=obj["answerable"], evidence=evidence, answer_keywords=keywords,
                    history=tuple(h for h in (obj.get("history") or []) if isinstance(h, str))
                    if history else ())


# --- matching ----------------------------------------------------------------------------


def _norm(text: str) -> str:
    return normalize_ws(text.lower().replace("\u2011", "-").replace("\u2013", "-"))


def term_matches(text_lower: str, term: str) -> bool:
    return any(alt.strip() and alt.strip() in text_lower for alt in term.split("|"))


def all_terms(text: str, terms: Sequence[str]) -> bool:
    t = _norm(text)
    return all(term_matches(t, term) for term in terms)


def is_relevant(passage_text: str, case: EvalCase) -> bool:
    return bool(case.evidence) and all_terms(passage_text, case.evidence)


def cited_sentences(answer_text: str) -> list[tuple[str, list[int]]]:
    """Split an answer into (sentence, [markers]) pairs: the text before each run of markers."""
    out: list[tuple[str, list[int]]] = []
    pos = 0
    for m in re.finditer(r"((?:\s*(?<![\w`])\[\d{1,3}\])+)", answer_text):
        sentence = answer_text[pos:m.start()].strip()
        nums = [int(x) for x in MARKER.findall(m.group(1))]
        if sentence:
            out.append((sentence, nums))
        pos = m.end()
    return out


def _supported(sentence: str, passage_text: str, verbatim: bool) -> bool:
    s = _norm(MARKER.sub("", sentence))
    s = re.sub(r"\s*\((october 2024 guide|june 2026 revision)\)\s*", " ", s).strip()
    s = re.sub(r"^(naming:)\s*", "", s).strip()
    p = _norm(passage_text)
    if verbatim:
        return s in p
    terms = set(content_terms(s))
    if not terms:
        return False
    return len(terms & set(content_terms(p))) / len(terms) >= 0.6


# --- running -----------------------------------------------------------------------------


@dataclass
class CaseResult:
    case: EvalCase
    passages: list[Passage]  # top-k used for the answer
    ranks_relevant: list[int]  # 1-based ranks (within top 10) of relevant passages
    n_relevant_in_index: int
    answer: Answer | None
    retrieve_s: float
    answer_s: float
    error: str | None = None

    @property
    def first_relevant(self) -> int | None:
        return self.ranks_relevant[0] if self.ranks_relevant else None

    def hit_at(self, k: int) -> bool:
        return self.first_relevant is not None and self.first_relevant <= k

    def mrr(self) -> float:
        r = self.first_relevant
        return 1.0 / r if r is not None and r <= 10 else 0.0

    def ndcg(self) -> float:
        dcg = sum(1.0 / math.log2(r + 1) for r in self.ranks_relevant if r <= 10)
        ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(10, self.n_relevant_in_index) + 1))
        return dcg / ideal if ideal else 0.0

    def keyword_recall(self) -> float | None:
        if not self.case.answerable or not self.case.answer_keywords or self.answer is None:
            return None
        t = _norm(self.answer.answer) if not self.answer.abstained else ""
        return sum(term_matches(t, kw) for kw in self.case.answer_keywords) / len(self.case.answer_keywords)

    def citation_stats(self, verbatim: bool) -> tuple[int, int, int, int]:
        """(cited passages, relevant cited passages, cited sentences, supported sentences)."""
        a = self.answer
        if a is None or a.abstained:
            return 0, 0, 0, 0
        by_n = {c.n: c.chunk.text for c in a.citations}
        cited = list(by_n)
        relevant = sum(1 for n in cited if is_relevant(by_n[n], self.case))
        sentences = cited_sentences(a.answer)
        supported = sum(1 for s, nums in sentences
                        if any(n in by_n and _supported(s, by_n[n], verbatim) for n in nums))
        return len(cited), relevant, len(sentences), supported

    def failure(self, k: int) -> str | None:
        if self.error:
            return f"error: {self.error}"
        a = self.answer
        if not self.case.answerable:
            return None if a is not None and a.abstained else "answered an unanswerable question"
        reasons = []
        if not self.hit_at(k):
            reasons.append(f"no relevant passage in top {k}")
        if a is not None and a.abstained:
            reasons.append("abstained")
        elif (self.keyword_recall() or 0.0) < 1.0 and self.case.answer_keywords:
            reasons.append("answer misses keywords")
        return "; ".join(reasons) or None

    def to_json(self, k: int) -> dict[str, Any]:
        a = self.answer
        return {
            **self.case.to_json(),
            "standalone_question": a.standalone_question if a else None,
            "answer": a.answer if a else None,
            "abstained": a.abstained if a else None,
            "citations": [c.to_json() for c in a.citations] if a else [],
            "passages": [p.to_json() for p in self.passages],
            "relevant_ranks": self.ranks_relevant,
            "hit@1": self.hit_at(1), f"hit@{k}": self.hit_at(k),
            "mrr@10": round(self.mrr(), 4), "ndcg@10": round(self.ndcg(), 4),
            "keyword_recall": self.keyword_recall(),
            "lead": a.lead if a else None,
            "points": list(a.points) if a else [],
            "retrieve_ms": round(self.retrieve_s * 1000, 2),
            "answer_ms": round(self.answer_s * 1000, 2),
            "failure": self.failure(k),
            "error": self.error,
        }


@dataclass
class EvalReport:
    name: str
    settings: dict[str, Any]
    k: int
    results: list[CaseResult]
    metrics: dict[str, Any] = field(default_factory=dict)
    per_domain: dict[str, dict[str, Any]] = field(default_factory=dict)

    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if r.failure(self.k)]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "settings": self.settings, "k": self.k,
                "metrics": self.metrics, "per_domain": self.per_domain,
                "cases": [r.to_json(self.k) for r in self.results]}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): simple and reproducible."""
    if not values:
        return 0.0
    ordered = sorted(values)
    idx = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[idx]


def aggregate(results: Sequence[CaseResult], k: int, verbatim: bool,
              vec: Callable[[str], Any] | None = None) -> dict[str, Any]:
    ans = [r for r in results if r.case.answerable and not r.error]
    unans = [r for r in results if not r.case.answerable and not r.error]

    def mean(xs: Iterable[float]) -> float | None:
        xs = list(xs)
        return round(statistics.fmean(xs), 4) if xs else None

    recalls = [x for x in (r.keyword_recall() for r in ans) if x is not None]
    cit = [r.citation_stats(verbatim) for r in ans]
    cited = sum(c[0] for c in cit)
    sents = sum(c[2] for c in cit)
    retrieve_ms = [r.retrieve_s * 1000 for r in results if not r.error]
    answer_ms = [r.answer_s * 1000 for r in results if not r.error]
    return {
        "cases": len(results),
        "answerable": len(ans),
        "unanswerable": len(unans),
        "errors": sum(1 for r in results if r.error),
        "hit@1": mean(float(r.hit_at(1)) for r in ans),
        f"hit@{k}": mean(float(r.hit_at(k)) for r in ans),
        "mrr@10": mean(r.mrr() for r in ans),
        "ndcg@10": mean(r.ndcg() for r in ans),
        "keyword_recall": mean(recalls),
        "keyword_hit_rate": mean(float(x >= 1.0) for x in recalls),
        "abstention_accuracy": mean(float(bool(r.answer and r.answer.abstained)) for r in unans),
        "false_abstention_rate": mean(float(bool(r.answer and r.answer.abstained)) for r in ans),
        "citation_precision": round(sum(c[1] for c in cit) / cited, 4) if cited else None,
        "citation_support": round(sum(c[3] for c in cit) / sents, 4) if sents else None,
        "retrieve_ms_p50": round(percentile(retrieve_ms, 50), 2),
        "retrieve_ms_p95": round(percentile(retrieve_ms, 95), 2),
        "answer_ms_p50": round(percentile(answer_ms, 50), 2),
        "answer_ms_p95": round(percentile(answer_ms, 95), 2),
        **_quality(ans, vec),
    }


def _quality(ans: Sequence[CaseResult], vec: Callable[[str], Any] | None) -> dict[str, Any]:
    """Issue 14's answer-shape metrics (answer/quality.py) over the answerable cases."""
    from assistant.answer.quality import aggregate_quality, assess

    items = []
    for r in ans:
        a = r.answer
        q = None if a is None or a.abstained else assess(
            r.case.question, a.answer, r.case.answer_keywords, getattr(a, "lead", "") or None,
            vec)
        items.append((q, bool(r.case.answer_keywords)))
    return aggregate_quality(items)


def run_eval(cases: Sequence[EvalCase], assistant: Any, *, k: int = 5, mode: str | None = None,
             name: str = "eval", progress: Callable[[int, int], None] | None = None,
             answer: bool = True) -> EvalReport:
    """Run every case through retrieval (top 10, for MRR and nDCG) and the answer composer
    (top k). ``assistant`` is an ``answer.Assistant``."""
    snap = assistant.retriever.index.snapshot()
    texts = [c.text for c in snap.chunks]
    results: list[CaseResult] = []
    depth = max(10, k)
    for i, case in enumerate(cases):
        history = [Turn("user", h) for h in case.history]
        try:
            t0 = time.perf_counter()
            q, standalone = assistant.prepare(case.question, history)
            ranked = assistant.retrieve(standalone or q, k=depth, mode=mode)
            t1 = time.perf_counter()
            top = ranked[:k]
            ans = assistant.answer_from(q, standalone, top) if answer else None
            t2 = time.perf_counter()
            ranks = [p.rank for p in ranked if is_relevant(p.chunk.text, case)]
            n_rel = sum(1 for t in texts if is_relevant(t, case)) if case.answerable else 0
            results.append(CaseResult(case, top, ranks, n_rel, ans, t1 - t0, t2 - t1))
        except Exception as err:  # noqa: BLE001 - one broken case must not sink the run
            results.append(CaseResult(case, [], [], 0, None, 0.0, 0.0,
                                      error=f"{type(err).__name__}: {err}"))
        if progress:
            progress(i + 1, len(cases))
    verbatim = getattr(assistant.composer, "name", "extractive") == "extractive"
    report = EvalReport(name=name, k=k, results=results, settings={
        "mode": mode or assistant.settings.retrieval_mode,
        "backend": getattr(assistant.composer, "name", "?"),
        "chunk_tokens": assistant.settings.chunk_tokens,
        "fusion": assistant.settings.fusion,
        "collection": snap.collection_name,
        "chunks": len(snap.chunks),
    })
    make_vec = getattr(assistant, "vectorizer", None)
    vec = make_vec() if callable(make_vec) else None  # sentence vectors for quality metrics
    report.metrics = aggregate(results, k, verbatim, vec)
    domains = sorted({r.case.domain for r in results if r.case.domain is not None})
    report.per_domain = {str(d): aggregate([r for r in results if r.case.domain == d], k,
                                           verbatim, vec) for d in domains}
    return report


# --- writing results ------------------------------------------------------------------------


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``: a crash,
    a kill or a full disk leaves the old file (or none), never half a report."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise AssistantError(f"cannot write {path} ({err.strerror or type(err).__name__}); "
                             "check the folder exists and is writable") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_output_path(path: Path) -> None:
    """Refuse an output path that cannot be written before any work is done: an eval run
    takes minutes, and its results must not end as a traceback at the last step."""
    parent = path.parent  # Path("out.json").parent is Path(".")
    if path.is_dir():
        raise AssistantError(f"{path} is a folder; give a file name for the output")
    if not parent.is_dir():
        raise AssistantError(f"{parent} does not exist; create the folder or choose another "
                             "output path")
    if not os.access(parent, os.W_OK):
        raise AssistantError(f"{parent} is not writable; choose another output path")


# --- the regression gate's baseline ---------------------------------------------------------

GATED_METRICS = ("hit@5", "keyword_recall", "lead_keyword_hit")


def save_baseline(report: EvalReport, path: Path, *, eval_file: str) -> None:
    data = {
        "eval_file": eval_file,
        "settings": report.settings,
        "k": report.k,
        "metrics": {m: report.metrics.get(m) for m in (*GATED_METRICS, "hit@1", "mrr@10",
                                                        "ndcg@10", "keyword_hit_rate",
                                                        "abstention_accuracy",
                                                        "false_abstention_rate",
                                                        "lead_keyword_hit", "redundant_pair_rate",
                                                        "off_topic_rate", "answer_words_mean")},
        "gate": {"metrics": list(GATED_METRICS), "max_drop": 0.03},
    }
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def gate_failures(metrics: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Metrics that dropped more than the allowed margin below the committed baseline."""
    out = []
    drop = float(baseline["gate"]["max_drop"])
    for name in baseline["gate"]["metrics"]:
        base = baseline["metrics"][name]
        now = metrics.get(name)
        if base is not None and (now is None or now < base - drop):
            out.append(f"{name} fell to {now} from the baseline {base} (allowed drop {drop})")
    return out


# --- tutor-approved answers as eval cases ---------------------------------------------------


def case_from_answer(case_id: str, answer: dict[str, Any], idf: Callable[[str], float]) -> dict[str, Any]:
    """Turn an approved answer (Answer.to_json()) into an eval-set line.

    Evidence: the two rarest words of the first cited quote that also occur in its passage;
    answer keywords: the rarest word of the answer that the quote contains. Rarest = highest
    idf over the index, so the terms pick out the passage rather than any passage.
    """
    abstained = bool(answer.get("abstained"))
    cits = answer.get("citations") or []
    out: dict[str, Any] = {"id": case_id, "question": answer.get("question", ""),
                           "domain": None, "section": None, "answerable": not abstained,
                           "evidence": [], "answer_keywords": []}
    if abstained or not cits:
        out["answerable"] = False
        return out
    first = cits[0]
    out["domain"] = first.get("domain")
    out["section"] = first.get("section")
    passage = (first.get("text") or "").lower()
    quote = (first.get("quote") or first.get("text") or "").lower()
    words = [w for w in re.findall(r"[a-z0-9][a-z0-9_\-]{2,}", quote) if w in passage]
    ranked = sorted(dict.fromkeys(words), key=lambda w: (-idf(_stem1(w)), w))
    out["evidence"] = ranked[:2]
    answer_words = set(re.findall(r"[a-z0-9][a-z0-9_\-]{2,}", (answer.get("answer") or "").lower()))
    kws = [w for w in ranked if w in answer_words]
    out["answer_keywords"] = kws[:1]
    return out


def _stem1(word: str) -> str:
    terms = content_terms(word)
    return terms[0] if terms else word
