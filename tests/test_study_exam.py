"""Mock exams: forms by the exam weights, attempts in the store (answers, marks, deadline,
auto-submit, restart), scoring per domain, the readiness estimate, and `assistant exam`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant import syllabus
from assistant.settings import get_settings
from assistant.store import Store
from assistant.study.curated import bank_items
from assistant.study.exam import EXAM_MINUTES, ExamStore, draw_form, readiness, score
from assistant.study.quiz import QuizItem, QuizOption, allocate
from assistant.study.srs import StudyError

WEIGHTS = {s.domain: float(s.weight) for s in syllabus.current_guide().sections}


def _item(i: int, domain: int, *, section: str | None = None, multiple: bool = False,
          difficulty: str = "medium") -> QuizItem:
    opts = tuple(QuizOption(f"option {j}", j == 0 or (multiple and j == 1), f"why {j}",
                            f"c{j}", "corpus/x.md", section, "H") for j in range(4 + multiple))
    return QuizItem(id=f"d{domain}-{i:03d}", domain=domain, section=section or f"{domain}.1",
                    family="bank", stem=f"stem {domain} {i}", options=opts, answer_index=0,
                    chunk_id="c0", source="corpus/x.md", kind="bank", multiple=multiple,
                    difficulty=difficulty)


def _full_bank(per_domain: int = 30) -> list[QuizItem]:
    return [_item(i, d, section=f"{d}.{1 + i % 2}", multiple=i % 7 == 0)
            for d in WEIGHTS for i in range(per_domain)]


@pytest.fixture(scope="module")
def bank(corpus_settings) -> list[QuizItem]:  # noqa: ANN001
    from assistant.index import Index

    return bank_items(Index(corpus_settings).snapshot(), corpus_settings.practice_dir)


def test_form_follows_the_weights_without_repeats_and_is_seeded() -> None:
    pool = _full_bank()
    for size in (50, 55, 60):
        form = draw_form(pool, seed=11, size=size)
        assert len(form.items) == size and not form.short and form.minutes == EXAM_MINUTES
        ids = [it.id for it in form.items]
        assert len(set(ids)) == len(ids)
        got = Counter(it.domain for it in form.items)
        for d, w in WEIGHTS.items():
            assert abs(got[d] - size * w / sum(WEIGHTS.values())) <= 2, (size, d, got)
    a, b = draw_form(pool, seed=3), draw_form(list(reversed(pool)), seed=3)
    assert [it.id for it in a.items] == [it.id for it in b.items]  # same seed, same form
    assert [it.id for it in draw_form(pool, seed=4).items] != [it.id for it in a.items]
    # Within a domain, the subsections take turns.
    d3 = Counter(it.section for it in a.items if it.domain == 3)
    assert abs(d3["3.1"] - d3["3.2"]) <= 1


def test_form_avoids_seen_items_while_the_bank_allows() -> None:
    pool = _full_bank(per_domain=20)
    first = draw_form(pool, seed=1)
    second = draw_form(pool, seed=2, seen={it.id for it in first.items})
    overlap = {it.id for it in first.items} & {it.id for it in second.items}
    # Each domain has 20 items; a domain whose share exceeds what is left unseen repeats only
    # the difference.
    shares = allocate(60, WEIGHTS)
    assert len(overlap) == sum(max(0, 2 * n - 20) for n in shares.values())
    assert second.repeats == len(overlap)


def test_a_small_bank_gives_a_shorter_form_that_says_so() -> None:
    pool = [it for it in _full_bank() if it.domain != 4] \
        + [it for it in _full_bank(per_domain=5) if it.domain == 4]
    form = draw_form(pool, seed=5)
    shares = allocate(60, WEIGHTS)
    assert form.short and len(form.items) == 60 - shares[4] + 5
    assert form.minutes == -(-EXAM_MINUTES * len(form.items) // 60)  # the same pace
    assert "too small for a full form" in form.shortfall()
    assert f"domain 4 has 5 of {shares[4]}" in form.shortfall()
    with pytest.raises(StudyError, match="50-60 items"):
        draw_form(pool, seed=1, size=70)


def test_real_bank_form(bank) -> None:  # noqa: ANN001
    form = draw_form(bank, seed=2026)
    ids = [it.id for it in form.items]
    assert len(set(ids)) == len(ids) and all(it.kind == "bank" for it in form.items)
    shares = allocate(60, WEIGHTS)
    have = Counter(it.domain for it in bank)
    for d, n in Counter(it.domain for it in form.items).items():
        assert n == min(shares[d], have[d])
    assert form.short == (len(ids) < 60)


def test_attempt_answers_marks_survive_a_restart_and_time_up_submits(
        store_target: Path | str) -> None:
    db = store_target
    ex = ExamStore(Store(db))
    pool = _full_bank()
    t0 = 1_900_000_000.0
    a = ex.start("kim", pool, seed=9, now=t0)
    assert a.deadline == t0 + EXAM_MINUTES * 60 and len(a.items) == 60
    assert ex.start("kim", pool, seed=1, now=t0 + 5).id == a.id  # one attempt at a time
    multi = next(i for i, it in enumerate(a.items) if it.multiple)
    single = next(i for i, it in enumerate(a.items) if not it.multiple)
    ex.answer(a.id, single, [a.items[single].keys[0]], now=t0 + 10)
    ex.answer(a.id, multi, list(a.items[multi].keys), now=t0 + 20)
    ex.mark(a.id, multi, True, now=t0 + 21)
    with pytest.raises(StudyError, match="one answer"):
        ex.answer(a.id, single, [0, 1], now=t0 + 22)
    with pytest.raises(StudyError, match="options 1-"):
        ex.answer(a.id, single, [9], now=t0 + 22)
    with pytest.raises(StudyError, match="not in this exam"):
        ex.mark(a.id, 99, True, now=t0 + 22)

    # "Restart": a new store object (new connection), as after an app restart.
    again = ExamStore(Store(db)).get(a.id, now=t0 + 60)
    assert again is not None and not again.done
    assert again.answers[single] == a.items[single].keys
    assert again.answers[multi] == a.items[multi].keys and again.marked[multi]
    assert again.status(multi) == "marked" and again.status(single) == "answered"
    assert again.remaining(now=t0 + 60) == pytest.approx(EXAM_MINUTES * 60 - 60)

    # Time is up: the next read submits it, at the deadline, and answers are refused.
    with pytest.raises(StudyError, match="time is up"):
        ex.answer(a.id, 0, [0], now=a.deadline + 1)
    done = ex.get(a.id, now=a.deadline + 2)
    assert done.done and done.auto and done.submitted == a.deadline
    r = done.report()
    assert r.correct == 2 and r.answered == 2 and r.items == 60
    assert ex.current("kim", now=a.deadline + 3) is None
    # Answered items joined the quiz log (progress and the plan read weakness there).
    assert tuple(Store(db).query('SELECT COUNT(*), SUM(correct) FROM quiz_answers WHERE '
                                 '"user" = ?', ("kim",))[0]) == (2, 2)
    assert ex.submit(a.id).submitted == a.deadline  # idempotent


def test_scoring_per_domain_against_the_weights() -> None:
    items = [_item(0, 3), _item(1, 3), _item(0, 6), _item(1, 6, multiple=True)]
    r = score(items, [[0], [1], None, [0]])  # right, wrong, blank, half a multiple = wrong
    assert (r.correct, r.items, r.answered) == (1, 4, 3)
    d = {x.domain: x for x in r.domains}
    assert d[3].score == 0.5 and d[6].score == 0.0 and d[1].score is None
    assert r.weighted == pytest.approx((21 * 0.5 + 13 * 0.0) / 34)
    assert score([_item(1, 6, multiple=True)], [[1, 0]]).correct == 1


def test_readiness_estimate_and_interval() -> None:
    assert readiness([], attempts=0) is None
    easy = [(_item(i, 3, difficulty="hard"), True) for i in range(30)]
    good = readiness(easy, attempts=1, target=0.7)
    assert good is not None and good.low <= good.expected <= good.high
    assert good.expected > 0.8 and "at or above your target" in good.verdict
    mixed = [(_item(i, 3), i % 2 == 0) for i in range(20)]
    r20 = readiness(mixed, attempts=1, target=0.9)
    r200 = readiness(mixed * 10, attempts=3, target=0.9)
    assert r20 and r200
    assert abs(r20.expected - 0.5) < 0.1 and "below your target" in r200.verdict
    assert (r200.high - r200.low) < (r20.high - r20.low)  # more answers, narrower interval
    assert r20.to_json()["method"].startswith("Method:")
    assert readiness(mixed, attempts=1).verdict.startswith("Set a target")


def test_target_is_checked_and_stored(store_target: Path | str) -> None:
    ex = ExamStore(Store(store_target))
    with pytest.raises(StudyError, match="between 1% and 100%"):
        ex.set_target("kim", 0.0)
    ex.set_target("kim", 0.75)
    assert ex.target("kim") == 0.75 and ex.target("lee") is None




def test_cli_exam_json_is_the_seeded_form_in_the_quiz_shape(run, capsys) -> None:  # noqa: ANN001
    code, out, _ = run("exam", "--json", "--seed", "5")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"minutes", "items"}
    assert data["minutes"] == (120 if not data["short"] else data["minutes"])
    assert 40 <= len(data["items"]) <= 60
    item = data["items"][0]
    assert set(item) >= {"id", "domain", "section", "stem", "multiple", "difficulty", "options"}
    assert set(item["options"][0]) >= {"text", "correct", "rationale", "chunk_id", "source",
                                       "section", "heading"}
    assert json.loads(run("exam", "--json", "--seed", "5")[1]) == data
    assert json.loads(run("exam", "--json", "--seed", "6")[1])["items"] != data["items"]
    with pytest.raises(SystemExit) as exit_:
        run("exam", "--json", "--items", "70")
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and "--items must be 50-60" in err


def test_cli_exam_in_the_terminal(run) -> None:  # noqa: ANN001
    # Answer question 1 with A, mark question 2, stop; then continue and submit.
    code, out, _ = run("exam", "--user", "tess", "--seed", "1", stdin="A\nm\nq\n")
    assert code == 0 and "Question 1 of" in out and "exam stays open" in out
    ex = ExamStore(Store(get_settings().store_path))
    a = ex.current("tess")
    assert a is not None and a.answers[0] == (0,) and a.marked[1]
    code, out, _ = run("exam", "--user", "tess", stdin="l\ns\ny\n")
    assert code == 0 and "Continuing your mock exam" in out and "Score: " in out
    assert "1x" in out and "2?" in out  # the grid: answered, marked
    assert ex.current("tess") is None and len(ex.history("tess")) == 1
    code, out, _ = run("exam", "--user", "tess", "--history", "--target", "70")
    assert code == 0 and "readiness: expected" in out and "target of 70%" in out
