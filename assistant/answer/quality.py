"""Answer-quality metrics that see what a reader sees (issue 14), as pure functions.

They read only the question, the answer text (sentences with ``[n]`` markers) and the eval
case's keywords, so they score any backend and any saved report the same way:

- ``lead_keyword_hit``: every answer keyword is in the first sentence (the lead);
- redundancy: pairs of answer sentences that repeat each other: their vectors (bundled
  model) have cosine >= 0.80 and 40% of the shorter one's content words are in the other, or
  80% of them are, or their word sets overlap by more than half. Two decision rules that
  recommend different things ("Choose A over B when ...", "Choose B when ...") contrast, so
  they never count as a repeat;
- off-topic: sentences that support no part of the question: a meta sentence ("Naming: ...",
  "Subsection 6.2 of the guide asks ...") when the question is not about names or the guide,
  or a sentence whose cosine with the question is below 0.30 and that does not continue the
  sentence before it (cosine >= 0.5 with it). Without vectors, the lexical fallback: no
  content word shared with the question and fewer than two with the previous sentence;
- length: words per answer, markers excluded.

Calibration (dev split only): the issue's TFX answer, four sentences that all say "pipelines
are written with the KFP or TFX SDK", has pairwise cosines 0.68-0.89; a "Naming:" sentence
under a churn-model question has cosine 0.15 with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.answer.base import MARKER
from assistant.answer.sentvec import unit_vector
from assistant.answer.text import content_terms, normalize_ws

__all__ = ["AnswerQuality", "answer_sentences", "lead_sentence", "lead_keyword_hit",
           "redundant_pairs", "off_topic_sentences", "answer_words", "assess", "aggregate_quality",
           "repeats",
           "REDUNDANT_JACCARD", "REDUNDANT_CONTAINMENT"]

Vectorizer = Callable[[str], "np.ndarray | None"]

REDUNDANT_COSINE = 0.80
REDUNDANT_COSINE_OVERLAP = 0.4  # ...together with this share of the shorter one's words
OFF_TOPIC_COSINE = 0.30
CONTINUES_COSINE = 0.50
REDUNDANT_JACCARD = 0.5
REDUNDANT_CONTAINMENT = 0.8
_LABEL = re.compile(r"\s*\((october 2024 guide|june 2026 revision)\)", re.I)
# The same splitting as the eval harness: the text before each run of citation markers.
_RUN = re.compile(r"((?:\s*(?<![\w`])\[\d{1,3}\])+)")


def answer_sentences(answer: str) -> list[str]:
    """The answer's cited sentences (markers and version labels removed), in order."""
    out: list[str] = []
    pos = 0
    text = _LABEL.sub("", answer)
    for m in _RUN.finditer(text):
        s = text[pos:m.start()].strip()
        if s:
            out.append(s)
        pos = m.end()
    tail = MARKER.sub("", text[pos:]).strip()
    if tail and not out:
        out.append(tail)
    return out


def lead_sentence(answer: str, lead: str | None = None) -> str:
    if lead:
        return MARKER.sub("", _LABEL.sub("", lead)).strip()
    sents = answer_sentences(answer)
    return sents[0] if sents else ""


def _norm(text: str) -> str:
    return normalize_ws(text.lower().replace("\u2011", "-").replace("\u2013", "-"))


def lead_keyword_hit(answer: str, keywords: Sequence[str], lead: str | None = None) -> bool:
    """All keywords (``a|b`` alternatives allowed) occur in the lead sentence."""
    first = _norm(lead_sentence(answer, lead))
    return all(any(alt.strip() and alt.strip() in first for alt in kw.split("|"))
               for kw in keywords)


def _terms(sentence: str) -> frozenset[str]:
    return frozenset(content_terms(sentence))


def _cos(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    return None if a is None or b is None else float(a @ b)


def repeats(a: str, b: str, va: np.ndarray | None = None, vb: np.ndarray | None = None,
            cosine: float = REDUNDANT_COSINE) -> bool:
    from assistant.answer.shape import contrasting

    if contrasting(a, b):
        return False
    ta, tb = _terms(a), _terms(b)
    if not ta or not tb:
        return False
    small, big = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    contained = len(small & big) / len(small)
    c = _cos(va, vb)
    if c is not None and c >= cosine and contained >= REDUNDANT_COSINE_OVERLAP:
        return True
    if len(ta & tb) / len(ta | tb) > REDUNDANT_JACCARD:
        return True
    return contained >= REDUNDANT_CONTAINMENT


def redundant_pairs(sentences: Sequence[str], vec: Vectorizer | None = None) -> tuple[int, int]:
    """(redundant pairs, all pairs) among an answer's sentences."""
    vs = [unit_vector(vec(s)) if vec else None for s in sentences]
    pairs = redundant = 0
    for i in range(len(sentences)):
        for j in range(i + 1, len(sentences)):
            pairs += 1
            redundant += repeats(sentences[i], sentences[j], vs[i], vs[j])
    return redundant, pairs


_META = re.compile(r"^(naming:|(sub)?section \d)|\basks candidates to\b|\bwhich exam guide names\b",
                   re.I)


def off_topic_sentences(question: str, sentences: Sequence[str],
                        vec: Vectorizer | None = None) -> int:
    from assistant.answer.shape import asks_about_guide, asks_about_names

    meta_ok = asks_about_names(question) or asks_about_guide(question)
    q = set(content_terms(question))
    qv = unit_vector(vec(question)) if vec else None
    off = 0
    prev: frozenset[str] = frozenset()
    prev_v: np.ndarray | None = None
    for s in sentences:
        t = _terms(s)
        v = unit_vector(vec(s)) if vec else None
        qs, ps = _cos(qv, v), _cos(prev_v, v)
        if _META.search(s) and not meta_ok:
            off += 1
        elif qs is not None:
            off += qs < OFF_TOPIC_COSINE and (ps is None or ps < CONTINUES_COSINE)
        elif not (t & q) and len(t & prev) < 2:
            off += 1
        prev, prev_v = t, v
    return off


def answer_words(answer: str) -> int:
    return len(MARKER.sub("", _LABEL.sub("", answer)).split())


@dataclass(frozen=True)
class AnswerQuality:
    sentences: int
    redundant_pairs: int
    pairs: int
    off_topic: int
    words: int
    lead_keyword_hit: bool | None  # None: the case has no keywords


def assess(question: str, answer: str, keywords: Sequence[str] = (),
           lead: str | None = None, vec: Vectorizer | None = None) -> AnswerQuality:
    sents = answer_sentences(answer)
    red, pairs = redundant_pairs(sents, vec)
    return AnswerQuality(
        sentences=len(sents), redundant_pairs=red, pairs=pairs,
        off_topic=off_topic_sentences(question, sents, vec), words=answer_words(answer),
        lead_keyword_hit=lead_keyword_hit(answer, keywords, lead) if keywords else None)


def aggregate_quality(items: Sequence[tuple[AnswerQuality | None, bool]]) -> dict[str, float | None]:
    """Metrics over answerable cases: (quality of the answer or None if abstained/errored,
    whether the case has keywords). An abstention on an answerable case with keywords counts
    as a lead miss, as it counts as a keyword miss in ``keyword_hit_rate``."""
    lead = [(q.lead_keyword_hit if q is not None else False) for q, has_kw in items if has_kw]
    answered = [q for q, _ in items if q is not None]
    pairs = sum(q.pairs for q in answered)
    sents = sum(q.sentences for q in answered)

    def r(x: float) -> float:
        return round(x, 4)

    return {
        "lead_keyword_hit": r(sum(bool(x) for x in lead) / len(lead)) if lead else None,
        "redundant_pair_rate": r(sum(q.redundant_pairs for q in answered) / pairs) if pairs else 0.0,
        "off_topic_rate": r(sum(q.off_topic for q in answered) / sents) if sents else None,
        "answer_words_mean": r(sum(q.words for q in answered) / len(answered)) if answered else None,
        "answer_sentences_mean": r(sents / len(answered)) if answered else None,
    }


def metrics_from_report(report: dict[str, Any],
                        vec: Vectorizer | None = None) -> dict[str, float | None]:
    """The same metrics computed from a saved ``assistant eval --json`` report (any version),
    e.g. to score a run made before these metrics existed."""
    items: list[tuple[AnswerQuality | None, bool]] = []
    cases = report.get("cases")
    for case in cases if isinstance(cases, list) else []:
        if not isinstance(case, dict) or not case.get("answerable"):
            continue
        kws = case.get("answer_keywords") or []
        answer = case.get("answer")
        q = None if not answer or case.get("abstained") else assess(
            str(case.get("question", "")), str(answer), kws, case.get("lead") or None, vec)
        items.append((q, bool(kws)))
    return aggregate_quality(items)


def model_vectorizer() -> Vectorizer:
    """Vectors from the bundled model (for scoring saved reports outside the harness)."""
    from functools import lru_cache

    from assistant.embed import SentenceTransformerEmbedder
    from assistant.settings import Settings

    s = Settings()
    emb = SentenceTransformerEmbedder(s.embedding_model, s.embedding_backend,
                                      onnx_cache=s.index_dir / "onnx")
    emb.warm_up()

    @lru_cache(maxsize=8192)
    def vec(text: str) -> np.ndarray | None:
        out: np.ndarray = np.asarray(emb.embed_documents([text])[0], dtype=np.float32)
        return out

    return vec


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    vectorize = model_vectorizer()
    for arg in sys.argv[1:]:
        data = json.loads(Path(arg).read_text(encoding="utf-8"))
        print(arg, json.dumps({**{k: data["metrics"].get(k) for k in (
            "hit@1", "hit@5", "mrr@10", "keyword_hit_rate", "abstention_accuracy",
            "false_abstention_rate", "citation_support")}, **metrics_from_report(data, vectorize)}))
