"""The official page to check when the material does not cover a question.

Every corpus file lists the Google Cloud pages it was written from in its front matter
(``sources``). An abstention names the first of those pages for the closest retrieved passage,
or the certification page for exam logistics (fees, scheduling, retakes), which change and are
stated authoritatively only there.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from assistant.answer.shape import LOGISTICS_PAGE, is_logistics
from assistant.records import Passage

__all__ = ["official_page", "sources_of"]


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
    for p in passages[:3]:
        urls = sources_of(p.chunk.source)
        if urls:
            return urls[0]
    return LOGISTICS_PAGE
