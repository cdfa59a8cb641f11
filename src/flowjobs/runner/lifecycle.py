"""How a `flowjobs run` execution ends when stopped, and how the next one takes over from one that ended badly.

Ctrl-C ends an execution `interrupted` (exit 130); SIGTERM and SIGHUP (a terminal closed, a scheduler's stop)
end it `killed` (exit 128 + the signal), its scripts stopped the same way. A runner killed outright (SIGKILL)
writes nothing: its record still says `running`, and reads as `killed` once its lease is gone
(flowjobs/lease.py). The execution that resumes it writes `killed` into that record for good, ends the
MLflow runs it left RUNNING, and tags its own parent run with the one it resumes (flowjobs/parent_run.py
link_resumed), so the MLflow UI links them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import signal

from flowjobs import records
from flowjobs.records import ExecutionRecord, ExecutionStatus

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


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
    path = records.record_path(record.execution_id)
    with contextlib.suppress(OSError):
        record.end = record.end or dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        record.error = record.error or "its runner died before the execution ended"
        partial = path.with_name(f".{records.RECORD_FILE}.killed")
        partial.write_text(record.model_dump_json(indent=1), encoding="utf-8")
        partial.replace(path)
