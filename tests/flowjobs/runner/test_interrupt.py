"""Ctrl-C on `flowjobs run`: every running script stops with all it started (a real H2O JVM and a child in its
own session included), the run exits 130 and its record says interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from flowjobs import records
from flowjobs.script_process import kill_tree, tagged_processes
from tests.support.project import BIN, PROJECT_ROOT, tool
from tests.support.runner.harness import FLOWS

STARTUP_SECONDS = 180  # an H2O JVM takes a while on a busy machine


def notes(folder: Path) -> list[tuple[list[int], str]]:
    """(pids, process tag) each waiting script wrote."""
    found = []
    for path in folder.glob("*.pids"):
        pids, tag = path.read_text().splitlines()
        found.append(([int(pid) for pid in pids.split()], tag))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_ctrl_c_stops_every_script_and_everything_it_started(tmp_path: Path) -> None:
    pid_dir = tmp_path / "pids"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    runner = subprocess.Popen(
        [tool("flowjobs"), "run", str(FLOWS), "interruptible", "--pid_dir", str(pid_dir)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while len(notes(pid_dir)) < 2 and time.monotonic() < deadline and runner.poll() is None:
            time.sleep(0.5)
        started = notes(pid_dir)
        assert len(started) == 2, f"the scripts did not start: {runner.poll()}"
        tagged = [pid for _, tag in started for pid in tagged_processes(tag)]
        commands = {Path(f"/proc/{pid}/comm").read_text().strip() for pid in tagged}
        assert "java" in commands, "the H2O JVM runs, tagged as the script's"

        runner.send_signal(signal.SIGINT)
        _, stderr = runner.communicate(timeout=300)  # a bound for a loaded machine: stopping takes seconds
    finally:
        if runner.poll() is None:
            runner.kill()
        for pids, tag in notes(pid_dir):
            kill_tree(pids[0], tag)

    assert runner.returncode == 130, stderr
    assert "interrupted: stopping every running script" in stderr
    for pids, tag in started:
        assert not tagged_processes(tag), f"left running: {tagged_processes(tag)}"
        assert not [pid for pid in pids if alive(pid)]
    record = records.latest(workflow="interruptible")
    assert record.status == "interrupted"
    assert {entry.status for entry in record.tasks.values()} == {"interrupted"}
