"""The shipped study corpus: front-matter validation against the syllabus, and word counts.

Used by the corpus tests and by ``assistant corpus`` (the README's word-count table).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant import syllabus
from assistant.errors import AssistantError
from assistant.ingest.loaders import parse_markdown, read_text_bytes

__all__ = ["CorpusFile", "REQUIRED_KEYS", "read_corpus", "validate", "word_counts",
           "word_count_table"]

REQUIRED_KEYS = ("title", "domain", "section", "guide_version", "sources", "last_verified")
_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-_.]*")


@dataclass
class CorpusFile:
    path: Path
    meta: dict[str, Any]
    body_words: int
    problems: list[str] = field(default_factory=list)


def _body(text: str) -> str:
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            return text[end + 4:]
    return text


def read_corpus(corpus_dir: Path) -> list[CorpusFile]:
    files: list[CorpusFile] = []
    for path in sorted(corpus_dir.rglob("*.md")):
        try:
            text = read_text_bytes(path, path.read_bytes())
            meta, _h1, sections = parse_markdown(path, text)
        except AssistantError as err:
            files.append(CorpusFile(path, {}, 0, [str(err)]))
            continue
        cf = CorpusFile(path, meta, len(_WORDS.findall(_body(text))))
        cf.problems = validate(meta, bool(sections))
        files.append(cf)
    return files


def validate(meta: dict[str, Any], has_sections: bool = True) -> list[str]:
    problems = [f"missing front matter key '{k}'" for k in REQUIRED_KEYS if k not in meta]
    if problems:
        return problems
    domain, section, version = meta["domain"], meta["section"], meta["guide_version"]
    if not isinstance(meta["title"], str) or not meta["title"].strip():
        problems.append("title must be a non-empty string")
    if not isinstance(domain, int) or isinstance(domain, bool):
        problems.append("domain must be an integer")
    elif not isinstance(section, str):
        problems.append("section must be a quoted string such as \"3.2\"")
    elif str(version) not in syllabus.GUIDES:
        problems.append(f"guide_version '{version}' is not one of {sorted(syllabus.GUIDES)}")
    elif not syllabus.is_valid_section(domain, section, str(version)):
        problems.append(f"section {section} (domain {domain}) is not in the {version} guide")
    sources = meta["sources"]
    if not isinstance(sources, list) or not sources:
        problems.append("sources must be a non-empty list of URLs")
    else:
        problems += [f"source is not an https URL: {s}" for s in sources
                     if not isinstance(s, str) or not re.match(r"^https://[^\s/]+\.[^\s]+$", s)]
    lv = meta["last_verified"]
    if not isinstance(lv, dt.date):
        try:
            dt.date.fromisoformat(str(lv))
        except ValueError:
            problems.append("last_verified must be a date (YYYY-MM-DD)")
    if not has_sections:
        problems.append("the file has no text under its headings")
    return problems


def word_counts(files: list[CorpusFile]) -> dict[int, dict[str, int]]:
    """Body words per exam section (domain) and per subsection."""
    out: dict[int, dict[str, int]] = {}
    for f in files:
        d = f.meta.get("domain")
        if not isinstance(d, int):
            continue
        per = out.setdefault(d, {})
        sec = str(f.meta.get("section"))
        per[sec] = per.get(sec, 0) + f.body_words
    return out


def word_count_table(corpus_dir: Path) -> str:
    files = read_corpus(corpus_dir)
    counts = word_counts(files)
    g = syllabus.current_guide()
    total = sum(sum(v.values()) for v in counts.values())
    lines = [f"| exam section | weight ({g.version}) | files | words | share of corpus |",
             "|---|---:|---:|---:|---:|"]
    for sec in (syllabus.GENERAL, *g.sections):
        words = sum(counts.get(sec.domain, {}).values())
        n_files = sum(1 for f in files if f.meta.get("domain") == sec.domain)
        weight = f"{sec.weight}%" if sec.weight else "-"
        lines.append(f"| {sec.domain} {sec.name} | {weight} | {n_files} | {words:,} | "
                     f"{words / total:.0%} |" if total else "")
    lines.append(f"| **total** | | {len(files)} | **{total:,}** | |")
    lines.append("")
    lines.append("| subsection | words |")
    lines.append("|---|---:|")
    for d in sorted(counts):
        for sec_id, words in sorted(counts[d].items(), key=lambda kv: [int(x) for x in kv[0].split(".")]):
            sub = syllabus.subsection(sec_id) or syllabus.subsection(sec_id, "2024-10")
            name = sub.name if sub else ""
            lines.append(f"| {sec_id} {name} | {words:,} |")
    return "\n".join(lines)
