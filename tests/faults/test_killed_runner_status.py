"""A runner killed outright (SIGKILL) while its task runs: once its runner is gone the execution, its task and
the attempt read `killed`, ended at the record's last write, with a duration that no longer grows (the task read
`running` and its duration kept growing)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from flowjobs import records, status
from tests.support.project import PROJECT_ROOT, tool, wait_for
from tests.support.runner.harness import FLOWS

GONE_WITHIN_SECONDS = 120  # the guard's SIGTERM, its grace, its SIGKILL, on a busy machine


def running_record() -> Path | None:
    for path in (records.state_dir() / "runs").glob(f"*/{records.RECORD_FILE}"):
        tasks = json.loads(path.read_text() or "{}").get("tasks", {})
        if any(entry["status"] == "running" for entry in tasks.values()):
            return path
    return None


def test_a_sigkilled_runner_s_task_reads_killed_with_a_fixed_duration() -> None:
    runner = subprocess.Popen(
        [tool("flowjobs"), "run", str(FLOWS), "long_sleep"],
        cwd=PROJECT_ROOT,
        env=os.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: running_record() is not None, GONE_WITHIN_SECONDS), "the task never started"
        path = running_record()
    finally:
        runner.send_signal(signal.SIGKILL)
        runner.wait()
    assert wait_for(lambda: records.load(path).status == "killed", GONE_WITHIN_SECONDS)
    first = records.list_records()[0]  # as every listing and `flowjobs status` read it
    time.sleep(1.5)
    again = records.list_records()[0]
    (entry,) = again.tasks.values()
    assert entry.status == "killed" and entry.end is not None and entry.attempts[-1].outcome == "killed"
    assert entry.duration == next(iter(first.tasks.values())).duration, "the duration no longer grows"
    assert again.end is not None and again.duration == first.duration
    row = status.task_rows(again)[0]
    assert row["status"] == "killed" and row["duration"] == status.task_rows(first)[0]["duration"]
