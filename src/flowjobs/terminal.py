"""Tables that read in an 80-column terminal: long values (paths, URIs) leave the table for numbered notes below it.

A table of rows (dicts of strings, as flowjobs/status.py makes them) is printed with a light border and tight
padding; the cells of the columns named in `moved` become a reference (`[3]`) and their full values are listed
under the table, one per line, where a terminal can wrap them and a mouse can select them whole.

    show(console, "Execution …", rows, moved=("files",), fold=("task",))
"""

from __future__ import annotations

import typing
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

STYLES = {"succeeded": "green", "done": "green", "cached": "green", "resumed": "green", "failed": "red"}
WIDTH = 80  # what a table must fit in (a terminal's default); wider terminals get the same table
EMPTY = {"", "-"}
RENAMED = {"attempts": "tries", "duration": "took", "exit code": "exit"}  # short headings for short values
STATUS_MOVED = ("mlflow", "files")  # `flowjobs status`: what leaves its tables for the notes below
STATUS_FOLD = ("task", "workflow")  # the only columns that wrap


def short_path(value: str) -> str:
    """A path under the current folder as a relative path (what a user types next); others as they are."""
    try:
        return str(Path(value).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return value


def narrow_table(
    title: str, columns: list[str], justify: dict[str, str] | None = None, fold: typing.Sequence[str] = ()
) -> Table:
    """A table for narrow terminals: horizontal rules only, one space between columns; only the `fold` columns
    (names) wrap, the others (ids, times, numbers) keep their width."""
    made = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
    )
    for column in columns:
        wraps = column in fold or not fold
        made.add_column(column, justify=(justify or {}).get(column, "left"), overflow="fold", no_wrap=not wraps)
    return made


def cell(column: str, value: str) -> str:
    """A cell's markup: a status is coloured by its value, anything else is shown as it is."""
    return f"[{STYLES[value]}]{value}[/]" if column == "status" and value in STYLES else value.replace("[", r"\[")


def fitted(
    title: str,
    rows: list[dict[str, str]],
    moved: typing.Sequence[str] = (),
    fold: typing.Sequence[str] = (),
    justify: dict[str, str] | None = None,
    numbered_after: int = 0,
) -> tuple[Table, list[str]]:
    """The table, and the moved columns' values as numbered notes (`[n] column: value`) for below it, numbered on
    from `numbered_after` (the notes of a table printed above it)."""
    columns = list(rows[0]) if rows else ["(none)"]
    table = narrow_table(title, columns, justify, fold)
    notes: list[str] = []
    for row in rows:
        cells = []
        for column, value in row.items():
            if column in moved and value not in EMPTY:
                number = numbered_after + len(notes) + 1
                notes.append(f"[{number}] {column}: {value}")
                value = f"[{number}]"
            cells.append(cell(column, value))
        table.add_row(*cells)
    for column in table.columns:  # a name wraps between its words, never inside one
        if column.header in fold:
            words = [word for row in rows for word in str(row.get(str(column.header), "")).split()]
            column.min_width = max((len(word) for word in words), default=None)
    return table, notes


def execution_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """`flowjobs status`'s executions in 80 columns: no runner and no start (the execution's own view says them;
    a local execution's id holds its start), the task counts as ok/failed/all; the MLflow run goes below."""
    short = []
    for row in rows:
        kept = {
            RENAMED.get(key, key): value for key, value in row.items() if key not in ("runner", "start", "MLflow run")
        }
        kept["tasks"] = kept.pop("tasks ok/failed/all", "-")
        kept["mlflow"] = row.get("MLflow run", "-")
        short.append(kept)
    return short


def task_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """One execution's tasks in 80 columns: start and duration (no end), `exit` for the exit code, and the log
    folder and report page as one note below the table."""
    short = []
    for row in rows:
        renamed = {RENAMED.get(key, key): value for key, value in row.items()}
        kept = {key: value for key, value in renamed.items() if key not in ("end", "logs", "report")}
        files = [short_path(row[key]) for key in ("logs", "report") if row.get(key, "-") not in EMPTY]
        kept["files"] = "  ".join(files) or "-"
        short.append(kept)
    return short


def attempt_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The attempts of retried or failed tasks in 80 columns: no end and no error (the record and the execution's
    page have them), the log folder as a note."""
    short = []
    for row in rows:
        kept = {key: value for key, value in row.items() if key not in ("end", "logs", "error")}
        kept["files"] = short_path(row["logs"]) if row.get("logs", "-") not in EMPTY else "-"
        short.append(kept)
    return short


def show(console: Console, title: str, rows: list[dict[str, str]], moved=(), fold=(), numbered_after: int = 0) -> int:
    """Print the table, then its notes unbroken (a terminal wraps a long path itself; a copy gets it whole); returns
    the number of the last note."""
    if not rows:  # a title alone, not squeezed into an empty table's width
        console.print(f"{title}: none", highlight=False, markup=False)
        return numbered_after
    table, notes = fitted(title, rows, moved, fold, numbered_after=numbered_after)
    console.print(table)
    for note in notes:
        console.print(note, soft_wrap=True, highlight=False, markup=False)
    return numbered_after + len(notes)
