"""How indexed sources are named: project-relative for the shipped corpus, absolute otherwise.
The chunk list, the manifest and every citation carry this form."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import PROJECT_ROOT

__all__ = ["display_path", "resolve_display_path"]


def display_path(path: Path) -> str:
    """Paths as users see them: project-relative for the shipped corpus, absolute otherwise."""
    p = path.resolve()
    try:
        return p.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(p)


def resolve_display_path(shown: str) -> Path:
    p = Path(shown)
    return p if p.is_absolute() else PROJECT_ROOT / p
