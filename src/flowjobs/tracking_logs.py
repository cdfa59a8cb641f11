"""A tracked task's logs and deck on its MLflow run, so the MLflow UI shows why a branch did what it did.

An attempt hook of the job task (flowjobs/job_runtime.py): when an attempt of a job task with `tracking=True`
ends, the branch runs its script opened (found by their working-folder tag, the attempt's folder) get the
attempt's stdout/stderr and deck page as artifacts:

    flowjobs/attempt-<n>/stdout.log, stderr.log, deck.html

A failed attempt's logs are logged too (its run ended FAILED). A store that does not answer is a warning: the
attempt's outcome is what the task reports. Under `flowjobs run` with an MLflow process (flowjobs/parent_run_process.py)
the files are handed to it (`handed_to`): the attempt's thread neither imports MLflow nor waits for the store, so
the nodes after it start at once.
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
Send = typing.Callable[[str, Path, int, "Path | None"], None]  # task, attempt folder, attempt number, deck
_send: Send | None = None


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
def handed_to(send: Send) -> typing.Iterator[None]:
    """While it lasts, the attempts' files are handed to `send` (a runner's MLflow process), not logged here."""
    global _send
    previous, _send = _send, send
    try:
        yield
    finally:
        _send = previous


@contextlib.contextmanager
def log_to_branch_runs(attempt: typing.Any) -> typing.Iterator[None]:
    """The attempt hook: after a tracked attempt's script ran, its files go to its branch runs."""
    try:
        yield
    finally:
        send = _send
        if attempt.spec.tracking and attempt.run is not None and send is not None:
            send(attempt.spec.name, attempt.folder, attempt.number, attempt.deck)
        elif attempt.spec.tracking and attempt.run is not None:
            try:
                log_files(attempt.folder, attempt.number, attempt.deck)
            except Exception as err:  # the store may be gone (a fault the attempt reports itself)
                log.warning("logs of %s attempt %d not logged to MLflow: %s", attempt.spec.name, attempt.number, err)
