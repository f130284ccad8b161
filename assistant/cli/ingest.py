"""``assistant ingest``, ``assistant info`` and ``assistant corpus``: build the index and see
what is in it (and in the corpus it is built from)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from assistant.cli.common import EXIT_OK, EXIT_PARTIAL, add_common, print_json, settings_from_args

__all__ = ["register"]


def cmd_ingest(args: argparse.Namespace) -> int:
    from assistant.ingest import ingest

    settings = settings_from_args(args)
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
        print_json(report.to_json())
    else:
        for f in report.failed:
            print(f.error, file=sys.stderr)
        print(report.summary())
    return EXIT_PARTIAL if report.failed else EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    from assistant import syllabus
    from assistant.index import Index

    settings = settings_from_args(args)
    if args.files_to_inspect:  # the chunk inspector (assistant/ingest/inspect.py)
        from assistant.ingest.inspect import format_inspection, inspect_file

        found = [inspect_file(settings, Path(p)) for p in args.files_to_inspect]
        if args.json:
            print_json({"files": [fi.to_json() for fi in found]})
        else:
            print("\n\n".join("\n".join(format_inspection(fi)) for fi in found))
        return EXIT_PARTIAL if any(fi.status != "ok" for fi in found) else EXIT_OK
    index = Index(settings)
    info = index.info()
    if args.json:
        from assistant.ingest.inspect import file_summaries

        info["per_file"] = file_summaries(index.snapshot().chunks)
        print_json(info)
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

    settings = settings_from_args(args)
    corpus_dir = Path(args.dir) if args.dir else settings.corpus_dir
    print(word_count_table(corpus_dir))
    bad = [f for f in read_corpus(corpus_dir) if f.problems]
    for f in bad:
        for problem in f.problems:
            print(f"{f.path}: {problem}", file=sys.stderr)
    return EXIT_PARTIAL if bad else EXIT_OK


def register(sub: Any) -> None:
    p = sub.add_parser("ingest", help="index files (default: the shipped corpus and uploads)",
                       description="Index Markdown, PDF (scanned pages by OCR when Tesseract "
                                   "is installed), Word, PowerPoint, HTML and text files, "
                                   "recursively. Only new or changed files are embedded; deleted "
                                   "files are removed.")
    p.add_argument("paths", nargs="*", help="files or folders (default: corpus/ and data/uploads/)")
    p.add_argument("--rebuild", action="store_true", help="ignore the manifest and rebuild")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_common(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("info", help="what is indexed; the chunks of a file",
                       description="Files, chunks per exam section, embedding model and "
                       "collection of the current index (--json adds each file's chunks, text "
                       "encoding and OCR chunks). With FILE: the chunk inspector, that file's "
                       "chunks in order with page or slide, heading path, word pieces and "
                       "whether OCR read them, or the one-line reason ingest refuses it.")
    p.add_argument("files_to_inspect", nargs="*", metavar="FILE",
                   help="show how these files are chunked (indexed or not)")
    p.add_argument("--files", action="store_true", help="also list every indexed file")
    p.add_argument("--json", action="store_true")
    add_common(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("corpus", help="word counts per exam section; checks front matter",
                       description="Print the corpus word counts per exam section and subsection "
                                   "(the README table) and report front-matter problems.")
    p.add_argument("--dir", help="corpus folder (default: corpus/)")
    p.set_defaults(func=cmd_corpus)
