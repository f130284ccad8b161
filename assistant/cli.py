"""The ``assistant`` command. Thin: parse arguments, call the library, print.

Every failure a user can cause prints one line on stderr (``error: <cause>; <fix>``) and exits
with status 2; a partial ingest (some files failed) exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from assistant.errors import AssistantError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_PARTIAL, EXIT_ERROR = 0, 1, 2


def _settings(args: argparse.Namespace):
    from assistant.settings import get_settings

    s = get_settings()
    updates: dict[str, Any] = {}
    if getattr(args, "index_dir", None):
        updates["index_dir"] = Path(args.index_dir)
    if getattr(args, "backend", None):
        updates["backend"] = args.backend
    if updates:
        s = s.model_copy(update=updates)
    return s


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


# --- commands ----------------------------------------------------------------------------


def cmd_ingest(args: argparse.Namespace) -> int:
    from assistant.ingest import ingest

    settings = _settings(args)
    quiet = args.json

    def progress(frac: float, msg: str) -> None:
        if not quiet and sys.stderr.isatty():
            sys.stderr.write(f"\r{int(frac * 100):3d}% {msg[:70]:<70}")
            sys.stderr.flush()

    report = ingest(settings, [Path(p) for p in args.paths] or None, rebuild=args.rebuild,
                    progress=progress)
    if not quiet and sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 76 + "\r")
    if args.json:
        _print_json(report.to_json())
    else:
        for f in report.failed:
            print(f.error, file=sys.stderr)
        j = report.to_json()
        state = f"published {report.generation}" if report.published else "index already up to date"
        print(f"{state}: {j['chunks_total']} chunks from {j['added'] + j['changed'] + j['unchanged']} "
              f"files ({j['added']} added, {j['changed']} changed, {j['deleted']} deleted, "
              f"{j['unchanged']} unchanged, {j['failed']} failed); embedded {j['chunks_embedded']} "
              f"chunks in {j['seconds']:.1f}s")
    return EXIT_PARTIAL if report.failed else EXIT_OK


def _filters(args: argparse.Namespace):
    from assistant.retrieve import Filters

    source = args.source
    if source and Path(source).exists():
        # Indexed sources are shown project-relative or absolute; a path typed relative to the
        # current directory ("./notes/guide.pdf") is turned into that same form.
        from assistant.index import display_path

        source = display_path(Path(source)) + ("/" if Path(source).is_dir() else "")
    return Filters(domain=args.domain, section=args.section, source=source)


def cmd_search(args: argparse.Namespace) -> int:
    from assistant.retrieve import Retriever
    from assistant.validate import check_question

    settings = _settings(args)
    query = check_question(args.query, settings.max_question_chars)
    retriever = Retriever(settings)
    passages = retriever.search(query, k=args.k, mode=args.mode, filters=_filters(args))
    if args.json:
        _print_json({"query": query, "mode": args.mode or settings.retrieval_mode,
                     "passages": [p.to_json() for p in passages]})
        return EXIT_OK
    if not passages:
        print("no passages matched (check the filters)")
    for p in passages:
        c = p.chunk
        where = " | ".join(x for x in (
            c.source, f"section {c.section}" if c.section else "",
            c.location, c.heading) if x)
        print(f"[{p.rank}] {p.score:.3f}  {where}")
        text = " ".join(c.text.split())
        print(f"    {text[:300]}{'...' if len(text) > 300 else ''}")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    from assistant import syllabus
    from assistant.index import Index

    settings = _settings(args)
    if args.paths:  # the chunk inspector (assistant/ingest/inspect.py)
        from assistant.ingest.inspect import format_inspection, inspect_file

        found = [inspect_file(settings, Path(p)) for p in args.paths]
        if args.json:
            _print_json({"files": [fi.to_json() for fi in found]})
        else:
            print("\n\n".join("\n".join(format_inspection(fi)) for fi in found))
        return EXIT_PARTIAL if any(fi.status != "ok" for fi in found) else EXIT_OK
    index = Index(settings)
    info = index.info()
    if args.json:
        from assistant.ingest.inspect import file_summaries

        info["per_file"] = file_summaries(index.snapshot().chunks)
        _print_json(info)
        return EXIT_OK
    print(f"store:       {info['store']}")
    print(f"collection:  {info['collection']} (generation {info['generation']}, built {info['created']})")
    print(f"embedding:   {info['embedding_model']}; chunks of at most {info['chunk_tokens']} "
          f"word pieces, {info['chunk_overlap_tokens']} overlap")
    print(f"indexed:     {info['files']} files, {info['chunks']} chunks")
    g = syllabus.current_guide()
    print(f"\nchunks per subsection of the {g.label} ({g.version}):")
    per = info["per_section"]
    for sec in (syllabus.GENERAL, *g.sections):
        weight = f" ~{sec.weight}%" if sec.weight else ""
        print(f"  {sec.domain} {sec.name}{weight}: {info['per_domain'].get(str(sec.domain), 0)} chunks")
        for sub in sec.subsections:
            n = per.get(sub.id, 0)
            flag = "" if n else "   <- no chunks"
            print(f"      {sub.id:<4} {sub.name:<72} {n:>4}{flag}")
    other = {k: v for k, v in per.items() if syllabus.subsection(k) is None}
    if other:
        print("  other sections (earlier guide versions): "
              + ", ".join(f"{k}: {v}" for k, v in other.items()))
    if "untagged" in info["per_domain"]:
        print(f"  untagged: {info['per_domain']['untagged']} chunks")
    if args.files:
        print("\nfiles:")
        for path, n in info["sources"].items():
            print(f"  {n:>4}  {path}")
    return EXIT_OK


def cmd_corpus(args: argparse.Namespace) -> int:
    from assistant.corpus import read_corpus, word_count_table

    settings = _settings(args)
    corpus_dir = Path(args.dir) if args.dir else settings.corpus_dir
    print(word_count_table(corpus_dir))
    bad = [f for f in read_corpus(corpus_dir) if f.problems]
    for f in bad:
        for problem in f.problems:
            print(f"{f.path}: {problem}", file=sys.stderr)
    return EXIT_PARTIAL if bad else EXIT_OK


# --- parser ------------------------------------------------------------------------------


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index-dir", help="index location (default: ./index, or ASSISTANT_INDEX_DIR)")


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--domain", type=int, choices=range(0, 7), metavar="N",
                   help="only passages of exam section N (1-6; 0 = about the exam)")
    p.add_argument("--section", help="only passages of one subsection, e.g. 3.2")
    p.add_argument("--source", help="only passages from this file or folder")


class _Parser(argparse.ArgumentParser):
    """argparse prints the whole usage block before its error; users get one line instead,
    with the command's --help as the fix. Subparsers inherit this class."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.exit(EXIT_ERROR, f"error: {' '.join(message.split())}; see '{self.prog} --help'\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="assistant",
        description="Offline study assistant for the Google Cloud Professional Machine Learning "
                    "Engineer exam.")
    from assistant import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ingest", help="index files (default: the shipped corpus and uploads)",
                       description="Index Markdown, PDF, HTML and text files, recursively. Only new "
                                   "or changed files are embedded; deleted files are removed.")
    p.add_argument("paths", nargs="*", help="files or folders (default: corpus/ and data/uploads/)")
    p.add_argument("--rebuild", action="store_true", help="ignore the manifest and rebuild")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_common(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="retrieve passages for a query",
                       description="Print the top passages for a query, with their source, "
                                   "section and page.")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=None, help="passages to return (default 5)")
    p.add_argument("--mode", choices=["dense", "bm25", "hybrid"], default=None,
                   help="retrieval mode (default: hybrid)")
    _add_filters(p)
    p.add_argument("--json", action="store_true", help="print {query, mode, passages} as JSON")
    _add_common(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("info", help="what is indexed; the chunks of a file",
                       description="Files, chunks per exam section, embedding model and "
                       "collection of the current index (--json adds each file's chunks, text "
                       "encoding and OCR chunks). With FILE: the chunk inspector, that file's "
                       "chunks in order with page or slide, heading path, word pieces and "
                       "whether OCR read them, or the one-line reason ingest refuses it.")
    p.add_argument("paths", nargs="*", metavar="FILE",
                   help="show how these files are chunked (indexed or not)")
    p.add_argument("--files", action="store_true", help="also list every indexed file")
    p.add_argument("--json", action="store_true")
    _add_common(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("corpus", help="word counts per exam section; checks front matter",
                       description="Print the corpus word counts per exam section and subsection "
                                   "(the README table) and report front-matter problems.")
    p.add_argument("--dir", help="corpus folder (default: corpus/)")
    p.set_defaults(func=cmd_corpus)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


# Later modules (answering, evals, study tools) register their subcommands here, which keeps
# this file a table of contents rather than a 4,000-line CLI.
_EXTRA_COMMANDS: list[Callable[[Any], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    # transformers draws a "Loading weights" progress bar on stderr each time the model loads;
    # in a command whose stderr carries only warnings and one-line errors it is noise.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from assistant import cli_commands  # noqa: F401 - registers ask/eval/study commands

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args.func(args))
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
