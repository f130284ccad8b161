"""Tables in PDFs, where pypdf's text positions show them.

pypdf's plain text joins a table row's cells with spaces ("Service Serving mode Typical
latency"), and the splitter may then cut a table anywhere, leaving rows without the header
that says what their cells are. The positions pypdf reports for each text run show the
layout: a run of at least three lines that each hold two or more runs starting at the same
column positions is a table. Its first line is the header; the loader makes the table a section
of its own (``Section.table_header``), so every chunk of it starts with the header row.

Only simple grids are recognised (one line per row, one run per cell, as PDF writers draw
most tables); anything else stays plain text, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["PositionedRun", "Table", "find_tables", "run_position"]

_Y_TOLERANCE = 2.0  # points: runs this close vertically are on one line
_X_TOLERANCE = 4.0  # points: cells this close horizontally start one column
_MIN_ROWS = 3  # the header and two rows
_MAX_TABLES = 100  # per page; more "tables" than that is not a table layout


@dataclass(frozen=True)
class PositionedRun:
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class Table:
    columns: tuple[float, ...]  # the x of each column's start
    rows: tuple[tuple[str, ...], ...]  # the first is the header, unless ``continued``

    def line_texts(self) -> list[str]:
        """Each row as pypdf's plain text shows it: the cells joined by spaces."""
        return [" ".join(" ".join(r).split()) for r in self.rows]


def run_position(cm: Any, tm: Any) -> tuple[float, float] | None:
    """Where a text run starts on the page: the text matrix's origin through the CTM."""
    try:
        x0, y0 = float(tm[4]), float(tm[5])
        return (x0 * float(cm[0]) + y0 * float(cm[2]) + float(cm[4]),
                x0 * float(cm[1]) + y0 * float(cm[3]) + float(cm[5]))
    except (TypeError, ValueError, IndexError):
        return None


def _lines(runs: list[PositionedRun]) -> list[list[PositionedRun]]:
    """Runs grouped into lines, top of the page first, each line left to right."""
    lines: list[list[PositionedRun]] = []
    for run in sorted(runs, key=lambda r: (-r.y, r.x)):
        if lines and abs(lines[-1][0].y - run.y) <= _Y_TOLERANCE:
            lines[-1].append(run)
        else:
            lines.append([run])
    return [sorted(line, key=lambda r: r.x) for line in lines]


def _same_columns(line: list[PositionedRun], columns: tuple[float, ...]) -> bool:
    return len(line) == len(columns) and all(
        abs(r.x - c) <= _X_TOLERANCE for r, c in zip(line, columns))


def find_tables(runs: list[PositionedRun], max_runs: int = 20_000) -> list[Table]:
    """The simple grids among one page's runs, top to bottom."""
    if len(runs) > max_runs:  # a page this busy is not read for tables (bounded time)
        return []
    tables: list[Table] = []
    current: list[list[PositionedRun]] = []

    def close() -> None:
        if len(current) >= _MIN_ROWS:
            tables.append(Table(tuple(r.x for r in current[0]),
                                tuple(tuple(" ".join(r.text.split()) for r in line)
                                      for line in current)))
        current.clear()

    for line in _lines(runs):
        if len(line) < 2:
            close()
            continue
        if current and _same_columns(line, tuple(r.x for r in current[0])):
            current.append(line)
            continue
        close()
        current.append(line)
    close()
    return tables if len(tables) <= _MAX_TABLES else []
