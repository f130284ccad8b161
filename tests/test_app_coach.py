"""Chat page with a pasted multiple-choice question (AppTest): the option table, cited passages
in expanders, and the save-to-practice-history button writing to the real SQLite store."""

from __future__ import annotations

from app_support import app_settings, errors, open_page  # noqa: F401
from test_coach import ROLLOUT, ROLLOUT_OPTIONS

from assistant.answer.options import pasted_form
from assistant.store import Store
from assistant.study.practice_history import PracticeHistory


def test_pasted_question_renders_option_table_and_saves_to_history(app_settings) -> None:
    at = open_page("chat")
    at.chat_input(key="chat_question").set_value(pasted_form(ROLLOUT, ROLLOUT_OPTIONS)).run()
    assert not errors(at)
    store = Store(app_settings.store_path)
    conv = store.conversations("default")[0]
    saved = store.messages(conv["id"])[-1]["answer"]
    assert saved["choice"] == ["B"] and len(saved["options"]) == 4

    shown = "\n".join(m.value for m in at.markdown)
    assert "| Option | Text | Verdict | Reason |" in shown
    for o in saved["options"]:
        assert f"| {o['label']} |" in shown
    assert "Recommended:" in shown or "Leaning to" in shown
    labels = [e.label for e in at.expander]
    for c in saved["citations"]:
        assert any(lbl.startswith(f"\\[{c['n']}\\]") for lbl in labels), labels

    button = next(b for b in at.button if b.label == "Save to practice history")
    button.click().run()
    assert not errors(at)
    items = PracticeHistory(store).items("default")
    assert len(items) == 1 and items[0]["choice"] == ["B"] and items[0]["stem"] == ROLLOUT
    assert any("Saved to your practice history" in m.value for m in at.success)
    # On the next run the page says it is saved instead of offering the button again.
    at.run()
    assert not [b for b in at.button if b.label == "Save to practice history"]
    assert any("Saved to your practice history" in c.value for c in at.caption)


def test_bad_paste_shows_one_line_error(app_settings) -> None:
    at = open_page("chat")
    at.chat_input(key="chat_question").set_value("A. BigQuery ML\nB. Dataflow").run()
    shown = errors(at)
    assert len(shown) == 1 and "no question above them" in shown[0] and "\n" not in shown[0]
    assert not at.exception
