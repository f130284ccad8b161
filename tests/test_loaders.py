"""Each loader on real files made here: a multi-page PDF with headings, an HTML page, Markdown
with front matter, plain text; and every kind of bad input, each refused with one line that
names the file, the cause and the fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import (
    HTML_PAGE,
    JUNK_WORDS,
    damaged_page_tree_pdf,
    encrypted_pdf,
    flipped_pdf,
    guide_pdf,
    make_flowing_pdf,
    make_pdf,
    owner_only_pdf,
    truncated_pdf,
    write_markdown,
)

from assistant import syllabus
from assistant.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    IngestError,
    TooLargeError,
    UnsupportedFormatError,
)
from assistant.ingest.loaders import load_document

MB = 10**6


def load(path: Path, *, max_bytes: int = 50 * MB, max_pages: int = 100):
    return load_document(path, max_bytes=max_bytes, max_pages=max_pages)


# --- PDF -------------------------------------------------------------------------------


def test_pdf_sections_carry_pages_and_font_headings(tmp_path: Path) -> None:
    doc = load(guide_pdf(tmp_path / "guide.pdf"))
    assert doc.kind == "pdf"
    assert doc.title == "Exam guide excerpt"  # from the PDF's metadata
    by_page = {s.page: s for s in doc.sections}
    assert sorted(by_page) == [1, 2, 3]
    assert by_page[1].heading_path == ("Section 3: Scaling prototypes into ML models",
                                       "3.2 Training models")
    assert "reduction server" in by_page[1].text
    assert by_page[2].heading_path == ("Section 4: Serving and scaling models", "4.1 Serving models")
    assert "Traffic splitting" in by_page[2].text
    # Page 3 has only a subsection heading: the section heading of page 2 still applies.
    assert by_page[3].heading_path == ("Section 4: Serving and scaling models",
                                       "4.2 Scaling online model serving")
    assert "Batch prediction" in by_page[3].text
    # Headings are structure, not body text.
    assert all("3.2 Training models" not in s.text for s in doc.sections)


def test_pdf_unnumbered_headings_found_by_font_size(tmp_path: Path) -> None:
    """Headings with no number are recognised because they are set bold and larger."""
    path = make_pdf(tmp_path / "notes.pdf", [
        [("h1", "Feature engineering overview"),
         ("body", "Feature crosses combine two categorical features into one. " * 5),
         ("h2", "Embeddings for high cardinality"),
         ("body", "Embedding columns map sparse identifiers into dense vectors. " * 5)],
        [("h1", "Data validation"),
         ("body", "TensorFlow Data Validation infers a schema and flags anomalies. " * 5)],
    ])
    doc = load(path)
    paths = [(s.page, s.heading_path) for s in doc.sections]
    assert paths == [(1, ("Feature engineering overview",)),
                     (1, ("Feature engineering overview", "Embeddings for high cardinality")),
                     (2, ("Data validation",))]
    # Without metadata the first heading is the title.
    assert doc.title == "Feature engineering overview"


def test_pdf_section_running_over_a_page_break_keeps_its_heading(tmp_path: Path) -> None:
    body = " ".join(f"Sentence {i} about pipeline orchestration with Cloud Composer." for i in range(120))
    path = make_flowing_pdf(tmp_path / "long.pdf", [("h1", "Orchestration"), ("body", body)])
    doc = load(path)
    pages = sorted({s.page for s in doc.sections})
    assert len(pages) >= 2, "the body should run onto a second page"
    assert all(s.heading_path == ("Orchestration",) for s in doc.sections)
    # Each page's text is on its own page: sentence 0 on page 1, the last one on the last page.
    first = next(s for s in doc.sections if s.page == 1)
    last = next(s for s in doc.sections if s.page == pages[-1])
    assert "Sentence 0 " in first.text and "Sentence 119 " in last.text
    assert "Sentence 119 " not in first.text


def test_pdf_sections_infer_exam_domain(tmp_path: Path) -> None:
    doc = load(guide_pdf(tmp_path / "guide.pdf"))
    tags = [syllabus.infer_section(s.heading_path) for s in doc.sections]
    assert tags == [(3, "3.2"), (4, "4.1"), (4, "4.2")]


def test_owner_password_only_pdf_opens(tmp_path: Path) -> None:
    src = guide_pdf(tmp_path / "guide.pdf")
    doc = load(owner_only_pdf(src, tmp_path / "restricted.pdf"))
    assert [s.page for s in doc.sections] == [1, 2, 3]


def test_pdf_without_text_is_reported_as_needing_ocr(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a drawing, no text: what a scan looks like to us
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(EmptyDocumentError) as err:
        load(path)
    assert "OCR" in err.value.reason


def test_pdf_over_the_page_limit(tmp_path: Path) -> None:
    path = guide_pdf(tmp_path / "guide.pdf")
    with pytest.raises(TooLargeError) as err:
        load(path, max_pages=2)
    assert "3 pages" in err.value.reason and "ASSISTANT_MAX_PDF_PAGES" in err.value.reason


# --- HTML ------------------------------------------------------------------------------


def test_html_drops_navigation_and_scripts_keeps_headings(tmp_path: Path) -> None:
    path = tmp_path / "pipelines.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    doc = load(path)
    assert doc.kind == "html"
    assert doc.title == "Vertex AI Pipelines | Google Cloud"
    text = "\n".join(s.text for s in doc.sections)
    for junk in JUNK_WORDS:
        assert junk not in text, junk
    assert all(junk not in h for s in doc.sections for h in s.heading_path for junk in JUNK_WORDS)
    paths = [s.heading_path for s in doc.sections]
    # The H1 names the page (like Markdown's H1): only deeper headings make the path.
    assert paths == [(), ("Scheduling pipeline runs",),
                     ("Scheduling pipeline runs", "Execution caching")]
    assert "Kubeflow Pipelines" in doc.sections[0].text
    assert "Cron expressions in UTC" in doc.sections[1].text
    assert "component spec" in doc.sections[2].text


def test_html_without_main_uses_body_and_h1_title(tmp_path: Path) -> None:
    path = tmp_path / "saved.htm"
    path.write_text("<html><body><nav>NAVJUNK</nav><h1>Feature Store</h1><p>Online serving "
                    "reads features with low latency.</p><h2>Offline store</h2><p>BigQuery "
                    "holds the offline store.</p></body></html>", encoding="utf-8")
    doc = load(path)
    assert doc.title == "Feature Store"
    assert [s.heading_path for s in doc.sections] == [(), ("Offline store",)]
    assert "NAVJUNK" not in " ".join(s.text for s in doc.sections)


def test_html_that_looks_like_a_file_name_loads_without_warnings(tmp_path: Path) -> None:
    # Found by the loader fuzzer: bs4 warns on stderr when a page's text resembles a path.
    import warnings

    path = tmp_path / "odd.htm"
    path.write_bytes(b".html")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        doc = load(path)
    assert ".html" in " ".join(s.text for s in doc.sections)


# --- Markdown --------------------------------------------------------------------------


def test_markdown_front_matter_sets_tags(tmp_path: Path) -> None:
    path = write_markdown(tmp_path / "notes.md", (
        "# Monitoring notes\n\n"
        "## Skew and drift\n\nTraining-serving skew compares serving data with training data.\n\n"
        "```python\n# a comment, not a heading\nx = 1\n```\n\n"
        "### Thresholds\n\nAlert thresholds are set per feature.\n"),
        meta={"title": "Model monitoring", "domain": 6, "section": "6.2",
              "guide_version": "2024-10", "sources": ["https://cloud.google.com/vertex-ai/docs"]})
    doc = load(path)
    assert (doc.kind, doc.title, doc.domain, doc.section, doc.guide_version) == \
        ("markdown", "Model monitoring", 6, "6.2", "2024-10")
    assert doc.sources == ["https://cloud.google.com/vertex-ai/docs"]
    assert [s.heading_path for s in doc.sections] == [("Skew and drift",),
                                                      ("Skew and drift", "Thresholds")]
    assert "# a comment, not a heading" in doc.sections[0].text
    assert "domain:" not in " ".join(s.text for s in doc.sections)


def test_markdown_without_front_matter_uses_h1_title(tmp_path: Path) -> None:
    path = write_markdown(tmp_path / "my-notes.md", (
        "# My study notes\n\n## Section 5: Automating and orchestrating ML pipelines\n\n"
        "### 5.1 Developing end-to-end ML pipelines\n\nPipelines validate data, train and deploy.\n\n"
        "## Misc\n\nNothing numbered here.\n"))
    doc = load(path)
    assert (doc.title, doc.domain, doc.section) == ("My study notes", None, None)
    tags = [syllabus.infer_section(s.heading_path) for s in doc.sections]
    assert tags == [(5, "5.1"), (None, None)]


def test_markdown_bad_front_matter_is_one_line(tmp_path: Path) -> None:
    path = write_markdown(tmp_path / "bad.md", "---\ntitle: [unclosed\ndomain: 3\n---\n\nBody.\n")
    with pytest.raises(CorruptDocumentError) as err:
        load(path)
    assert "front matter is not valid YAML" in str(err.value)
    assert "\n" not in str(err.value)


# --- plain text ------------------------------------------------------------------------


def test_text_numbered_and_underlined_headings(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Section 3: Scaling prototypes into ML models\n\n3.2 Training models\n\n"
                    "Custom training jobs run on Vertex AI.\n\nOther topics\n============\n\n"
                    "Text under an unnumbered heading.\n", encoding="utf-8")
    doc = load(path)
    assert [(s.heading_path, s.text) for s in doc.sections] == [
        (("Section 3: Scaling prototypes into ML models", "3.2 Training models"),
         "Custom training jobs run on Vertex AI."),
        (("Other topics",), "Text under an unnumbered heading."),
    ]


# --- bad input -------------------------------------------------------------------------


def _one_line(err: IngestError, path: Path) -> None:
    msg = str(err)
    assert msg.startswith(f"{path}: "), msg
    assert "\n" not in msg and len(msg) < 300
    assert "Traceback" not in msg


@pytest.fixture
def good_pdf(tmp_path: Path) -> Path:
    return guide_pdf(tmp_path / "good.pdf")


@pytest.mark.parametrize("name,make,exc,words", [
    ("notes.odt", lambda d, _: (d / "notes.odt").write_bytes(b"PK\x03\x04 not really"),
     UnsupportedFormatError, ["unsupported file type '.odt'", ".pdf", ".docx", ".pptx"]),
    ("notes.docx", lambda d, _: (d / "notes.docx").write_bytes(b"PK\x03\x04 not really"),
     CorruptDocumentError, ["not a valid DOCX file", "save it again"]),
    ("truncated.pdf", lambda d, g: truncated_pdf(g, d / "truncated.pdf"),
     CorruptDocumentError, ["re-export"]),
    ("flipped.pdf", lambda d, g: flipped_pdf(g, d / "flipped.pdf"),
     CorruptDocumentError, ["re-export"]),
    ("no-pages.pdf", lambda d, g: damaged_page_tree_pdf(g, d / "no-pages.pdf"),
     CorruptDocumentError, ["damaged", "re-export"]),
    ("fake.pdf", lambda d, _: (d / "fake.pdf").write_text("just some text", encoding="utf-8"),
     CorruptDocumentError, ["not a PDF"]),
    ("locked.pdf", lambda d, g: encrypted_pdf(g, d / "locked.pdf"),
     EncryptedDocumentError, ["password-protected PDF; remove the password and add it again"]),
    ("empty.md", lambda d, _: (d / "empty.md").write_bytes(b""),
     EmptyDocumentError, ["empty"]),
    ("blank.txt", lambda d, _: (d / "blank.txt").write_text(" \n\n\t\n", encoding="utf-8"),
     EmptyDocumentError, ["empty"]),
    ("empty.pdf", lambda d, _: (d / "empty.pdf").write_bytes(b""),
     EmptyDocumentError, ["empty"]),
    ("junk.md", lambda d, _: (d / "junk.md").write_bytes(os.urandom(4096)),
     CorruptDocumentError, ["not a text file"]),
    ("only-front-matter.md", lambda d, _: write_markdown(d / "only-front-matter.md", "",
                                                          {"domain": 3, "section": "3.2"}),
     EmptyDocumentError, ["no text"]),
    ("empty.html", lambda d, _: (d / "empty.html").write_text(
        "<html><head><script>x=1</script></head><body><nav>menu</nav></body></html>",
        encoding="utf-8"), EmptyDocumentError, ["no text"]),
])
def test_bad_input_is_one_clear_line(tmp_path: Path, good_pdf: Path, name: str, make, exc,
                                     words: list[str], capfd: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    make(bad, good_pdf)
    path = bad / name
    with pytest.raises(exc) as err:
        load(path)
    _one_line(err.value, path)
    for w in words:
        assert w in err.value.reason, err.value.reason
    # Nothing else reaches the terminal: pypdf's own warnings about broken files included.
    out, errout = capfd.readouterr()
    assert out == "" and errout == "", (out, errout)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        load(tmp_path / "gone.md")
    _one_line(err.value, tmp_path / "gone.md")
    assert "disappeared" in err.value.reason
    (tmp_path / "folder.md").mkdir()
    with pytest.raises(IngestError) as err:
        load(tmp_path / "folder.md")
    assert "directory" in err.value.reason


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000, encoding="utf-8")
    with pytest.raises(TooLargeError) as err:
        load(path, max_bytes=2000)
    _one_line(err.value, path)
    assert "ASSISTANT_MAX_FILE_MB" in err.value.reason


def test_broken_pdf_prints_nothing_outside_pytest(tmp_path: Path, good_pdf: Path) -> None:
    """pypdf warns through logging; with no logging configured (a plain CLI run) Python would
    print those warnings on stderr next to our one-line reason. Checked in a fresh process,
    where pytest's log capture does not hide them."""
    import subprocess
    import sys

    bad = truncated_pdf(good_pdf, tmp_path / "truncated.pdf")
    code = ("import sys\nfrom pathlib import Path\nfrom assistant.errors import IngestError\n"
            "from assistant.ingest.loaders import load_document\n"
            "try:\n    load_document(Path(sys.argv[1]), max_bytes=10**8, max_pages=100)\n"
            "except IngestError as err:\n    print(err)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(bad)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith(f"{bad}: not a readable PDF")
    assert proc.stderr == ""
