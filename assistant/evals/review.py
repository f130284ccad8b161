"""Tutor review: reviewed answers as files (JSONL), and approved answers as eval cases
(``case_from_answer``: the one place that turns an answer into an eval-set line).

No Streamlit here: the tutor page offers these as downloads and the evals page runs the
approved cases, both from what is in the store at that moment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from assistant.answer.text import content_terms
from assistant.records import EvalCase

__all__ = ["reviewed_records", "reviewed_jsonl", "approved_cases", "approved_jsonl",
           "approved_eval_cases", "case_from_answer"]


def reviewed_records(store: Any) -> list[dict[str, Any]]:
    """Every answer with a verdict: question, answer, citations, passages and the latest
    verdict (a tutor may change their mind; earlier verdicts are listed too)."""
    latest = store.latest_verdicts()
    out = []
    for a in store.answers(limit=100_000):
        v = latest.get(a.message_id)
        if v is None:
            continue
        history = [x for x in store.verdicts(a.message_id)]
        out.append({
            "message_id": a.message_id,
            "user": a.user,
            "created": a.created,
            "question": a.question,
            "answer": a.answer,
            "verdict": {"correct": v.correct, "comment": v.comment, "reviewer": v.reviewer,
                        "approved": v.approved, "created": v.created},
            "earlier_verdicts": [{"correct": x.correct, "comment": x.comment,
                                  "reviewer": x.reviewer, "approved": x.approved,
                                  "created": x.created} for x in history if x.id != v.id],
        })
    out.sort(key=lambda r: r["message_id"])
    return out


def reviewed_jsonl(store: Any) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reviewed_records(store))


def approved_cases(store: Any, idf: Callable[[str], float]) -> list[dict[str, Any]]:
    """Eval-set lines (design contract) for answers whose latest verdict approves them."""

    latest = store.latest_verdicts()
    cases = []
    for mid, v in sorted(latest.items()):
        if not v.approved:
            continue
        stored = store.answer(mid)
        if stored is None:
            continue
        case = case_from_answer(f"tutor-{mid}", stored.answer, idf)
        if case["answerable"] and not case["evidence"]:
            continue  # nothing to check retrieval against: not a usable regression case
        if stored.answer.get("standalone_question"):
            # A follow-up only makes sense after the questions that came before it.
            case["history"] = [m["content"] for m in store.messages(stored.conversation_id)
                               if m["role"] == "user" and m["id"] < mid - 1]
        cases.append(case)
    return cases


def approved_jsonl(store: Any, idf: Callable[[str], float]) -> str:
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in approved_cases(store, idf))


def approved_eval_cases(store: Any, idf: Callable[[str], float]) -> list[EvalCase]:
    """The approved cases parsed like a JSONL eval set, ready for ``run_eval``."""
    out = []
    for c in approved_cases(store, idf):
        out.append(EvalCase.from_dict(c))
    return out


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
