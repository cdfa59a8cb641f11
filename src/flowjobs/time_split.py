"""Where a node's time went: waiting for CPUs, start-up, the step's own work, tracking, teardown, the job task.

The job task knows when the script's process started and exited (flowjobs/script_process.py) and how long it
waited for its tier's CPUs (flowjobs/runner/budget.py); the script marks when its main() began and ended and
how long it spent tracking (flowjobs/phases.py). Together they split the attempt:

    waiting for CPUs   before the attempt started (flowjobs run only: pyflyte runs one node at a time)
    start-up           process start → main(): the interpreter and the script's imports
    work               main() less tracking: reading, fitting, scoring, writing outputs
    tracking           MLflow calls (and MLflow's imports) inside the script's tracking blocks
    teardown           main()'s end → the process gone
    job task           the attempt outside the script: inputs written, outputs read, the deck

A script that wrote no marks (it failed, or does not use run_main) has its whole run under "script". The split of
an execution's nodes is shown by flowjobs/status.py (`time_split_rows`, `time_split_table`).
"""

from __future__ import annotations

import typing
from pathlib import Path

from pydantic import BaseModel

from flowjobs import phases

if typing.TYPE_CHECKING:
    from flowjobs.job_spec import Attempt

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
