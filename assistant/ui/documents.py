"""Documents: what is indexed (per exam domain and section), upload files to ingest, update or
rebuild the index. Uploads pass the same checks as ``assistant ingest`` and failures show as
one line per file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from assistant import syllabus
from assistant.ingest.uploads import save_uploads, supported_types
from assistant.ui import resources
from assistant.ui.safe import escape_inline
from assistant.ui.widgets import domain_label, show_error

__all__ = ["render"]


def _ingest_with_bar(s: Any, paths: list[Path] | None, rebuild: bool, label: str) -> Any:
    bar = st.progress(0.0, text=escape_inline(label))

    def progress(fraction: float, message: str) -> None:
        # Progress text is Markdown; messages carry file names.
        bar.progress(max(0.0, min(1.0, fraction)), text=escape_inline(message[:120]))

    report = resources.run_ingest(s, paths, rebuild=rebuild, progress=progress)
    bar.empty()
    return report


def _show_report(report: Any) -> None:
    st.success(escape_inline(report.summary() + "."), icon=":material/check:")
    for f in report.failed:
        show_error(f.error or f.path)


def _index_overview(s: Any) -> None:
    if not resources.index_ready(s):
        st.warning("No index yet: press **Update index** to build it from the corpus.")
        return
    info = resources.retriever(s).index.info()
    c1, c2, c3 = st.columns(3)
    c1.metric("Files", info["files"])
    c2.metric("Passages (chunks)", info["chunks"])
    c3.metric("Generation", info["generation"])
    st.caption(escape_inline(f"{info['store']} · collection {info['collection']} · built "
                             f"{info['created']} · {info['embedding_model']}, chunks of at most "
                             f"{info['chunk_tokens']} word pieces"))

    g = syllabus.current_guide()
    rows = []
    for sec in (*g.sections, syllabus.GENERAL):
        rows.append({"domain": domain_label(sec.domain), "exam weight %": sec.weight or None,
                     "chunks": info["per_domain"].get(str(sec.domain), 0)})
    if "untagged" in info["per_domain"]:
        rows.append({"domain": "untagged (no exam section found)", "exam weight %": None,
                     "chunks": info["per_domain"]["untagged"]})
    st.markdown("**Per exam domain**")
    st.dataframe(pd.DataFrame(rows), hide_index=True)

    sec_rows = []
    for sid, n in info["per_section"].items():
        sub = syllabus.subsection(sid) or syllabus.subsection(sid, "2024-10")
        sec_rows.append({"section": sid, "name": sub.name if sub else "", "chunks": n})
    for sid in g.subsection_ids():
        if sid not in info["per_section"]:
            sub = syllabus.subsection(sid)
            sec_rows.append({"section": sid, "name": sub.name if sub else "", "chunks": 0})
    with st.expander(f"Per section ({len(sec_rows)})"):
        st.dataframe(pd.DataFrame(sec_rows), hide_index=True)
    with st.expander(f"Files ({info['files']})"):
        st.dataframe(pd.DataFrame([{"file": p, "chunks": n} for p, n in info["sources"].items()]),
                     hide_index=True)


def _inspector(s: Any) -> None:
    """The chunk inspector: pick a file, see its chunks as ingest makes them (or the one-line
    reason it is refused). The work is in ``assistant.ingest.inspect``."""
    from assistant.index import display_path
    from assistant.ingest.inspect import inspect_file, inspectable_files

    st.subheader("Inspect a file's chunks")
    files = inspectable_files(s)
    pick = st.selectbox("File", [None, *files], key="docs_inspect_pick",
                        format_func=lambda p: "-" if p is None else display_path(p),
                        help="How ingest reads and cuts the file: page or slide, heading path, "
                             "size in the model's word pieces, and whether OCR read the text.")
    if pick is None:
        return
    try:
        st_ = pick.stat()
        key = (str(pick), st_.st_size, st_.st_mtime_ns)
    except OSError:
        key = (str(pick), -1, -1)
    # Kept per session and file version: OCR of a scan takes seconds, and Streamlit reruns
    # this page on every click.
    cached = st.session_state.get("docs_inspect_result")
    if not cached or cached[0] != key:
        with st.spinner(escape_inline(f"reading {pick.name}")):
            cached = (key, inspect_file(s, pick))
        st.session_state["docs_inspect_result"] = cached
    fi = cached[1]
    if fi.status != "ok":
        show_error(fi.error or fi.path)
        return
    facts = [f"{len(fi.chunks)} chunks", f"title: {fi.title}"]
    if fi.encoding:
        facts.append(f"encoding {fi.encoding}")
    if fi.ocr_chunks:
        facts.append(f"{fi.ocr_chunks} read by OCR")
    facts.append("in the index" if fi.indexed else "not in the index yet: press Update index")
    st.caption(escape_inline(" · ".join(facts)))
    st.dataframe(pd.DataFrame([{
        "#": c.ordinal, "page/slide": c.location or "-", "heading path": c.heading or "-",
        "word pieces": c.word_pieces, "OCR": "yes" if c.ocr else "",
        "text": " ".join(c.text.split())[:160]} for c in fi.chunks]), hide_index=True)
    with st.expander("Full text of each chunk"):
        for c in fi.chunks:
            st.markdown(f"**{escape_inline(f'[{c.ordinal}]')}** "
                        + escape_inline(f"{c.location} {c.heading}".strip()))
            st.text(c.text)


def render() -> None:
    s = resources.settings()
    st.title("Documents")
    _index_overview(s)
    _inspector(s)

    st.subheader("Add documents")
    st.caption(f"Markdown, PDF (scanned pages are read by OCR when Tesseract is installed), "
               f"Word (.docx), PowerPoint (.pptx), HTML or text in any common encoding; up to "
               f"{s.max_file_mb:g} MB and {s.max_pdf_pages} PDF pages per file. Files are kept in "
               f"{escape_inline(str(s.uploads_dir))} and indexed with the corpus.")
    files = st.file_uploader("Files to add", type=supported_types(), accept_multiple_files=True,
                             key=f"docs_upload_{st.session_state.get('docs_upload_round', 0)}",
                             max_upload_size=max(1, int(s.max_file_mb + 0.999)))
    if st.button("Add to the index", type="primary", disabled=not files, key="docs_add"):
        saved = save_uploads(s, files or [])
        for item in saved:
            if item.error:
                show_error(item.error)
        good = [item.path for item in saved if item.path is not None]
        if good:
            report = _ingest_with_bar(s, good, False, f"indexing {len(good)} file(s)")
            _show_report(report)
        # A fresh uploader: the files just handled are not offered again.
        st.session_state["docs_upload_round"] = st.session_state.get("docs_upload_round", 0) + 1

    uploads = sorted(p for p in s.uploads_dir.glob("*") if p.is_file()
                     and not p.name.startswith(".")) if s.uploads_dir.is_dir() else []
    if uploads:
        with st.expander(f"Uploaded files ({len(uploads)})"):
            gone = st.selectbox("Remove an uploaded file", [None, *uploads],
                                format_func=lambda p: "-" if p is None else p.name,
                                key="docs_remove_pick")
            if st.button("Remove and update the index", disabled=gone is None, key="docs_remove"):
                assert gone is not None
                gone.unlink(missing_ok=True)
                _show_report(_ingest_with_bar(s, None, False, f"removing {gone.name}"))

    st.subheader("Maintenance")
    c1, c2 = st.columns(2)
    if c1.button("Update index", help="Index new and changed files of the corpus and uploads; "
                 "drop deleted ones. Only changed files are embedded.", key="docs_update"):
        _show_report(_ingest_with_bar(s, None, False, "checking files"))
    confirm = c2.checkbox("I want to rebuild from scratch", key="docs_rebuild_ok")
    if c2.button("Rebuild index", disabled=not confirm, key="docs_rebuild",
                 help="Re-read every file and write a new index generation; cached vectors are "
                      "reused, so this costs reading time, not embedding time."):
        _show_report(_ingest_with_bar(s, None, True, "rebuilding"))
