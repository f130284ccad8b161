"""Flashcards, quiz and progress pages in AppTest, on the study tools and the real index."""

from __future__ import annotations

import csv
import io
import zipfile

from app_support import app_settings, errors, open_page  # noqa: F401

from assistant.store import Store
from assistant.study import StudyStore


def _study(s) -> StudyStore:
    return StudyStore(Store(s.store_path))


def _front(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("#### "))


def test_flashcard_flip_and_rating_is_saved(app_settings):
    at = open_page("flashcards", query={"user": "dana"})
    assert not errors(at)
    front = _front(at)
    assert not at.button(key="fc_flip").disabled
    # Rating buttons appear only after the card is flipped.
    assert not [b for b in at.button if b.key and b.key.startswith("fc_rate_")]
    at.button(key="fc_flip").click().run()
    shown = [m.value for m in at.markdown]
    assert any(v.startswith("**Answer:**") for v in shown)
    assert any(":orange-background[" in v for v in shown)  # the answer inside its quote

    at.button(key="fc_rate_3").click().run()
    assert not errors(at)
    reviews = _study(app_settings).reviews("dana")
    assert len(reviews) == 1 and reviews[0]["rating"] == 3
    assert any("Rated Good" in s.value for s in at.success)
    assert _front(at) != front  # the next card

    # Another profile has its own schedule: nothing reviewed there.
    assert _study(app_settings).reviews("erin") == []
    other = open_page("flashcards", query={"user": "erin"})
    assert _front(other) == front


def test_flashcards_domain_filter_and_exports(app_settings):
    from assistant.ui import resources
    from assistant.ui.flashcards import export_bytes

    at = open_page("flashcards", query={"user": "dana"})
    at.selectbox(key="fc_domain").set_value(4).run()
    assert not errors(at)
    at.button(key="fc_flip").click().run()
    at.button(key="fc_rate_1").click().run()
    reviewed = _study(app_settings).reviews("dana")[0]["card_id"]
    card = _study(app_settings).card(reviewed)
    assert card is not None and card.domain == 4
    labels = {d.label for d in at.get("download_button")}
    assert labels == {"Anki deck (.apkg)", "CSV"}

    deck = [c for c in resources.study_cards(app_settings) if c.domain == 4]
    rows = list(csv.DictReader(io.StringIO(export_bytes(deck, "csv").decode("utf-8"))))
    assert len(rows) == len(deck) and {r["domain"] for r in rows} == {"4"}
    with zipfile.ZipFile(io.BytesIO(export_bytes(deck[:20], "apkg"))) as z:
        assert any(n.startswith("collection.anki2") for n in z.namelist())


def test_quiz_score_and_rationales(app_settings):
    at = open_page("quiz", query={"user": "dana"})
    at.selectbox(key="quiz_scope_pick").set_value(3).run()
    at.number_input(key="quiz_count").set_value(4).run()
    at.button(key="quiz_new").click().run()
    assert not errors(at)
    items = at.session_state["quiz_items"]
    assert len(items) == 4 and all(it["kind"] == "bank" for it in items)  # the bank by default
    # Answer the first three: a single-answer item by its radio, a multiple-select item by
    # ticking its first option.
    for n, it in enumerate(items[:3], start=1):
        if it["multiple"]:
            next(c for c in at.checkbox if c.key.endswith(f"_{n}_0")).check()
        else:
            next(r for r in at.radio if r.key.endswith(f"_{n}")).set_value(0)
    at.button[-1].click().run()  # "Submit answers"
    assert not errors(at)
    score = next(h.value for h in at.subheader if h.value.startswith("Score:"))
    answers = Store(app_settings.store_path).query(
        "SELECT domain, correct FROM quiz_answers WHERE user = 'dana'")
    assert len(answers) == 3 and {a["domain"] for a in answers} == {3}
    assert score == f"Score: {sum(a['correct'] for a in answers)} of 4"
    # Every option of every question has its cited rationale.
    whys = [e for e in at.expander if e.label.startswith("Why\\:")]
    assert len(whys) >= 4 * 3
    assert all(e.caption and "corpus" in e.caption[0].value for e in whys)


def test_weighted_quiz_spreads_over_domains(app_settings):
    at = open_page("quiz", query={"user": "dana"})
    at.number_input(key="quiz_count").set_value(12).run()
    at.button(key="quiz_new").click().run()
    items = at.session_state["quiz_items"]
    assert len(items) == 12
    assert len({it["domain"] for it in items}) >= 4


def test_progress_shows_mastery_and_study_next(app_settings):
    at = open_page("flashcards", query={"user": "fay"})
    for _ in range(2):
        at.button(key="fc_flip").click().run()
        at.button(key="fc_rate_4").click().run()
    at = open_page("progress", query={"user": "fay"})
    assert not errors(at)
    assert any(s.value.startswith("**Study next:**") for s in at.success)
    assert at.get("vega_lite_chart")
    table = at.dataframe[0].value
    assert set(table.columns) >= {"domain", "weight %", "mastery %", "cards learned"}
    seen = table["seen"].sum()
    assert seen == 2


def test_inbox_accept_suspend_and_own_cards_are_saved(app_settings):
    at = open_page("flashcards", query={"user": "gil"})
    at.selectbox(key="fc_domain").set_value(5).run()
    assert not errors(at)
    waiting = _study(app_settings).inbox("gil", domain=5, limit=10)
    assert waiting and all(c.generator != "curated" for c in waiting)
    next(b for b in at.button if b.label == "Accept").click().run()
    assert not errors(at)
    next(b for b in at.button if b.label == "Suspend").click().run()
    study = _study(app_settings)
    left = {c.id for c in study.inbox("gil", domain=5, limit=500)}
    assert waiting[0].id not in left and waiting[1].id not in left
    choices = {r["card_id"]: r["status"] for r in Store(app_settings.store_path).query(
        "SELECT card_id, status FROM card_choices WHERE user = 'gil'")}
    assert choices == {waiting[0].id: "accepted", waiting[1].id: "suspended"}
    at.text_input(key="fc_own_front").input("Which BigQuery ML option turns on tuning?")
    at.text_area(key="fc_own_answer").input("NUM_TRIALS")
    next(b for b in at.button if b.label == "Save card").click().run()
    assert not errors(at)
    own = _study(app_settings).own_cards("gil")
    assert [c.front for c in own] == ["Which BigQuery ML option turns on tuning?"]
    assert own[0].domain == 5
