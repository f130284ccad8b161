"""Documents page and first start in AppTest: uploads checked like the CLI does, ingested
into a real index; a missing index is built with a progress bar, once."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import errors, open_page, own_index_settings, use_settings, write_doc  # noqa: F401

from assistant.index import Index
from assistant.settings import Settings

GOOD = """# Pelican batching notes

## Section 4: Serving

The pelican batching rule groups prediction requests into pelican windows of fifty
milliseconds before they reach the endpoint.
"""


def _sources(s: Settings) -> set[str]:
    return {c.source for c in Index(s).snapshot().chunks}


def test_upload_checks_each_file_and_ingests_the_good_ones(own_index_settings, tmp_path,
                                                          monkeypatch):
    s = use_settings(monkeypatch, own_index_settings.index_dir, own_index_settings.data_dir,
                     max_file_mb="0.005")  # 5 kB: small enough to test the limit cheaply
    before = Index(s).info()
    at = open_page("documents")
    assert not errors(at)
    assert [m.value for m in at.metric][:2] == [str(before["files"]), str(before["chunks"])]

    uploads = [
        ("../../etc/pelican notes.md", GOOD.encode(), "text/markdown"),
        ("tool.exe", b"MZ\x90\x00", "application/octet-stream"),
        ("huge.txt", b"word " * 2000, "text/plain"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage", "application/pdf"),
        ("empty.txt", b"   \n", "text/plain"),
    ]
    at.file_uploader[0].set_value(uploads).run()
    at.button(key="docs_add").click().run(timeout=120)
    assert not at.exception
    errs = [e.value for e in at.error]
    assert len(errs) == 4, errs
    assert all("\n" not in e for e in errs)
    joined = "\n".join(errs)
    assert "tool\\.exe\\: unsupported file type" in joined
    assert "huge\\.txt\\:" in joined and "over the limit" in joined
    assert "broken\\.pdf\\:" in joined
    assert "empty\\.txt\\:" in joined and "empty" in joined

    saved = sorted(p.name for p in s.uploads_dir.iterdir())
    assert saved == ["pelican notes.md"]  # no directory part, no refused file, no staging file
    shown = [src for src in _sources(s) if src.endswith("pelican notes.md")]
    assert shown and Path(shown[0]).parent == s.uploads_dir.resolve()
    # The summary line of assistant.ingest's IngestReport.summary(), as `assistant ingest` prints it.
    assert any("published g0" in m.value for m in at.success)

    # What was uploaded is answerable in chat right away (same process, new snapshot).
    chat = open_page("chat")
    chat.chat_input(key="chat_question").set_value("What does the pelican batching rule do?").run()
    assert not errors(chat)
    assert any("pelican" in e.label.lower() for e in chat.expander)

    # Removing it updates the index.
    at = open_page("documents")
    at.selectbox(key="docs_remove_pick").set_value(s.uploads_dir / "pelican notes.md").run()
    at.button(key="docs_remove").click().run(timeout=120)
    assert not errors(at)
    assert not [src for src in _sources(s) if "pelican" in src]


def test_update_without_changes_publishes_nothing(own_index_settings):
    gen = Index(own_index_settings).current_generation()
    at = open_page("documents")
    at.button(key="docs_update").click().run(timeout=120)
    assert not errors(at)
    assert any("already up to date" in m.value for m in at.success)
    assert Index(own_index_settings).current_generation() == gen


@pytest.fixture
def cold_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    corpus = tmp_path / "corpus"
    write_doc(corpus, "a.md", "---\ntitle: Heron notes\ndomain: 3\nsection: \"3.3\"\n---\n\n"
                              "# Heron notes\n\nThe heron accelerator trains heron models on "
                              "many heron cores at once.\n")
    write_doc(corpus, "b.md", "# Osprey notes\n\n## Section 5: Pipelines\n\nThe osprey "
                              "scheduler reruns osprey pipelines every night.\n")
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(corpus))
    return use_settings(monkeypatch, tmp_path / "index", tmp_path / "data")


def test_first_start_builds_the_missing_index_once(cold_start):
    assert not Index(cold_start).exists()
    at = open_page("chat")
    assert not errors(at)
    idx = Index(cold_start)
    assert idx.exists()
    gen = idx.current_generation()
    assert {Path(c.source).name for c in idx.snapshot().chunks} == {"a.md", "b.md"}
    at.chat_input(key="chat_question").set_value("What does the heron accelerator do?").run()
    assert not errors(at)
    assert any("heron" in e.label.lower() for e in at.expander)
    # Reruns and new sessions never re-index.
    at.run()
    open_page("documents")
    assert Index(cold_start).current_generation() == gen


def test_chunk_inspector_shows_slides_notes_and_a_refusal(own_index_settings, tmp_path,
                                                          monkeypatch):
    from real_documents import encrypt_pdf, pptx_file, text_pdf

    s = use_settings(monkeypatch, own_index_settings.index_dir, own_index_settings.data_dir)
    s.uploads_dir.mkdir(parents=True, exist_ok=True)
    deck = pptx_file(s.uploads_dir / "deck.pptx")
    locked = encrypt_pdf(text_pdf(tmp_path / "src.pdf", "Dataproc runs Spark."),
                         s.uploads_dir / "locked.pdf", user_password="letmein")
    at = open_page("documents")
    assert not errors(at)
    at.selectbox(key="docs_inspect_pick").set_value(deck).run()
    assert not errors(at)
    table = at.dataframe[-1].value
    assert list(table["page/slide"]) == ["slide 1", "slide 2", "slide 2", "slide 3"]
    assert "Continuous training > Speaker notes" in list(table["heading path"])
    assert all(0 < n <= 256 for n in table["word pieces"])
    assert any("4 chunks" in c.value and "not in the index yet" in c.value for c in at.caption)

    at.selectbox(key="docs_inspect_pick").set_value(locked).run()
    errs = [e.value for e in at.error]
    assert len(errs) == 1 and "\n" not in errs[0], errs
    assert errs[0].endswith("password\\-protected PDF\\; remove the password and add it again"), errs
