"""Nothing a task starts outlives it or its runner: a plain task's setsid daemon and double-forked grandchild after
it succeeds, its child after its timeout, a job task's child with a cleaned environment, and every worker of a
`flowjobs run` killed with SIGKILL; the re-run after that kill does not see the killed task's side effect twice."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.project import BIN, PROJECT_ROOT, tool
from tests.support.runner.harness import run_flow

FLOW = str(PROJECT_ROOT / "tests" / "support" / "runner" / "runaway_flow.py")
STARTUP_SECONDS = 300


def living(folder: Path) -> dict[str, int]:
    """The processes that wrote their pid into `folder` and still run (a zombie has ended)."""
    alive = {}
    for path in folder.iterdir():
        pid = int(path.name.rsplit("-", 1)[1])
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            alive[path.name] = pid
    return alive


@pytest.fixture
def pid_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "pids"
    folder.mkdir()
    monkeypatch.setenv("RUNAWAY_PIDS", str(folder))
    yield folder
    for pid in living(folder).values():  # a failed test leaves nothing either
        os.kill(pid, signal.SIGKILL)


def test_a_plain_tasks_daemon_and_double_fork_end_with_its_success(pid_dir: Path) -> None:
    outcome = run_flow("daemons", file=FLOW)
    assert outcome.code == 0, outcome.log
    assert {name.split("-")[0] for name in pid_dir.iterdir() for name in [name.name]} == {"daemon", "grandchild"}
    assert living(pid_dir) == {}


def test_a_plain_tasks_child_ends_with_its_timeout(pid_dir: Path) -> None:
    outcome = run_flow("timed_out_child", file=FLOW)
    assert outcome.code == 1
    assert "timed out after 3s; its worker was killed" in outcome.log
    assert [path.name.split("-")[0] for path in pid_dir.iterdir()] == ["child"]
    assert living(pid_dir) == {}


def test_a_job_scripts_child_with_a_cleaned_environment_ends_with_the_attempt(pid_dir: Path) -> None:
    outcome = run_flow("stripped", file=FLOW)
    assert outcome.code == 0, outcome.log
    assert [path.name.split("-")[0] for path in pid_dir.iterdir()] == ["stripped"]
    assert living(pid_dir) == {}


@pytest.mark.slow
def test_a_runner_killed_mid_task_leaves_no_worker_and_its_rerun_appends_once(tmp_path: Path, pid_dir: Path) -> None:
    count = tmp_path / "count.txt"
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "FLOWJOBS_STATE_DIR": str(tmp_path / "state"),
        "FLOWJOBS_EXECUTION_ID": "",
    }
    argv = [tool("flowjobs"), "run", FLOW, "appends", "--count_file", str(count), "--seconds", "8"]
    runner = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + STARTUP_SECONDS
    while not living(pid_dir) and runner.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert living(pid_dir), f"the task never started: {runner.communicate()[1].decode()[-3000:]}"
    runner.kill()
    runner.communicate()
    again = subprocess.run(argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=STARTUP_SECONDS)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "resuming killed execution" in again.stderr
    time.sleep(10)  # longer than the killed task would still have slept
    assert count.read_text() == "appended\n", "the killed execution's task appended too"
    assert living(pid_dir) == {}
