"""Execution records: what one local flow execution ran, task by task, as JSON that tools can read back.

Every local execution writes one: `flowjobs run` records every node (cached, resumed and skipped ones too),
and a stock `pyflyte run` records each job task attempt through the job task's attempt hook (and, when it
exits, puts the tasks on the execution's MLflow parent run if it has one: flowjobs/parent_run.py).

    <state>/runs/<execution id>/record.json     <state> is $FLOWJOBS_STATE_DIR, else <project>/.flowjobs

    {"execution_id": "local-20261122-101500-ab12cd", "runner": "flowjobs run", "workflow": "model_training",
     "file": "/.../flows/sample_flow.py", "status": "succeeded", "start": "...", "end": "...", "inputs": {...},
     "tasks": {"n0": {"name": "load_data_a", "task": "flows.sample_flow.load_data_a", "tier": "Small",
                      "status": "done", "start": "...", "end": "...", "exit_code": 0,
                      "stdout_log": ".../logs/stdout.log", "stderr_log": ".../logs/stderr.log",
                      "attempts": [{"number": 1, "start": "...", "end": "...", "exit_code": 0, ...}]}}}

Tasks are keyed by node id ("n0"; "n2/n1" inside a subworkflow, conditional or @dynamic node) under `flowjobs
run`, and by task name under `pyflyte run`. Read records with `load`, `list_records` (newest first) and `latest`;
flowjobs/recorder.py writes them.
The file is rewritten whole (write, then rename) on every change, so a reader never sees half a record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import typing
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from flowjobs import lease
from flowjobs.settings import ENV_STATE_DIR, execution_dir, state_dir  # noqa: F401 (records.*)
from flowjobs.time_split import TimeSplit

RECORD_FILE = "record.json"
GUARD_WAIT_SECONDS = 120.0  # a dead runner's guard: SIGTERM, its grace, SIGKILL, on a busy machine
log = logging.getLogger("flowjobs")


def record_path(execution_id: str) -> Path:
    """Where an execution's record lies: <state>/runs/<execution id>/record.json."""
    return execution_dir(execution_id) / RECORD_FILE


class TaskStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CACHED = "cached"  # a cached task whose inputs and version were seen before: not run
    RESUMED = "resumed"  # done in the failed execution this one resumes: not run again
    SKIPPED = "skipped"  # never started: something it needs failed
    INTERRUPTED = "interrupted"  # stopped by Ctrl-C
    KILLED = "killed"  # running or waiting when its runner died: ended at the record's last write


class ExecutionStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    KILLED = "killed"  # its runner died (a signal, a crash): the record says `running`, the lease is gone


FINISHED_OK = {TaskStatus.DONE, TaskStatus.CACHED, TaskStatus.RESUMED}


def now() -> dt.datetime:
    return dt.datetime.now().astimezone()


class AttemptOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed out"
    INTERRUPTED = "interrupted"  # stopped by Ctrl-C or a signal to the runner
    KILLED = "killed"  # open when its runner died


def outcome_of(error: BaseException | None, timed_out: bool = False) -> AttemptOutcome:
    if error is None:
        return AttemptOutcome.SUCCEEDED
    if timed_out or isinstance(error, TimeoutError):
        return AttemptOutcome.TIMED_OUT
    return AttemptOutcome.FAILED if isinstance(error, Exception) else AttemptOutcome.INTERRUPTED


class AttemptRecord(BaseModel):
    """One attempt of a task, whatever its kind: a job task's script, a plain task or a map item in a worker."""

    number: int
    start: dt.datetime
    end: dt.datetime | None = None
    outcome: AttemptOutcome | None = None  # None while it runs (and in records written before outcomes were kept)
    exit_code: int | None = None
    exit_signal: int | None = None  # the signal that ended its process (a segfault, a kill at its timeout)
    timed_out: bool = False
    script_seconds: float | None = None  # the script's own run, start to exit: the rest of the attempt is overhead
    started_ahead: bool = False  # its script's process was started before its turn (flowjobs/runner/prestart.py)
    folder: str | None = None  # a job task's attempt folder; a plain task's kept files (logs, checkpoint)
    stdout_log: str | None = None  # what the attempt printed, kept beside the record (flowjobs/kept_files.py)
    stderr_log: str | None = None
    error: str | None = None
    time_split: TimeSplit | None = None  # start-up, waiting for CPUs, work, tracking, teardown (time_split.py)


class TaskRecord(BaseModel):
    name: str
    task: str
    tier: str | None = None
    status: TaskStatus = TaskStatus.PENDING
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    exit_code: int | None = None
    stdout_log: str | None = None
    stderr_log: str | None = None
    cache_key: str | None = None
    error: str | None = None
    deck: str | None = None  # the task's report page (flowjobs/decks.py), when its script wrote one
    attempts: list[AttemptRecord] = Field(default_factory=list)

    @property
    def duration(self) -> float | None:
        if self.start is None:
            return None
        return ((self.end or now()) - self.start).total_seconds()


class ExecutionRecord(BaseModel):
    execution_id: str
    runner: str
    workflow: str | None = None
    file: str | None = None
    command: list[str] = Field(default_factory=list)
    status: ExecutionStatus = ExecutionStatus.RUNNING
    start: dt.datetime = Field(default_factory=now)
    end: dt.datetime | None = None
    inputs: dict[str, str] = Field(default_factory=dict)
    mlflow_run_id: str | None = None
    resumes: str | None = None  # the ended execution whose results this one resumed
    tracked: bool = False  # a job task with tracking=True ran: its MLflow runs carry this execution id
    runner_process: lease.Runner | None = None  # whose life is the execution's (flowjobs/lease.py)
    error: str | None = None
    tasks: dict[str, TaskRecord] = Field(default_factory=dict)
    temp_folders: list[str] = Field(default_factory=list)  # the runner's flytekit temp folders (/tmp/flyte…)

    @property
    def duration(self) -> float:
        return ((self.end or now()) - self.start).total_seconds()


def load(path: Path) -> ExecutionRecord:
    """A record as written; one still `running` whose runner is provably gone (or, for a record that names no
    runner, holds no lease any more) reads as `killed` (its guard may still be ending its processes)."""
    record = ExecutionRecord.model_validate_json(Path(path).read_text(encoding="utf-8"))
    runner = _claimed_runner(record)
    if record.status == ExecutionStatus.RUNNING and (
        (runner is not None and runner.gone()) or not lease.held(Path(path).parent, runner)
    ):
        record.status = ExecutionStatus.KILLED
    return record


def _claimed_runner(record: ExecutionRecord) -> lease.Runner | None:
    """The process a record still `running` names as its runner (a record its runner closed names none: the
    process may live on, as a test's does, running other executions)."""
    return record.runner_process if record.status == ExecutionStatus.RUNNING else None


def _readable() -> typing.Iterator[ExecutionRecord]:
    """The records, most recently written first, read one at a time."""
    paths = []
    for path in (state_dir() / "runs").glob(f"*/{RECORD_FILE}"):
        with contextlib.suppress(OSError):
            paths.append((path.stat().st_mtime, path))
    for _, path in sorted(paths, reverse=True):
        with contextlib.suppress(OSError, ValueError):
            record = load(path)
            if record.status == ExecutionStatus.KILLED:
                _ended_with_its_runner(record, path)
            yield record


def unreadable() -> list[tuple[Path, str]]:
    """The records that cannot be read (truncated, not JSON, not a record), each with why, newest first."""
    found = []
    for path in sorted((state_dir() / "runs").glob(f"*/{RECORD_FILE}"), reverse=True):
        try:
            load(path)
        except ValidationError as err:
            problem = err.errors()[0]
            found.append((path, f"{problem['msg']}" + (f" at {problem['loc']}" if problem["loc"] else "")))
        except (OSError, ValueError) as err:
            found.append((path, str(err).splitlines()[0]))
    return found


def _ended_with_its_runner(record: ExecutionRecord, path: Path) -> None:
    """An execution whose runner died: it, and each task and attempt still open, ended at the record's last write
    (the last moment its runner is known to have lived), so none reads `running` with a duration that grows (every
    listing, `flowjobs status`, and the resume that writes `killed` for good read records here)."""
    try:
        ended = dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    except OSError:
        return
    record.end = record.end or ended
    for entry in record.tasks.values():
        if entry.status not in (TaskStatus.RUNNING, TaskStatus.PENDING):
            continue
        entry.status = TaskStatus.KILLED
        if entry.start is not None:
            entry.end = entry.end or max(entry.start, record.end)
        for attempt in entry.attempts:
            if attempt.outcome is None:
                attempt.outcome = AttemptOutcome.KILLED
                attempt.end = attempt.end or max(attempt.start, record.end)


def list_records() -> list[ExecutionRecord]:
    """Every readable record, newest (by start) first."""
    return sorted(_readable(), key=lambda record: record.start, reverse=True)


def resumable(
    workflow: str, file: str, runner: str, warn: typing.Callable[[str], None] = log.warning
) -> tuple[ExecutionRecord, lease.Lock] | None:
    """The latest ended execution of this workflow, with the claim to resume it, when it did not succeed.

    Executions whose runner lives are passed over: they are not failed, only running beside this one. One whose
    runner died but whose guard still ends its processes is waited for: its tasks are gone before this one runs
    them again. An ended execution another live execution already resumes is left to it (None)."""
    for record in _readable():
        if (record.workflow, record.file, record.runner) != (workflow, file, runner):
            continue
        folder = execution_dir(record.execution_id)
        if problem := lease.shape_problem(folder):
            warn(f"execution {record.execution_id}: {problem}")
        runner_process = _claimed_runner(record)
        if runner_process is not None and not runner_process.alive():
            lease.wait_released(folder, GUARD_WAIT_SECONDS)
        if lease.held(folder, runner_process):
            continue
        if record.status == ExecutionStatus.SUCCEEDED:
            return None
        claimed = lease.claim(folder, runner_process)
        return (record, claimed) if claimed is not None else None
    return None


def latest(workflow: str | None = None, file: str | None = None, runner: str | None = None) -> ExecutionRecord | None:
    """The most recently written record matching what is given."""
    wanted = {"workflow": workflow, "file": file, "runner": runner}
    for record in _readable():
        if all(value is None or getattr(record, key) == value for key, value in wanted.items()):
            return record
    return None
