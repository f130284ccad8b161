"""The multiple-choice eval set (evals/pmle_mcq.jsonl) stays honest: enough items, keys spread
over the letters, the key rarely the longest option, and no item copied from the practice bank
(the coach must not be graded on questions whose keys sit in corpus/practice)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.evals.mcq import load_mcq_set
from assistant.settings import PROJECT_ROOT
from assistant.study.bank import NEAR_DUPLICATE, content_words, jaccard, load_bank

SET = PROJECT_ROOT / "evals" / "pmle_mcq.jsonl"


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _keys(item: dict) -> list[str]:
    a = item["answer"]
    return [a] if isinstance(a, str) else list(a)


def test_the_set_loads_and_has_its_shape(items: list[dict]) -> None:
    cases, skipped = load_mcq_set(Path(SET))
    assert skipped == 0 and len(cases) == len(items) >= 150
    assert {i["split"] for i in items} == {"dev", "test"}
    multi = sum(1 for i in items if len(_keys(i)) > 1)
    assert multi / len(items) >= 0.15
    assert sum(1 for i in items if i.get("answerable") is False and not _keys(i)) == 10
    assert all(40 <= len(i["question"].split()) <= 100 for i in items)


def test_keyed_option_is_rarely_the_longest(items: list[dict]) -> None:
    keyed = [i for i in items if _keys(i)]
    longest = 0
    for i in keyed:
        top = max(len(o) for o in i["options"])
        longest += any(len(i["options"][ord(k) - 65]) == top for k in _keys(i))
    assert longest / len(keyed) <= 0.35


def test_keys_are_spread_evenly_over_the_letters(items: list[dict]) -> None:
    single = Counter(_keys(i)[0] for i in items if len(_keys(i)) == 1)
    expected = sum(single.values()) / 4
    assert set(single) == set("ABCD")
    assert all(abs(n - expected) <= 0.2 * expected for n in single.values()), single
    all_keys = Counter(k for i in items for k in _keys(i) if k in "ABCD")
    expected = sum(all_keys.values()) / 4
    assert all(abs(n - expected) <= 0.2 * expected for n in all_keys.values()), all_keys


def test_no_item_near_duplicates_a_practice_bank_stem(items: list[dict]) -> None:
    bank = [(b.id, content_words(b.stem)) for b in load_bank()]
    assert bank, "the practice bank did not load"
    close = []
    for i in items:
        words = content_words(i["question"])
        for bid, stem in bank:
            if jaccard(words, stem) >= NEAR_DUPLICATE:
                close.append((i["id"], bid))
    assert not close, f"eval items that near-duplicate bank stems: {close}"
