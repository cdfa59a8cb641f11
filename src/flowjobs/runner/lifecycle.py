"""How a `flowjobs run` execution ends when stopped, and how the next one takes over from one that ended badly.

Ctrl-C ends an execution `interrupted` (exit 130); SIGTERM and SIGHUP (a terminal closed, a scheduler's stop)
end it `killed` (exit 128 + the signal), its scripts stopped the same way. A runner killed outright (SIGKILL)
writes nothing: its record still says `running`, and reads as `killed` once its lease is gone
(flowjobs/lease.py). The execution that resumes it writes `killed` into that record for good, ends the
MLflow runs it left RUNNING, and tags its own parent run with the one it resumes, so the MLflow UI links them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import typing

from rich.markup import escape

from flowjobs import records
from flowjobs.records import ExecutionRecord, ExecutionStatus

if typing.TYPE_CHECKING:
    from rich.console import Console

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
TAG_RESUMES = "flowjobs.resumes"  # on a parent run: the execution id it resumed
TAG_RESUMED_RUN = "flowjobs.resumed_run"  # on a parent run: that execution's parent run


def stopped_status(stopped_by: list[int]) -> tuple[ExecutionStatus, int, str]:
    """The record's status, the exit code and the error of an execution stopped by a signal."""
    signum = stopped_by[-1] if stopped_by else signal.SIGINT
    if signum == signal.SIGINT:
        return ExecutionStatus.INTERRUPTED, 130, "interrupted"
    return ExecutionStatus.KILLED, 128 + signum, f"stopped by {signal.Signals(signum).name}"


def mark_killed(record: ExecutionRecord) -> None:
    """Write `killed` into the record of an execution whose runner died without closing it."""
    if record.status != ExecutionStatus.KILLED:
        return
    path = records.execution_dir(record.execution_id) / records.RECORD_FILE
    with contextlib.suppress(OSError):
        record.end = record.end or dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        record.error = record.error or "its runner died before the execution ended"
        partial = path.with_name(f".{records.RECORD_FILE}.killed")
        partial.write_text(record.model_dump_json(indent=1), encoding="utf-8")
        partial.replace(path)


def link_runs(run_id: str | None, resumed: ExecutionRecord, console: Console) -> None:
    """Tag this execution's parent run with the execution it resumes and that execution's parent run."""
    if not run_id:
        return
    from flowjobs import parent_run, tracking

    try:
        old_run = resumed.mlflow_run_id
        if old_run is None and resumed.tracked:
            found = parent_run.find_run(resumed.execution_id)
            old_run = found.info.run_id if found is not None else None
        tags = {TAG_RESUMES: resumed.execution_id, **({TAG_RESUMED_RUN: old_run} if old_run else {})}
        tracking.log_values(run_id, tags=tags)
    except Exception as err:  # the link is a convenience; the execution goes on
        console.print(f"[yellow]warning:[/yellow] parent run {run_id} not linked: {escape(str(err))}")
