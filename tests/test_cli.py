"""The ``assistant`` command as a user runs it: real subprocesses, temp index and data dirs.

JSON output follows /work/shared/design.md; user errors print exactly one line on stderr
(no traceback) and exit 2; an ingest where some files failed exits 1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import (
    HTML_PAGE,
    assert_one_line_error,
    cli_env,
    encrypted_pdf,
    free_port,
    guide_pdf,
    parse_json,
    run_cli,
    stderr_lines,
    truncated_pdf,
    write_markdown,
)

from assistant.ingest import ingest
from assistant.settings import PROJECT_ROOT, Settings

PASSAGE_KEYS = {"rank", "chunk_id", "source", "section", "domain", "page", "score", "text"}
BAD = {"corrupt.pdf", "locked.pdf", "empty.md", "junk.md", "slides.pptx"}


class CliIndex:
    """One folder of good and bad files, ingested once by the CLI for this module."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.docs = base / "docs"
        self.index = base / "index"
        self.env = cli_env(base)
        guide_pdf(self.docs / "guide.pdf")
        (self.docs / "pipelines.html").write_text(HTML_PAGE, encoding="utf-8")
        write_markdown(self.docs / "notes.md", "# Notes\n\n## Feature Store\n\nVertex AI "
                       "Feature Store serves features online with low latency.\n",
                       meta={"domain": 2, "section": "2.1", "guide_version": "2026-06"})
        truncated_pdf(self.docs / "guide.pdf", self.docs / "corrupt.pdf")
        encrypted_pdf(self.docs / "guide.pdf", self.docs / "locked.pdf")
        (self.docs / "empty.md").write_bytes(b"")
        (self.docs / "junk.md").write_bytes(os.urandom(3000))
        (self.docs / "slides.pptx").write_bytes(b"PK\x03\x04")
        self.first = self.run("ingest", str(self.docs))

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, "--index-dir", str(self.index), env=self.env, cwd=cwd)


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory: pytest.TempPathFactory) -> CliIndex:
    return CliIndex(tmp_path_factory.mktemp("cli"))


# --- ingest ----------------------------------------------------------------------------


def test_ingest_reports_each_bad_file_in_one_line(cli_index: CliIndex) -> None:
    proc = cli_index.first
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = stderr_lines(proc)
    # Exactly one line per bad file, and nothing else (no progress bars, no library warnings).
    assert len(lines) == len(BAD), proc.stderr
    names = set()
    for line in lines:
        path, _, reason = line.partition(": ")
        assert Path(path).parent == cli_index.docs.resolve() and reason, line
        names.add(Path(path).name)
    assert names == BAD
    out = proc.stdout.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("published g000001: ")
    assert "3 added" in out[0] and "5 failed" in out[0]


def test_ingest_again_embeds_nothing_json(cli_index: CliIndex) -> None:
    proc = cli_index.run("ingest", str(cli_index.docs), "--json")
    assert proc.returncode == 1  # the bad files are still bad
    report = parse_json(proc)
    assert (report["published"], report["chunks_embedded"], report["unchanged"],
            report["failed"], report["generation"]) == (False, 0, 3, 5, "g000001")
    assert {Path(f["path"]).name for f in report["files"] if f["status"] == "failed"} == BAD
    for f in report["files"]:
        if f["status"] == "failed":
            assert f["error"].startswith(f["path"] + ": ")
    assert stderr_lines(proc) == []  # --json: the failures are in the JSON


def test_ingest_of_good_files_exits_zero(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_markdown(docs / "a.md", "# A\n\n## Dataflow\n\nDataflow runs Apache Beam pipelines.\n")
    proc = run_cli("ingest", str(docs), "--json", "--index-dir", str(tmp_path / "idx"))
    assert proc.returncode == 0, proc.stderr
    report = parse_json(proc)
    assert report["published"] and report["added"] == 1 and report["chunks_embedded"] == 1
    assert stderr_lines(proc) == []


# --- search ----------------------------------------------------------------------------


def test_search_json_on_user_files_has_pages(cli_index: CliIndex) -> None:
    proc = cli_index.run("search", "traffic splitting canary model version", "--json",
                         "--mode", "bm25", "--k", "2")
    assert proc.returncode == 0, proc.stderr
    out = parse_json(proc)
    assert out["mode"] == "bm25" and out["query"] == "traffic splitting canary model version"
    top = out["passages"][0]
    assert PASSAGE_KEYS <= set(top)
    assert (Path(top["source"]).name, top["page"], top["domain"], top["section"]) == \
        ("guide.pdf", 2, 4, "4.1")
    assert [p["rank"] for p in out["passages"]] == [1, 2]


def test_search_source_filter_accepts_a_relative_path(cli_index: CliIndex) -> None:
    proc = cli_index.run("search", "features online serving", "--json", "--mode", "bm25",
                         "--source", "docs/notes.md", cwd=cli_index.base)
    assert proc.returncode == 0, proc.stderr
    passages = parse_json(proc)["passages"]
    assert passages and {Path(p["source"]).name for p in passages} == {"notes.md"}
    proc = cli_index.run("search", "model serving", "--json", "--mode", "bm25",
                         "--source", "docs", cwd=cli_index.base)
    assert {Path(p["source"]).name for p in parse_json(proc)["passages"]} <= \
        {"guide.pdf", "pipelines.html", "notes.md"}


def test_search_json_on_the_shipped_corpus(corpus_settings: Settings) -> None:
    """Default mode (hybrid), the design's passage fields, section/domain filled for every
    corpus passage; filters on the command line."""
    idx = str(corpus_settings.index_dir)
    proc = run_cli("search", "How do I detect training-serving skew?", "--json", "--k", "4",
                   "--index-dir", idx)
    assert proc.returncode == 0, proc.stderr
    assert stderr_lines(proc) == []
    out = parse_json(proc)
    assert out["mode"] == "hybrid"
    passages = out["passages"]
    assert [p["rank"] for p in passages] == [1, 2, 3, 4]
    for p in passages:
        assert PASSAGE_KEYS <= set(p)
        assert p["source"].startswith("corpus/") and (PROJECT_ROOT / p["source"]).is_file()
        assert isinstance(p["domain"], int) and p["section"].startswith(f"{p['domain']}.")
        assert p["page"] is None and p["text"].strip() and isinstance(p["score"], float)
    scores = [p["score"] for p in passages]
    assert scores == sorted(scores, reverse=True)

    proc = run_cli("search", "deploying models", "--json", "--domain", "4", "--section", "4.1",
                   "--index-dir", idx)
    assert proc.returncode == 0, proc.stderr
    passages = parse_json(proc)["passages"]
    assert len(passages) == 5 and {(p["domain"], p["section"]) for p in passages} == {(4, "4.1")}


def test_search_text_output(corpus_settings: Settings) -> None:
    proc = run_cli("search", "vertex ai pipelines caching", "--mode", "bm25", "--k", "2",
                   "--index-dir", str(corpus_settings.index_dir))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("[1] ") and "corpus/" in lines[0] and "section " in lines[0]
    assert lines[2].startswith("[2] ")


def test_info_json(cli_index: CliIndex) -> None:
    proc = cli_index.run("info", "--json")
    assert proc.returncode == 0, proc.stderr
    info = parse_json(proc)
    assert info["files"] == 3 and info["generation"] == "g000001" and info["chunks"] > 0
    assert info["per_domain"]["4"] == 2 and info["per_section"]["2.1"] == 1
    assert sum(info["sources"].values()) == info["chunks"]


# --- user errors: one line, exit 2 -----------------------------------------------------


def test_search_before_any_ingest(tmp_path: Path) -> None:
    proc = run_cli("search", "what is vertex ai", "--index-dir", str(tmp_path / "none"))
    line = assert_one_line_error(proc)
    assert line.startswith("error: no index") and "assistant ingest" in line


def test_info_before_any_ingest(tmp_path: Path) -> None:
    line = assert_one_line_error(run_cli("info", "--index-dir", str(tmp_path / "none")))
    assert "assistant ingest" in line


@pytest.mark.parametrize("args,words", [
    (["search", "   "], "question is empty"),
    (["search", "x" * 5000], "over the limit"),
    (["search", "q", "--mode", "sideways"], "invalid choice"),
    (["search", "q", "--domain", "9"], "invalid choice"),
    (["search"], "required"),
    (["frobnicate"], "invalid choice"),
    (["ingest", "--no-such-flag"], "unrecognized arguments"),
])
def test_bad_arguments_are_one_line(tmp_path: Path, args: list[str], words: str) -> None:
    proc = run_cli(*args, "--index-dir", str(tmp_path / "idx"))
    line = assert_one_line_error(proc)
    assert line.startswith("error: ") and words in line, line


def test_unreachable_chroma_server(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_markdown(docs / "a.md", "# A\n\n## B\n\nText.\n")
    env = cli_env(ASSISTANT_CHROMA_HOST="127.0.0.1", ASSISTANT_CHROMA_PORT=str(free_port()))
    proc = run_cli("ingest", str(docs), "--index-dir", str(tmp_path / "idx"), env=env)
    line = assert_one_line_error(proc)
    assert "cannot reach the Chroma server" in line and "chroma run" in line


def test_lost_vectors_reported_then_repaired(tmp_path: Path, embedder) -> None:
    """The Chroma directory deleted under a built index (a fresh process each time, as a user
    would run it): search says so in one line, a plain ingest republishes without
    re-embedding, and search answers again."""
    docs = tmp_path / "docs"
    write_markdown(docs / "a.md", "# A\n\n## Dataflow\n\nDataflow runs Apache Beam pipelines.\n")
    settings = Settings(index_dir=tmp_path / "idx", data_dir=tmp_path / "data")
    ingest(settings, [docs], embedder=embedder)
    shutil.rmtree(settings.index_dir / "chroma")
    idx = ["--index-dir", str(settings.index_dir)]

    line = assert_one_line_error(run_cli("search", "apache beam", "--mode", "bm25", *idx))
    assert "no collection" in line and "assistant ingest" in line

    proc = run_cli("ingest", str(docs), "--json", *idx)
    assert proc.returncode == 0, proc.stderr
    report = parse_json(proc)
    assert report["published"] and report["chunks_embedded"] == 0 and report["unchanged"] == 1

    proc = run_cli("search", "apache beam", "--mode", "bm25", "--json", *idx)
    assert proc.returncode == 0, proc.stderr
    assert "Apache Beam" in parse_json(proc)["passages"][0]["text"]
