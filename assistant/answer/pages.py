"""The official page to check when the material does not cover a question.

Every corpus file lists the Google Cloud pages it was written from in its front matter
(``sources``). An abstention names, among the source pages of the closest retrieved passages,
the one whose address shares most of the question's distinctive words ("model-monitoring" for a
monitoring question). When none shares any, the closest passage is about something else (that
is why the answer declines), so its page would mislead: the Google Cloud documentation home is
named instead, or the certification page when the question is about the exam. Exam logistics
(fees, scheduling, retakes) always get the certification page, which alone states them
authoritatively.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from assistant.answer.shape import LOGISTICS_PAGE, is_logistics, mentions_exam
from assistant.answer.text import content_terms
from assistant.records import Passage

__all__ = ["official_page", "sources_of", "DOCS_HOME"]

DOCS_HOME = "https://cloud.google.com/docs"
# Address words every page shares, or that name the platform rather than the topic.
_GENERIC = frozenset(content_terms("https cloud google com docs doc vertex ai introduction overview "
                                   "reference standard sql guide concepts learn model models"))


@lru_cache(maxsize=512)
def sources_of(source: str) -> tuple[str, ...]:
    """The ``sources`` URLs in a corpus file's front matter (empty when unreadable)."""
    from assistant.index import resolve_display_path
    from assistant.ingest.loaders import split_front_matter

    try:
        path = resolve_display_path(source)
        if path.suffix.lower() not in (".md", ".markdown"):
            return ()
        text = path.read_text(encoding="utf-8")[:20_000]
        meta, _ = split_front_matter(path, text)
    except Exception:  # noqa: BLE001 - a missing or odd file only loses the link
        return ()
    raw = meta.get("sources") or []
    raw = raw if isinstance(raw, list) else [raw]
    return tuple(str(u) for u in raw if isinstance(u, str) and u.startswith("https://"))


def official_page(question: str, passages: Sequence[Passage]) -> str:
    if is_logistics(question) or not passages:
        return LOGISTICS_PAGE
    asked = set(content_terms(question)) - _GENERIC
    # A question about the exam itself that the logistics rule did not catch ("Can I take a
    # bathroom break during the PMLE exam?") is still best answered by the certification page.
    best, best_score = (LOGISTICS_PAGE if mentions_exam(question) else DOCS_HOME), 0
    for p in passages[:5]:
        for url in sources_of(p.chunk.source):
            words = set(content_terms(" ".join(re.split(r"[/\-_.#?=]+", url)))) - _GENERIC
            score = len(words & asked)
            if score > best_score:  # ties keep the closer passage's page
                best, best_score = url, score
    return best
