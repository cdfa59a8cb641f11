"""Writing an execution's record as it runs (flowjobs/records.py holds what a record is and how it is read back).

`flowjobs run` begins one `Recorder` per execution and files every node and attempt through it; a stock `pyflyte run`
files its job tasks' attempts through `record_attempt`, the job task's attempt hook, and closes its record at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import sys
import threading
import typing
from pathlib import Path

from flowjobs import execution, lease, time_split, tracking_store
from flowjobs.errors import first_line
from flowjobs.job_spec import Attempt
from flowjobs.records import (
    RECORD_FILE,
    AttemptRecord,
    ExecutionRecord,
    ExecutionStatus,
    TaskRecord,
    TaskStatus,
    log,
    now,
    outcome_of,
    record_path,
)

current_node: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("current_node", default=None)
"""(node key, task name) of the node a `flowjobs run` worker runs, so attempts are filed under their node."""


class Recorder:
    """One execution's record, kept in memory and saved on every change; safe to use from several threads."""

    def __init__(self, record: ExecutionRecord):
        self.record = record
        self.path = record_path(record.execution_id)
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
            record.started_ahead = attempt.started_ahead
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
