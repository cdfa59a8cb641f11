"""Where a node's time went: waiting for CPUs, start-up, the step's own work, tracking, teardown, the job task.

The job task knows when the script's process started and exited (helpers/script_process.py) and how long it
waited for its tier's CPUs (helpers/runner/budget.py); the script marks when its main() began and ended and
how long it spent tracking (helpers/phases.py). Together they split the attempt:

    waiting for CPUs   before the attempt started (flowjobs run only: pyflyte runs one node at a time)
    start-up           process start → main(): the interpreter and the script's imports
    work               main() less tracking: reading, fitting, scoring, writing outputs
    tracking           MLflow calls (and MLflow's imports) inside the script's tracking blocks
    teardown           main()'s end → the process gone
    job task           the attempt outside the script: inputs written, outputs read, the deck

A script that wrote no marks (it failed, or does not use run_main) has its whole run under "script".
"""

from __future__ import annotations

import statistics
import typing
from pathlib import Path

from pydantic import BaseModel

from helpers import phases

if typing.TYPE_CHECKING:
    from rich.table import Table

    from helpers.job_runtime import Attempt
    from helpers.runner.records import ExecutionRecord

COLUMNS = {
    "cpu_wait": "waiting for CPUs",
    "start_up": "start-up",
    "work": "work",
    "tracking": "tracking",
    "teardown": "teardown",
    "job_task": "job task",
}


class TimeSplit(BaseModel):
    """One attempt's seconds by phase; None where the script wrote no marks."""

    cpu_wait: float = 0.0
    script: float = 0.0
    start_up: float | None = None
    work: float | None = None
    tracking: float | None = None
    teardown: float | None = None
    job_task: float = 0.0

    @property
    def overhead(self) -> float | None:
        """What a node costs beyond its step: start-up and teardown."""
        return None if self.start_up is None or self.teardown is None else self.start_up + self.teardown


def split(attempt: Attempt, attempt_seconds: float) -> TimeSplit | None:
    """The attempt's split, from its script's run and the marks file beside its logs."""
    run = attempt.run
    if run is None or not run.started_at:
        return None
    found = TimeSplit(
        cpu_wait=round(attempt.cpu_wait, 3),
        script=round(run.exited_at - run.started_at, 3),
        job_task=round(max(attempt_seconds - run.duration, 0.0), 3),
    )
    marks = phases.read(Path(attempt.folder) / "logs" / phases.MARKS_FILE)
    if marks is None:
        return found
    tracking = marks["tracking_seconds"]
    found.start_up = round(max(marks["main_start"] - run.started_at, 0.0), 3)
    found.work = round(max(marks["main_end"] - marks["main_start"] - tracking, 0.0), 3)
    found.tracking = round(tracking, 3)
    found.teardown = round(max(run.exited_at - marks["main_end"], 0.0), 3)
    return found


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def rows(record: ExecutionRecord) -> list[dict[str, str]]:
    """One row per task that ran (its attempts' splits added up), then the median overhead per node."""
    shown, overheads = [], []
    for entry in record.tasks.values():
        splits = [attempt.time_split for attempt in entry.attempts if attempt.time_split is not None]
        if not splits:
            continue
        row = {"task": entry.name}
        for field, title in COLUMNS.items():
            values = [getattr(each, field) for each in splits]
            row[title] = _seconds(None if None in values else sum(values))
        row["script"] = _seconds(sum(each.script for each in splits))
        last = splits[-1].overhead
        row["overhead"] = _seconds(last)
        if last is not None:
            overheads.append(last)
        shown.append(row)
    if overheads:
        median = {title: "" for title in shown[0]}
        shown.append({**median, "task": "median per node", "overhead": _seconds(statistics.median(overheads))})
    return shown


def table(record: ExecutionRecord) -> Table | None:
    """The split as a rich table (seconds), or None when no task recorded one."""
    from rich.table import Table

    found = rows(record)
    if not found:
        return None
    shown = Table(
        title=f"Where each node's time went (seconds; overhead = start-up + teardown) in {record.execution_id}",
        title_justify="left",
    )
    for column in found[0]:
        shown.add_column(column, justify="left" if column == "task" else "right")
    for row in found:
        shown.add_row(*row.values())
    return shown
