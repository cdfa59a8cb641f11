"""A tracked task's logs and deck on its MLflow run, so the MLflow UI shows why a branch did what it did.

An attempt hook of the job task (flowjobs/job_runtime.py): when an attempt of a job task with `tracking=True`
ends, the branch runs its script opened (found by their working-folder tag, the attempt's folder) get the
attempt's stdout/stderr and deck page as artifacts:

    flowjobs/attempt-<n>/stdout.log, stderr.log, deck.html

A failed attempt's logs are logged too (its run ended FAILED). A store that does not answer is a warning: the
attempt's outcome is what the task reports.
"""

from __future__ import annotations

import contextlib
import logging
import typing
from pathlib import Path

from flowjobs import tracking

ARTIFACT_FOLDER = "flowjobs"
LOG_FILES = ("stdout.log", "stderr.log")
log = logging.getLogger("flowjobs")


def attempt_files(folder: Path, deck: Path | None) -> list[Path]:
    files = [Path(folder) / "logs" / name for name in LOG_FILES]
    return [path for path in [*files, *([deck] if deck else [])] if path.is_file()]


def log_files(folder: Path, number: int, deck: Path | None) -> list[str]:
    """Log the attempt's files to every branch run its script opened in `folder`; returns those runs' ids."""
    query = f"{tracking.tag_is(tracking.TAG_WORK_DIR, str(folder))} and "
    query += tracking.tag_is(tracking.TAG_ROLE, tracking.ROLE_BRANCH)
    runs = tracking.runs_anywhere(query)
    client = tracking.client()
    for run in runs:
        for path in attempt_files(folder, deck):
            client.log_artifact(run.info.run_id, str(path), f"{ARTIFACT_FOLDER}/attempt-{number}")
    return [run.info.run_id for run in runs]


@contextlib.contextmanager
def log_to_branch_runs(attempt: typing.Any) -> typing.Iterator[None]:
    """The attempt hook: after a tracked attempt's script ran, its files go to its branch runs."""
    try:
        yield
    finally:
        if attempt.spec.tracking and attempt.run is not None:
            try:
                log_files(attempt.folder, attempt.number, attempt.deck)
            except Exception as err:  # the store may be gone (a fault the attempt reports itself)
                log.warning("logs of %s attempt %d not logged to MLflow: %s", attempt.spec.name, attempt.number, err)
