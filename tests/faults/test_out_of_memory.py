"""A plain task's worker ended by the kernel's out-of-memory killer (a real one: the task joins a memory cgroup of
64 MiB and allocates 512 MiB): the failure line, the record and `flowjobs status` say the signal and the exit
code, and what the task printed is kept. It was "its worker process died while running it", nothing more."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowjobs import status
from tests.support.runner.harness import run_flow

LIMIT = 64 * 1024 * 1024


@pytest.fixture
def memory_cgroup() -> Iterator[Path]:
    """A memory cgroup of LIMIT bytes: cgroup v1's memory hierarchy, else v2's."""
    v1, v2 = Path("/sys/fs/cgroup/memory"), Path("/sys/fs/cgroup")
    name = f"flowjobs-test-oom-{os.getpid()}"
    folder = v1 / name if v1.is_dir() else v2 / name
    folder.mkdir()
    (folder / ("memory.limit_in_bytes" if v1.is_dir() else "memory.max")).write_text(str(LIMIT))
    with contextlib.suppress(OSError):
        (folder / "memory.swappiness").write_text("0")  # v1: killed, not swapped out
    try:
        yield folder
    finally:
        folder.rmdir()  # its one process was killed


def test_an_oom_killed_worker_is_recorded_with_its_signal_exit_code_and_logs(memory_cgroup: Path) -> None:
    ran = run_flow("out_of_memory", "--cgroup", str(memory_cgroup))
    assert ran.code == 1, ran.log
    failed = next(line for line in ran.log.splitlines() if line.startswith("failed:"))
    assert failed.endswith(
        "its worker process died while running it (killed by signal 9, SIGKILL, exit code 137; "
        "out of memory: the kernel's OOM killer ended it)"
    ), failed
    entry = next(iter(ran.record.tasks.values()))
    attempt = entry.attempts[-1]
    assert entry.status == "failed" and attempt.exit_signal == 9 and "out of memory" in entry.error
    kept = Path(attempt.stdout_log)
    assert kept.read_text() == "allocating past the limit\n", "what it printed before it died is kept"
    row = status.task_rows(ran.record)[0]
    assert row["exit code"] == "signal 9" and row["logs"] == str(kept.parent)
