"""The curated practice bank and flashcard deck: size, spread, honesty of the keys, and that every
rationale and card rests on a passage of the real index that states it."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant import syllabus
from assistant.index import Index
from assistant.study.bank import (
    BankItem,
    check_cards,
    check_items,
    key_is_longest,
    load_bank,
    load_deck,
    normalize,
)
from assistant.study.curated import bank_items, deck_cards
from assistant.study.practice import draw_practice, practice_pool, study_cards

BANK = load_bank()
DECK = load_deck()
CURRENT_SUBSECTIONS = [s.id for sec in syllabus.current_guide().sections for s in sec.subsections]


def test_bank_size_and_spread_follow_the_exam_weights() -> None:
    assert len(BANK) >= 420
    per_domain = Counter(it.domain for it in BANK)
    for d in range(1, 7):
        assert per_domain[d] >= 45, (d, per_domain[d])
    assert per_domain[0] > 0  # exam logistics
    per_section = Counter(it.section for it in BANK)
    for s in CURRENT_SUBSECTIONS:
        assert per_section[s] >= 12, (s, per_section[s])
    # Spread by weight: each domain's share within 5 points of its exam weight.
    exam = [it for it in BANK if it.domain >= 1]
    for sec in syllabus.current_guide().sections:
        share = per_domain[sec.domain] / len(exam)
        assert abs(share - sec.weight / 100) <= 0.05, (sec.domain, share, sec.weight)


def test_every_item_and_card_passes_the_checks() -> None:
    """Schema, 40-120-word stems, 4 options (5-6 for multiple select), one rationale per option,
    a cited heading that exists and states the rationale's key terms, no near-duplicate stems,
    verbatim card quotes, standalone fronts, no giveaway backs."""
    assert check_items(BANK) == []
    assert check_cards(DECK) == []


def test_multiple_select_items_are_at_least_a_tenth() -> None:
    multi = [it for it in BANK if it.multiple]
    assert len(multi) / len(BANK) >= 0.10
    assert all(len(it.options) in (5, 6) and len(it.keys) >= 2 for it in multi)


def test_the_key_is_rarely_the_longest_option() -> None:
    share = sum(map(key_is_longest, BANK)) / len(BANK)
    assert share <= 0.35, share


def test_keys_are_spread_evenly_over_the_letters() -> None:
    single = [it for it in BANK if not it.multiple]
    letters = Counter(it.key_letters for it in single)
    for letter in "ABCD":
        share = letters[letter] / len(single)
        assert 0.18 <= share <= 0.32, (letter, share, letters)


def test_items_carry_difficulty_subsection_and_version() -> None:
    assert {it.difficulty for it in BANK} <= {"easy", "medium", "hard"}
    assert len({it.difficulty for it in BANK}) == 3
    assert {it.guide_version for it in BANK} == {syllabus.CURRENT_VERSION}


def test_deck_size_and_coverage() -> None:
    assert len(DECK) >= 600
    per_section = Counter(c.section for c in DECK)
    for s in CURRENT_SUBSECTIONS:
        assert per_section[s] >= 15, (s, per_section[s])


@pytest.fixture(scope="module")
def snapshot(corpus_settings):
    return Index(corpus_settings).snapshot()


def _key_terms_in_chunk(item: BankItem, chunk_text: dict[str, str], resolved) -> None:
    for o, q in zip(item.options, resolved.options, strict=True):
        text = chunk_text[q.chunk_id]
        joined = normalize(text)
        missing = [t for t in o.cite.terms if normalize(t) not in joined]
        # A term the section states in its next chunk is allowed; the section check in
        # check_items proved the section states it. Most terms sit in the cited chunk itself.
        assert len(missing) < len(o.cite.terms), (item.id, o.cite, missing)


def test_every_cited_passage_is_in_the_index(snapshot) -> None:
    """Resolved against the real index of the shipped corpus: every item and every card keeps
    all its citations, each pointing at a chunk that holds the key terms (or the quote)."""
    items = bank_items(snapshot)
    assert [it.id for it in items] == [it.id for it in BANK]
    chunk_text = {c.id: c.text for c in snapshot.chunks}
    by_id = {it.id: it for it in items}
    for it in BANK:
        _key_terms_in_chunk(it, chunk_text, by_id[it.id])
    cards = deck_cards(snapshot)
    assert [c.id for c in cards] == [c.id for c in DECK]
    for c in cards:
        assert normalize(c.quote) in normalize(chunk_text[c.chunk_id]), c.id


def test_quiz_draws_from_the_bank_by_default(snapshot) -> None:
    drawn = draw_practice(snapshot, domain=4, count=8, seed=3)
    assert len(drawn) == 8 and all(it.kind == "bank" and it.domain == 4 for it in drawn)
    assert drawn == draw_practice(snapshot, domain=4, count=8, seed=3)  # seeded
    whole = draw_practice(snapshot, section="6.2", count=10_000)
    assert len(whole) == sum(it.section == "6.2" for it in BANK)  # larger count: the whole bank
    generated = practice_pool(snapshot, "generated")
    assert generated and all(it.kind != "bank" for it in generated)
    assert len(practice_pool(snapshot, "all")) == len(BANK) + len(generated)
    with pytest.raises(ValueError):
        practice_pool(snapshot, "nonsense")


def test_json_shape_of_bank_items(snapshot) -> None:
    it = next(i for i in bank_items(snapshot) if i.multiple)
    d = it.to_json()
    for key in ("id", "domain", "section", "stem", "multiple", "difficulty", "options"):
        assert key in d
    assert d["multiple"] is True and sum(o["correct"] for o in d["options"]) >= 2
    for o in d["options"]:
        assert set(o) >= {"text", "correct", "rationale", "chunk_id", "source", "section",
                          "heading"}


def test_the_deck_comes_first_and_generated_cards_do_not_repeat_it(snapshot) -> None:
    cards = study_cards(snapshot, section="4.1")
    curated = [c for c in cards if c.generator == "curated"]
    assert curated and cards[:len(curated)] == curated
    quotes = {c.quote.lower() for c in curated}
    assert not any(c.quote.lower() in quotes for c in cards[len(curated):])
