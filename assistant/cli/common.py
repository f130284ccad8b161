"""What every command module of the ``assistant`` command shares: exit codes, settings from the
arguments, the common options, retrieval filters and JSON output.

Public on purpose: the command modules import these names, so none of them is private.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.answer import Assistant
    from assistant.retrieve import Filters
    from assistant.settings import Settings

__all__ = ["EXIT_OK", "EXIT_PARTIAL", "EXIT_ERROR", "Parser", "settings_from_args",
           "print_json", "add_common", "add_filters", "filters_from_args", "make_assistant"]

EXIT_OK, EXIT_PARTIAL, EXIT_ERROR = 0, 1, 2


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings, with ``--index-dir`` and ``--backend`` applied when the command has them."""
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


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index-dir", help="index location (default: ./index, or ASSISTANT_INDEX_DIR)")


def add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--domain", type=int, choices=range(0, 7), metavar="N",
                   help="only passages of exam section N (1-6; 0 = about the exam)")
    p.add_argument("--section", help="only passages of one subsection, e.g. 3.2")
    p.add_argument("--source", help="only passages from this file or folder")


def filters_from_args(args: argparse.Namespace) -> Filters:
    from assistant.retrieve import Filters

    source = args.source
    if source and Path(source).exists():
        # Indexed sources are shown project-relative or absolute; a path typed relative to the
        # current directory ("./notes/guide.pdf") is turned into that same form.
        from assistant.index import display_path

        source = display_path(Path(source)) + ("/" if Path(source).is_dir() else "")
    return Filters(domain=args.domain, section=args.section, source=source)


def make_assistant(args: argparse.Namespace, settings: Settings | None = None) -> Assistant:
    """The answering service for a command: its settings from the arguments unless given."""
    from assistant.answer import Assistant

    return Assistant(settings or settings_from_args(args))


class Parser(argparse.ArgumentParser):
    """argparse prints the whole usage block before its error; users get one line instead,
    with the command's --help as the fix. Subparsers inherit this class."""

    def error(self, message: str) -> Any:
        self.exit(EXIT_ERROR, f"error: {' '.join(message.split())}; see '{self.prog} --help'\n")
