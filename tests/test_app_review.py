"""Tutor review and evals pages in AppTest: verdicts saved at once, approved answers become
eval cases, eval runs are saved with their metrics and failures."""

from __future__ import annotations

import json

from app_support import app_settings, errors, open_page  # noqa: F401

from assistant.evals.review import approved_cases, reviewed_records
from assistant.store import Store

QUESTIONS = ["What is training-serving skew?", "When should I use a TPU instead of a GPU?"]


def _ask_all(questions: list[str], user: str = "default") -> None:
    at = open_page("chat", query={"user": user})
    for q in questions:
        at.chat_input(key="chat_question").set_value(q).run()
        assert not errors(at)


def test_tutor_verdict_is_saved(app_settings):
    _ask_all(QUESTIONS, user="carol")
    store = Store(app_settings.store_path)
    answers = store.answers()
    assert len(answers) == 2

    at = open_page("tutor", query={"user": "tina"})
    assert not errors(at)
    # Unreviewed answers are listed; pick the first question's answer.
    target = next(a for a in answers if a.question == QUESTIONS[0])
    at.selectbox(key="tutor_pick").set_value(target.message_id).run()
    # The page shows the question, the answer's citations and all retrieved passages.
    assert any("training\\-serving skew" in m.value for m in at.markdown)
    labels = [e.label for e in at.expander]
    assert any(lbl.startswith("\\[1\\]") for lbl in labels)
    assert any(lbl.startswith("All 5 retrieved passages") for lbl in labels)

    at.radio(key=f"tutor_correct_{target.message_id}").set_value("Incorrect")
    at.text_area(key=f"tutor_comment_{target.message_id}").set_value("cites the wrong section")
    at.button[0].click().run()
    assert not errors(at)
    verdicts = store.verdicts(target.message_id)
    assert len(verdicts) == 1
    v = verdicts[0]
    assert (v.correct, v.comment, v.reviewer, v.approved) == \
        (False, "cites the wrong section", "tina", False)
    assert any("saved" in s.value for s in at.success)

    # The tutor changes their mind: correct, and approved as an eval case.
    at.selectbox(key="tutor_status").set_value("All").run()
    at.selectbox(key="tutor_pick").set_value(target.message_id).run()
    at.radio(key=f"tutor_correct_{target.message_id}").set_value("Correct")
    at.checkbox(key=f"tutor_approve_{target.message_id}").check()
    at.button[0].click().run()
    latest = store.latest_verdicts()[target.message_id]
    assert latest.correct and latest.approved
    assert len(store.verdicts(target.message_id)) == 2  # the history is kept

    # An incorrect answer cannot be approved.
    other = next(a for a in answers if a.question == QUESTIONS[1])
    at.selectbox(key="tutor_pick").set_value(other.message_id).run()
    at.radio(key=f"tutor_correct_{other.message_id}").set_value("Incorrect")
    at.checkbox(key=f"tutor_approve_{other.message_id}").check()
    at.button[0].click().run()
    assert store.verdicts(other.message_id) == []
    assert any("Only a correct answer" in e.value for e in at.error)


def test_reviewed_exports_and_approved_cases(app_settings):
    from assistant.ui import resources

    _ask_all(QUESTIONS)
    store = Store(app_settings.store_path)
    first, second = sorted(store.answers(), key=lambda a: a.message_id)
    store.add_verdict(first.message_id, "tina", True, "good", approved=True)
    store.add_verdict(second.message_id, "tina", False, "misses the point")

    records = reviewed_records(store)
    assert [r["message_id"] for r in records] == [first.message_id, second.message_id]
    assert records[0]["answer"]["citations"] and records[0]["verdict"]["approved"]
    assert records[1]["verdict"] == {**records[1]["verdict"], "correct": False,
                                     "comment": "misses the point"}

    idf = resources.retriever(app_settings).index.snapshot().idf
    cases = approved_cases(store, idf)
    assert len(cases) == 1
    case = cases[0]
    assert case["id"] == f"tutor-{first.message_id}" and case["question"] == QUESTIONS[0]
    assert case["answerable"] and case["evidence"]
    # The evidence terms really occur in the cited passage (the case can pass).
    cited = first.answer["citations"][0]["text"].lower()
    assert all(any(alt in cited for alt in t.split("|")) for t in case["evidence"])

    at = open_page("tutor")
    downloads = {d.label: d for d in at.get("download_button")}
    assert "Reviewed answers (JSONL)" in downloads


def test_eval_run_shows_metrics_failures_and_is_saved(app_settings):
    at = open_page("evals")
    assert not errors(at)
    assert "pmle.jsonl (shipped)" in at.selectbox(key="evals_set").options
    at.selectbox(key="evals_set").set_value(str(app_settings.evals_dir / "pmle.jsonl"))
    at.number_input(key="evals_limit").set_value(12)
    at.button(key="evals_run").click().run(timeout=300)
    assert not errors(at)
    runs = sorted((app_settings.data_dir / "eval-runs").iterdir())
    assert len(runs) == 1
    data = json.loads((runs[0] / "report.json").read_text())
    assert data["metrics"]["cases"] == 12
    assert (runs[0] / "report.md").is_file()
    # The metrics table, the per-domain chart and the failed-cases table are on the page.
    tables = at.dataframe
    assert tables and "metric" in tables[0].value.columns
    assert set(tables[0].value["metric"]) >= {"hit@1", "hit@5", "mrr@10"}
    assert at.get("vega_lite_chart"), "no per-domain chart"
    failed = [c for c in data["cases"] if c["failure"]]
    assert any(f"Failed cases ({len(failed)})" in m.value for m in at.markdown)


def test_multiple_choice_set_runs_the_coach_and_is_saved(app_settings):
    # evals/pmle_mcq.jsonl has options and keys instead of evidence: the page runs the coach
    # on it (it used to stop with a one-line "missing fields" error).
    at = open_page("evals")
    at.selectbox(key="evals_set").set_value(str(app_settings.evals_dir / "pmle_mcq.jsonl"))
    at.number_input(key="evals_limit").set_value(4)
    at.button(key="evals_run").click().run(timeout=300)
    assert not errors(at)
    runs = sorted((app_settings.data_dir / "eval-runs").iterdir())
    assert len(runs) == 1
    data = json.loads((runs[0] / "report.json").read_text())
    assert data["kind"] == "mcq" and data["metrics"]["cases"] == 4 and len(data["cases"]) == 4
    assert all(c["options"] for c in data["cases"])
    metrics = at.dataframe[0].value
    assert "mcq_accuracy" in set(metrics["metric"])
    wrong = sum(not c["correct"] for c in data["cases"])
    assert any(f"Items not answered correctly ({wrong})" in m.value for m in at.markdown)
    assert "Multiple-choice eval" in (runs[0] / "report.md").read_text()


def test_eval_upload_runs_and_bad_file_is_one_line(app_settings):
    at = open_page("evals")
    at.selectbox(key="evals_set").set_value("Upload a JSONL file").run()
    # An invalid set: one line naming the file, the line and the problem; nothing kept.
    at.file_uploader(key="evals_upload").set_value(
        ("../mine.jsonl", b'{"id": "a", "question": "q"}\n', "application/jsonl")).run()
    at.button(key="evals_run").click().run()
    errs = [e.value for e in at.error]
    assert len(errs) == 1 and "mine\\.jsonl\\:\u20601" in errs[0] and "missing fields" in errs[0]
    assert not at.exception
    assert not list((app_settings.data_dir / "eval-sets").glob("*.jsonl"))

    good = b"\n".join(json.dumps(c).encode() for c in [
        {"id": "u1", "question": "What is training-serving skew?", "domain": 6,
         "section": "6.2", "answerable": True, "evidence": ["skew"],
         "answer_keywords": ["skew"]},
        {"id": "u2", "question": "How do I bake rye sourdough bread?", "domain": None,
         "section": None, "answerable": False, "evidence": [], "answer_keywords": []}])
    at.file_uploader(key="evals_upload").set_value(("mine.jsonl", good, "application/jsonl"))
    at.run()
    at.button(key="evals_run").click().run(timeout=120)
    assert not errors(at)
    kept = list((app_settings.data_dir / "eval-sets").glob("*.jsonl"))
    assert [p.name for p in kept] == ["mine.jsonl"]
    run = next((app_settings.data_dir / "eval-runs").iterdir())
    data = json.loads((run / "report.json").read_text())
    assert data["metrics"]["cases"] == 2 and data["source"] == "uploaded mine.jsonl"
    # The uploaded set is offered again next time.
    at.run()
    assert "mine.jsonl (uploaded)" in at.selectbox(key="evals_set").options
