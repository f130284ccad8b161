"""The shipped corpus itself: parses, front matter valid against the syllabus, covers every
subsection of the current guide, sized by the exam weights, every source an https URL."""

from __future__ import annotations

import pytest

from assistant import syllabus
from assistant.corpus import read_corpus, validate, word_counts
from assistant.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"
FILES = read_corpus(CORPUS)


def test_corpus_is_not_empty() -> None:
    assert len(FILES) >= 20


@pytest.mark.parametrize("cf", FILES, ids=[str(f.path.relative_to(CORPUS)) for f in FILES])
def test_every_file_parses_with_valid_front_matter(cf) -> None:
    assert cf.problems == [], f"{cf.path}: {cf.problems}"


def test_file_names_carry_their_section() -> None:
    for f in FILES:
        assert f.path.name.startswith(f"{f.meta['section']}-"), f.path


def test_every_subsection_of_the_current_guide_has_a_file() -> None:
    covered = {(f.meta["domain"], f.meta["section"]) for f in FILES
               if f.meta.get("guide_version") == syllabus.CURRENT_VERSION}
    for sec in syllabus.current_guide().sections:
        for sub in sec.subsections:
            assert (sec.domain, sub.id) in covered, f"no corpus file for {sub.id} {sub.name}"


def test_general_material_is_present() -> None:
    """Certification facts, version changes, glossary and study plan (domain 0)."""
    general = {f.meta["section"] for f in FILES if f.meta["domain"] == 0}
    assert general == {"0.1", "0.2", "0.3", "0.4"}


def test_size_and_spread_by_weight() -> None:
    counts = word_counts(FILES)
    total = sum(sum(v.values()) for v in counts.values())
    assert total >= 30_000
    for sec in syllabus.current_guide().sections:
        words = sum(counts.get(sec.domain, {}).values())
        assert words >= 2_500, f"section {sec.domain} has only {words} words"


def test_no_official_passing_score_is_claimed() -> None:
    """The third-party '700' figure may be mentioned only as unofficial."""
    for f in FILES:
        text = f.path.read_text(encoding="utf-8").lower()
        for line in text.splitlines():
            if "700" in line and "passing" in line:
                assert any(w in line for w in ("not official", "unofficial", "rumour", "rumor",
                                               "third-party", "does not publish", "no passing",
                                               "not an official", "no official")), line


def test_validate_rejects_bad_front_matter() -> None:
    good = {"title": "t", "domain": 3, "section": "3.2", "guide_version": "2026-06",
            "sources": ["https://cloud.google.com/vertex-ai/docs"], "last_verified": "2026-11-23"}
    assert validate(good) == []
    assert validate({**good, "section": "3.9"})  # no such subsection
    assert validate({**good, "domain": 4})  # section 3.2 is not in domain 4
    assert validate({**good, "guide_version": "2019"})
    assert validate({**good, "sources": ["http://example.com"]})
    assert validate({**good, "sources": []})
    assert validate({k: v for k, v in good.items() if k != "title"})
    assert validate({**good, "section": "5.3", "domain": 5})  # 5.3 exists only in 2024-10
    assert validate({**good, "section": "5.3", "domain": 5, "guide_version": "2024-10"}) == []


def test_info_shows_every_current_subsection_with_chunks(corpus_settings) -> None:
    from assistant.index import Index

    info = Index(corpus_settings).info()
    for sub_id in syllabus.current_guide().subsection_ids():
        assert info["per_section"].get(sub_id, 0) > 0, sub_id
    assert info["files"] == len(FILES)
