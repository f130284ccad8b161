"""Evals: run an eval set (shipped, tutor-approved, or an uploaded JSONL) with a progress
bar; the metrics table, hit@k per exam domain, and the failed cases. Every run is saved
under data/eval-runs/ and can be reopened."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from assistant import syllabus
from assistant.errors import EvalFileError
from assistant.evals import load_eval_set, run_eval
from assistant.evals.mcq import has_mcq_lines, load_mcq_set, run_mcq_eval
from assistant.evals.review import approved_eval_cases
from assistant.evals.runs import (
    SavedRun,
    eval_sets_dir,
    list_runs,
    load_run,
    save_eval_set_upload,
    save_mcq_run,
    save_run,
)
from assistant.ui import resources
from assistant.ui.safe import escape_inline
from assistant.ui.widgets import show_error

__all__ = ["render"]

_APPROVED = "Tutor-approved cases"
_UPLOAD = "Upload a JSONL file"
_MAX_EVAL_MB = 50


def _set_choices(s: Any) -> list[str]:
    files = sorted(s.evals_dir.glob("*.jsonl")) if s.evals_dir.is_dir() else []
    uploaded = sorted(eval_sets_dir(s).glob("*.jsonl")) if eval_sets_dir(s).is_dir() else []
    return [str(p) for p in files] + [str(p) for p in uploaded] + [_APPROVED, _UPLOAD]


def _choice_label(s: Any, choice: str) -> str:
    if choice in (_APPROVED, _UPLOAD):
        return choice
    p = Path(choice)
    where = "uploaded" if p.parent == eval_sets_dir(s) else "shipped"
    return f"{p.name} ({where})"  # selectbox options are plain text, not Markdown


def _load_cases(s: Any, choice: str, upload: Any) -> tuple[list[Any], str] | None:
    if choice == _APPROVED:
        store = resources.store(s)
        idf = resources.retriever(s).index.snapshot().idf
        cases = approved_eval_cases(store, idf)
        if not cases:
            st.info("No approved cases yet: approve answers on the Tutor review page.")
            return None
        return cases, "tutor-approved"
    if choice == _UPLOAD:
        if upload is None:
            return None
        try:
            cases, name = save_eval_set_upload(s, upload.name, upload.getvalue())
        except EvalFileError as err:
            show_error(str(err))
            return None
        return cases, f"uploaded {name}"
    return load_eval_set(Path(choice)), Path(choice).name


def _show_mcq_run(run: SavedRun, data: dict[str, Any]) -> None:
    """A multiple-choice run: the coach's accuracy, per domain, and the items it got wrong."""
    m = data.get("metrics", {})
    st.subheader(escape_inline(run.name))
    st.caption(escape_inline(
        f"{data.get('source', '')} · {m.get('cases', 0)} multiple-choice items · "
        f"{dt.datetime.fromtimestamp(float(data.get('created', 0))):%Y-%m-%d %H:%M}"))
    st.markdown("**Metrics**")
    st.dataframe(pd.DataFrame([{"metric": key, "value": str(value)} for key, value in m.items()
                               if key != "cases"]), hide_index=True, width="content")
    per = data.get("per_domain") or {}
    if per:
        st.markdown("**Per exam domain**")
        st.dataframe(pd.DataFrame([{"domain": d, "cases": dm.get("cases"),
                                    "mcq_accuracy": dm.get("mcq_accuracy"),
                                    "undecided_rate": dm.get("undecided_rate"),
                                    "confidently_wrong_rate": dm.get("confidently_wrong_rate")}
                                   for d, dm in per.items()]), hide_index=True)
    wrong = [c for c in data.get("cases", []) if not c.get("correct")]
    st.markdown(f"**Items not answered correctly ({len(wrong)})**")
    if wrong:
        st.dataframe(pd.DataFrame([{
            "id": c.get("id"), "domain": c.get("domain"),
            "question": (c.get("question") or "")[:300],
            "key": ",".join(c.get("answer") or []) or "(undecidable)",
            "pick": ",".join(c.get("choice") or []) or "(none)",
            "confidence": c.get("confidence"), "error": c.get("error") or ""}
            for c in wrong]), hide_index=True)
    c1, c2 = st.columns(2)
    c1.download_button("Report (Markdown)", run.markdown_path.read_bytes(),
                       file_name=f"{run.path.name}.md", key=f"dl_md_{run.path.name}")
    c2.download_button("Per-item records (JSON)", run.json_path.read_bytes(),
                       file_name=f"{run.path.name}.json", key=f"dl_json_{run.path.name}")


def _show_run(run: SavedRun) -> None:
    data = load_run(run)
    if data.get("kind") == "mcq":
        _show_mcq_run(run, data)
        return
    k = int(data.get("k", 5))
    m = data.get("metrics", {})
    st.subheader(escape_inline(f"{run.name}"))
    st.caption(escape_inline(
        f"{data.get('source', '')} · {m.get('cases', 0)} cases "
        f"({m.get('answerable', 0)} answerable, {m.get('unanswerable', 0)} unanswerable, "
        f"{m.get('errors', 0)} errors) · mode {data.get('settings', {}).get('mode')} · "
        f"backend {data.get('settings', {}).get('backend')} · k={k} · "
        f"{dt.datetime.fromtimestamp(float(data.get('created', 0))):%Y-%m-%d %H:%M}"))

    st.markdown("**Metrics**")
    rows = [{"metric": key, "value": value} for key, value in m.items()
            if key not in ("cases", "answerable", "unanswerable", "errors")]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="content")

    per = data.get("per_domain") or {}
    if per:
        st.markdown(f"**hit@{k} per exam domain**")
        table = []
        for d, dm in per.items():
            try:
                name = syllabus.domain_name(int(d))
            except (KeyError, ValueError):
                name = ""
            table.append({"domain": f"{d} {name}", "cases": dm.get("cases"),
                          f"hit@{k}": dm.get(f"hit@{k}"), "mrr@10": dm.get("mrr@10"),
                          "keyword_recall": dm.get("keyword_recall"),
                          "abstention_accuracy": dm.get("abstention_accuracy")})
        df = pd.DataFrame(table)
        st.bar_chart(df.set_index("domain")[[f"hit@{k}", "mrr@10"]], stack=False,
                     y_label="score", height=300)
        st.dataframe(df, hide_index=True)

    failed = [c for c in data.get("cases", []) if c.get("failure")]
    st.markdown(f"**Failed cases ({len(failed)})**")
    if failed:
        st.dataframe(pd.DataFrame([{
            "id": c.get("id"), "domain": c.get("domain"), "question": c.get("question"),
            "failure": c.get("failure"), "answer": (c.get("answer") or "")[:300],
            "top passage": (c.get("passages") or [{}])[0].get("source", "")}
            for c in failed]), hide_index=True)
    c1, c2 = st.columns(2)
    c1.download_button("Report (Markdown)", run.markdown_path.read_bytes(),
                       file_name=f"{run.path.name}.md", key=f"dl_md_{run.path.name}")
    c2.download_button("Per-case records (JSON)", run.json_path.read_bytes(),
                       file_name=f"{run.path.name}.json", key=f"dl_json_{run.path.name}")


@contextmanager
def _progress_bar(n: int, what: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar for an eval run of ``n`` ``what``; gone when the run ends."""
    bar = st.progress(0.0, text=f"0 of {n} {what}")

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(1, total), text=f"{done} of {total} {what}")

    try:
        yield progress
    finally:
        bar.empty()


def _saved(run: SavedRun) -> None:
    st.session_state["evals_saved"] = str(run.path)  # show the new run below
    st.success(escape_inline(f"Saved to {run.path}"), icon=":material/check:")


def _run_retrieval(s: Any, choice: str, upload: Any, k: int, mode: str, limit: int) -> None:
    loaded = _load_cases(s, choice, upload)
    if loaded is not None:
        cases, source = loaded
        if limit:
            cases = cases[:limit]
        assistant = resources.assistant(s)
        with _progress_bar(len(cases), "cases") as progress:
            report = run_eval(cases, assistant, k=k, mode=mode,
                              name=f"{mode}/{assistant.composer.name} · {source}",
                              progress=progress)
        _saved(save_run(s, report, source))


def _run_mcq(s: Any, path: Path, mode: str, limit: int) -> None:
    """A multiple-choice set (lines with ``options``): the practice-question coach is judged,
    exactly as ``assistant eval FILE`` does for such a file."""
    try:
        cases, _skipped = load_mcq_set(path)
    except EvalFileError as err:
        show_error(str(err))
        return
    if limit:
        cases = cases[:limit]
    assistant = resources.assistant(s)
    with _progress_bar(len(cases), "items") as progress:
        report = run_mcq_eval(cases, assistant, mode=mode, name=f"coach/{mode} · {path.name}",
                              progress=progress)
    _saved(save_mcq_run(s, report, path.name))


def render() -> None:
    s = resources.settings()
    st.title("Evals")
    st.caption("Retrieval (hit@k, MRR, nDCG), answers (keywords, abstention, citations) and "
               "latency, computed exactly as `assistant eval` does.")

    choice = st.selectbox("Eval set", _set_choices(s), key="evals_set",
                          format_func=lambda c: _choice_label(s, c))
    upload = None
    if choice == _UPLOAD:
        upload = st.file_uploader("Eval set (JSONL, one case per line; format in the README)",
                                  type=["jsonl"], key="evals_upload",
                                  max_upload_size=_MAX_EVAL_MB)
    c1, c2, c3 = st.columns(3)
    k = c1.number_input("k (passages)", min_value=1, max_value=20, value=5, key="evals_k")
    mode = c2.selectbox("Retrieval mode", ["hybrid", "dense", "bm25"], key="evals_mode")
    limit = c3.number_input("Only the first N cases (0 = all)", min_value=0, value=0, step=10,
                            key="evals_limit")
    if st.button("Run eval", type="primary", key="evals_run",
                 disabled=choice == _UPLOAD and upload is None):
        if choice not in (_APPROVED, _UPLOAD) and has_mcq_lines(Path(choice)):
            _run_mcq(s, Path(choice), mode, int(limit))
        else:
            _run_retrieval(s, choice, upload, int(k), mode, int(limit))

    runs = list_runs(s)
    if not runs:
        st.info("No eval runs yet. Pick a set and press **Run eval**.")
        return
    paths = [str(r.path) for r in runs]
    if st.session_state.get("evals_saved") not in paths:
        st.session_state.pop("evals_saved", None)
    pick = st.selectbox("Saved runs", paths, format_func=lambda p: Path(p).name,
                        key="evals_saved")
    try:
        _show_run(next(r for r in runs if str(r.path) == pick))
    except (OSError, ValueError) as err:
        show_error(f"the saved run {Path(pick).name} cannot be read ({err}); run it again")
