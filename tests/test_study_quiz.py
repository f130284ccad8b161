"""Quiz items: one correct option among four distinct ones from one family, every rationale a
verbatim sentence of the passage it cites, distractors only where the corpus says what they are
for; seeded and weighted draws."""

from __future__ import annotations

import pytest
from test_study_support import make_chunk, make_snapshot

from assistant import syllabus
from assistant.index import Index
from assistant.study import quiz as quiz_mod
from assistant.study.families import families, option_label
from assistant.study.quiz import allocate, draw_quiz, quiz_pool

ORCHESTRATION = [
    "Choose Vertex AI Pipelines when the workflow is an ML lifecycle of validation, training, "
    "evaluation and deployment with lineage.",
    "Choose Cloud Composer when the workflow is general orchestration across many services such "
    "as nightly ETL jobs and external API calls.",
    "Choose self-managed Kubeflow Pipelines when the same pipeline platform must run on premises "
    "or in another cloud on an existing Kubernetes estate.",
    "Choose Cloud Build when the exam asks how to rebuild and redeploy pipeline components "
    "automatically after a code change.",
]


def _check_item(it: quiz_mod.QuizItem, chunks: dict[str, str]) -> None:
    texts = [o.text.lower() for o in it.options]
    assert len(it.options) == 4 and len(set(texts)) == 4, it
    assert sum(o.correct for o in it.options) == 1
    assert it.options[it.answer_index].correct
    for o in it.options:
        assert o.rationale and o.rationale in chunks[o.chunk_id], o  # cites a real passage
    fam = next(f for f in families() if f.key == it.family)
    label_of = {option_label(m): m for m in fam.members}
    for o in it.options:
        m = label_of[o.text]  # every option is a member of the item's family
        assert m.mentioned_in(o.rationale), o  # and its rationale talks about it
        assert not m.mentioned_in(it.stem), (o.text, it.stem)  # the stem names no option
    assert it.chunk_id == it.correct.chunk_id


def test_items_from_a_small_family_corpus() -> None:
    chunks = [make_chunk(t, ordinal=i) for i, t in enumerate(ORCHESTRATION)]
    pool = quiz_pool(make_snapshot(chunks))
    assert len(pool) == 4  # each rule becomes a question; the other three are its distractors
    texts = {c.id: c.text for c in chunks}
    for it in pool:
        _check_item(it, texts)
        assert it.family == "orchestration" and it.kind == "choose"
        assert it.stem.endswith("?") and "when" in it.stem


def test_a_distractor_needs_a_passage_that_says_what_it_is_for() -> None:
    # Without the Cloud Build sentence only two distractors have support: no question can be
    # built, because a fourth option would have no cited rationale.
    chunks = [make_chunk(t, ordinal=i) for i, t in enumerate(ORCHESTRATION[:3])]
    assert quiz_pool(make_snapshot(chunks, generation="g000002")) == []
    # A sentence that merely mentions Jenkins says nothing about what Jenkins is for.
    extra = make_chunk("Many teams also run Jenkins next to their data warehouse.", ordinal=9)
    assert quiz_pool(make_snapshot([*chunks, extra], generation="g000003")) == []


def test_the_correct_sentence_never_offers_a_recommended_product_as_wrong() -> None:
    rules = [*ORCHESTRATION,
             "Choose MLflow when the requirement is to keep an open-source tracking tool across "
             "several environments.",
             # Recommends Pipelines *and* Cloud Build together: Cloud Build cannot be a
             # distractor of this question.
             "Choose Vertex AI Pipelines with Cloud Build when every commit must be tested and "
             "the compiled pipeline redeployed."]
    chunks = [make_chunk(t, ordinal=i) for i, t in enumerate(rules)]
    pool = quiz_pool(make_snapshot(chunks, generation="g000004"))
    item = next(it for it in pool if "every commit" in it.stem)
    assert "Cloud Build" not in {o.text for o in item.options}


def test_option_order_and_ids_are_stable() -> None:
    chunks = [make_chunk(t, ordinal=i) for i, t in enumerate(ORCHESTRATION)]
    a = quiz_pool(make_snapshot(chunks, generation="g000005"))
    b = quiz_pool(make_snapshot(list(reversed(chunks)), generation="g000006"))
    assert [(it.id, [o.text for o in it.options]) for it in a] == \
        [(it.id, [o.text for o in it.options]) for it in b]


def test_allocate_follows_weights() -> None:
    weights = {s.domain: float(s.weight) for s in syllabus.current_guide().sections}
    plan = allocate(10, weights)
    assert sum(plan.values()) == 10
    assert plan[3] >= plan[1] and plan[4] >= plan[6]
    big = allocate(101, weights)
    assert big == {d: int(w) for d, w in weights.items()}  # the June 2026 weights sum to 101
    assert allocate(0, weights) == {d: 0 for d in weights}


# --- the shipped corpus --------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_snapshot(corpus_settings):  # noqa: ANN001, ANN201
    return Index(corpus_settings).snapshot()


def test_every_corpus_item_is_well_formed_and_cited(corpus_snapshot) -> None:
    pool = quiz_pool(corpus_snapshot)
    assert pool
    texts = {c.id: c.text for c in corpus_snapshot.chunks}
    for it in pool:
        _check_item(it, texts)
    assert len({it.id for it in pool}) == len(pool)


def test_draws_are_seeded_scoped_and_weighted(corpus_snapshot) -> None:
    snap = corpus_snapshot
    a = draw_quiz(snap, count=10, seed=7)
    assert [it.id for it in a] == [it.id for it in draw_quiz(snap, count=10, seed=7)]
    assert len(a) == 10 and len({it.id for it in a}) == 10
    assert {it.domain for it in draw_quiz(snap, domain=4, count=5, seed=1)} == {4}
    assert {it.section for it in draw_quiz(snap, section="6.2", count=3, seed=1)} == {"6.2"}
    weighted = draw_quiz(snap, count=20, seed=3, weighted=True)
    assert len(weighted) == 20 and len({it.id for it in weighted}) == 20
    plan = allocate(20, {s.domain: float(s.weight) for s in syllabus.current_guide().sections})
    got = {d: sum(it.domain == d for it in weighted) for d in plan}
    assert got == plan  # every domain has enough items to get its full share
