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
run`, and by task name under `pyflyte run`. Read records with `load`, `list_records` (newest first) and `latest`.
The file is rewritten whole (write, then rename) on every change, so a reader never sees half a record.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import datetime as dt
import logging
import sys
import threading
import typing
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from flowjobs import execution, lease, time_split, tracking_store
from flowjobs.errors import first_line
from flowjobs.job_spec import Attempt
from flowjobs.settings import ENV_STATE_DIR, execution_dir, state_dir  # noqa: F401 (records.*)
from flowjobs.time_split import TimeSplit

RECORD_FILE = "record.json"
GUARD_WAIT_SECONDS = 120.0  # a dead runner's guard: SIGTERM, its grace, SIGKILL, on a busy machine
log = logging.getLogger("flowjobs")

current_node: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("current_node", default=None)
"""(node key, task name) of the node a `flowjobs run` worker runs, so attempts are filed under their node."""


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


class Recorder:
    """One execution's record, kept in memory and saved on every change; safe to use from several threads."""

    def __init__(self, record: ExecutionRecord):
        self.record = record
        self.path = execution_dir(record.execution_id) / RECORD_FILE
        self.lease = lease.hold(self.path.parent)  # held until this process ends: the execution is alive
        record.runner_process = record.runner_process or lease.this_process()
        self.lock = threading.RLock()
        self.unwritable = False
        self.tracking_uri: str | None = None  # the store of the job tasks with tracking=True, once one ran
        self.listeners: list[typing.Callable[[str, TaskRecord], None]] = []  # told of every task change
        self.save()

    def save(self) -> None:
        """Write the record; a record that cannot be written is a warning, never a failed task."""
        with self.lock:
            partial = self.path.with_name(f".{RECORD_FILE}.{threading.get_ident()}")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                partial.write_text(self.record.model_dump_json(indent=1), encoding="utf-8")
                partial.replace(self.path)
            except OSError as err:
                with contextlib.suppress(OSError):
                    partial.unlink(missing_ok=True)  # a full disk: no partial copy left behind
                if not self.unwritable:
                    log.warning("execution record %s not written: %s", self.path, err)
                self.unwritable = True

    def task(self, key: str, **changes: typing.Any) -> TaskRecord:
        """Create or update the task filed under `key` (the first call must give its name and task)."""
        with self.lock:
            entry = self.record.tasks.get(key)
            if entry is None:
                entry = self.record.tasks[key] = TaskRecord(**changes)
            else:
                for field, value in changes.items():
                    setattr(entry, field, value)
            self.save()
            for listener in self.listeners:
                listener(key, entry)
            return entry

    def attempt_started(self, key: str, attempt: Attempt) -> None:
        with self.lock:
            if attempt.spec.tracking and self.tracking_uri is None:
                self.tracking_uri = tracking_store.tracking_uri()
                self.record.tracked = True
            entry = self.record.tasks.get(key)
            if entry is None:
                entry = self.task(key, name=attempt.spec.name.rsplit(".", 1)[-1], task=attempt.spec.name)
            logs = attempt.folder / "logs"
            entry.attempts.append(AttemptRecord(number=attempt.number, start=now(), folder=str(attempt.folder)))
            self.task(
                key,
                tier=attempt.tier.name,
                status=TaskStatus.RUNNING,
                start=entry.start or entry.attempts[-1].start,
                end=None,
                stdout_log=str(logs / "stdout.log"),
                stderr_log=str(logs / "stderr.log"),
            )

    def attempt_ended(self, key: str, attempt: Attempt, error: BaseException | None) -> None:
        with self.lock:
            entry = self.record.tasks[key]
            record = entry.attempts[-1]
            record.end = now()
            run = attempt.run
            record.script_seconds = run.duration if run else None
            record.time_split = time_split.split(attempt, (record.end - record.start).total_seconds())
            kept = _keep_files(self.record.execution_id, key, attempt)
            deck = str(kept.get("deck.html") or attempt.deck) if attempt.deck else None
            logs = {f"{name.split('.')[0]}_log": str(path) for name, path in kept.items() if name.endswith(".log")}
            code = run.returncode if run else None
            timed_out = bool(run and run.timed_out)
            self.close_attempt(key, attempt.number == attempt.attempts, error, code, timed_out=timed_out, **logs)
            if deck:
                self.task(key, deck=deck)

    def open_attempt(self, key: str, number: int, folder: Path | None = None) -> None:
        """An attempt the runner makes itself (a plain task, a map item) starts: the task is running."""
        with self.lock:
            entry = self.record.tasks[key]
            entry.attempts.append(AttemptRecord(number=number, start=now(), folder=str(folder) if folder else None))
            self.task(key, status=TaskStatus.RUNNING, start=entry.start or entry.attempts[-1].start, end=None)

    def stamp_attempt_end(self, key: str) -> None:
        """The open attempt's end, taken as its task gives back its CPUs (its outcome follows)."""
        with self.lock:
            entry = self.record.tasks[key]
            if entry.attempts and entry.attempts[-1].outcome is None:
                entry.attempts[-1].end = now()
                self.task(key, end=entry.attempts[-1].end)

    def close_attempt(
        self,
        key: str,
        last: bool,
        error: BaseException | None,
        exit_code: int | None = None,
        exit_signal: int | None = None,
        timed_out: bool = False,
        stdout_log: str | None = None,
        stderr_log: str | None = None,
    ) -> None:
        """The open attempt's outcome, exit and kept logs; the task's status follows (a failed attempt that is not
        the `last` one leaves it running: another attempt comes)."""
        with self.lock:
            entry = self.record.tasks[key]
            if not entry.attempts or entry.attempts[-1].outcome is not None:
                return  # it never started (stopped while waiting for its CPUs)
            record = entry.attempts[-1]
            record.end = record.end or now()
            record.outcome = outcome_of(error, timed_out)
            if exit_signal is None and exit_code is not None and exit_code < 0:
                exit_signal = -exit_code
            record.exit_code, record.exit_signal, record.timed_out = exit_code, exit_signal, timed_out
            record.stdout_log, record.stderr_log = stdout_log, stderr_log
            record.error = first_line(error) if error else None
            status = TaskStatus.DONE if error is None else TaskStatus.RUNNING
            if error is not None and (last or not isinstance(error, Exception)):
                status = TaskStatus.FAILED if isinstance(error, Exception) else TaskStatus.INTERRUPTED
            logs = {"stdout_log": stdout_log, "stderr_log": stderr_log} if stdout_log or stderr_log else {}
            self.task(key, status=status, end=record.end, exit_code=exit_code, error=record.error, **logs)

    def finish(self, status: ExecutionStatus, error: str | None = None) -> None:
        with self.lock:
            self.record.status, self.record.end, self.record.error = status, now(), error
            self.save()

    def release(self) -> None:
        """The execution has ended and its results are put away: another may now resume it."""
        lease.release(self.lease)

    def finish_from_tasks(self) -> None:
        """Close a record nobody finishes explicitly (a `pyflyte run` process at exit) from its tasks' states."""
        if self.record.status != ExecutionStatus.RUNNING:
            return
        states = {entry.status for entry in self.record.tasks.values()}
        if TaskStatus.FAILED in states:
            self.finish(ExecutionStatus.FAILED)
        elif states & {TaskStatus.RUNNING, TaskStatus.INTERRUPTED}:
            self.finish(ExecutionStatus.INTERRUPTED)
        else:
            self.finish(ExecutionStatus.SUCCEEDED)


StockRunCloser = typing.Callable[[Recorder], object]


def _keep_files(execution_id: str, key: str, attempt: Attempt) -> dict[str, Path]:
    """The attempt's logs and deck copied beside the record, out of the temp folder (flowjobs/kept_files.py)."""
    from flowjobs import kept_files

    return kept_files.keep(execution_id, key, attempt.number, attempt.folder, attempt.deck)


_recorders: dict[str, Recorder] = {}
_recorders_lock = threading.Lock()


def begin(record: ExecutionRecord) -> Recorder:
    """Start the record of an execution this process runs from start to end (`flowjobs run`)."""
    with _recorders_lock:
        _recorders[record.execution_id] = Recorder(record)
        return _recorders[record.execution_id]


def _recorder_for_pyflyte(execution_id: str, on_exit: StockRunCloser | None = None) -> Recorder:
    with _recorders_lock:
        if execution_id not in _recorders:
            recorder = Recorder(ExecutionRecord(execution_id=execution_id, runner="pyflyte run", command=sys.argv))
            atexit.register(_close_stock_run, recorder, on_exit)
            _recorders[execution_id] = recorder
        return _recorders[execution_id]


def _close_stock_run(recorder: Recorder, on_exit: StockRunCloser | None) -> None:
    """At the exit of a `pyflyte run` process: close the record, and put its tasks on the MLflow parent run (the
    job runtime passes flowjobs/parent_run.py's closer: the records know nothing of MLflow)."""
    recorder.finish_from_tasks()
    if recorder.tracking_uri is not None and on_exit is not None:
        try:
            on_exit(recorder)
        except Exception as err:  # the record is complete locally; the store may have gone away
            execution_id = recorder.record.execution_id
            log.warning("the MLflow parent run of execution %s was not updated: %s", execution_id, err)
    recorder.release()


def _key(attempt: Attempt) -> str:
    """The task's key in the record: its node (and its name, inside a node) under `flowjobs run`, else its name."""
    node = current_node.get()
    if node is None:
        return attempt.spec.name
    return node[0] if attempt.spec.name == node[1] else f"{node[0]}/{attempt.spec.name.rsplit('.', 1)[-1]}"


def kept_folder(attempt: Attempt) -> Path | None:
    """Where a local execution keeps this attempt's logs and deck once it ends (what a user is told to open: the
    attempt's own folder is a temp one), or None outside a local execution."""
    from flowjobs import kept_files

    if not execution.is_local_execution():
        return None
    return kept_files.attempt_dir(execution.execution_id(), _key(attempt), attempt.number)


@contextlib.contextmanager
def record_attempt(attempt: Attempt, on_stock_exit: StockRunCloser | None = None) -> typing.Iterator[None]:
    """The job task's attempt hook: file the attempt, and how it ended, in the local execution's record; a stock
    `pyflyte run` process calls `on_stock_exit` with its record as it exits."""
    if not execution.is_local_execution():
        yield
        return
    execution_id = execution.execution_id()
    recorder = _recorders.get(execution_id) or _recorder_for_pyflyte(execution_id, on_stock_exit)
    key = _key(attempt)
    recorder.attempt_started(key, attempt)
    try:
        yield
    except BaseException as err:
        recorder.attempt_ended(key, attempt, err)
        raise
    recorder.attempt_ended(key, attempt, None)
