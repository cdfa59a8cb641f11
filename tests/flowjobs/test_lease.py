"""Whether an execution lives comes from its runner's process, not from a file: a live runner whose lease was
deleted, or whose whole state folder was deleted mid-run, is still alive; a dead one whose lease is a folder or a
symlink is dead, and the lease is named in one line."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowjobs import lease, records

WORKFLOW, FILE, RUNNER = "wf", "/project/flows/wf.py", "flowjobs run"

# A runner as far as records go: it begins an execution's record (taking its lease), says so, and waits; a line
# on its stdin makes it save its record again (as a live runner does when a task changes).
HOLDER = textwrap.dedent(
    """
    import sys
    from flowjobs import recorder, records
    writer = recorder.begin(records.ExecutionRecord(
        execution_id=sys.argv[1], runner="flowjobs run", workflow="wf", file="/project/flows/wf.py"))
    print("ready", flush=True)
    for line in sys.stdin:
        writer.save()
        print("saved", flush=True)
    """
)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(records.ENV_STATE_DIR, str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.fixture
def runner(state: Path) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, "local-live"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, records.ENV_STATE_DIR: str(state)},
    )
    assert process.stdout.readline().strip() == "ready"
    yield process
    process.kill()
    process.wait()


def record_path(state: Path, execution_id: str = "local-live") -> Path:
    return state / "runs" / execution_id / records.RECORD_FILE


def dead_record(state: Path, execution_id: str) -> Path:
    """The record a runner killed with SIGKILL leaves: `running`, its process gone."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, execution_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, records.ENV_STATE_DIR: str(state)},
    )
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGKILL)
    process.wait()
    return record_path(state, execution_id)


def test_the_record_names_its_runner_process(state: Path, runner: subprocess.Popen) -> None:
    record = records.load(record_path(state))
    assert record.runner_process is not None and record.runner_process.pid == runner.pid
    assert record.runner_process.alive()
    assert record.status == "running"


def test_a_deleted_lease_leaves_a_live_execution_alive(state: Path, runner: subprocess.Popen) -> None:
    (record_path(state).parent / lease.LEASE_FILE).unlink()
    assert records.load(record_path(state)).status == "running"
    assert records.resumable(WORKFLOW, FILE, RUNNER) is None, "a live execution is never resumed"


def test_a_deleted_state_folder_leaves_a_live_execution_alive(state: Path, runner: subprocess.Popen) -> None:
    shutil.rmtree(state)
    runner.stdin.write("save\n")
    runner.stdin.flush()
    assert runner.stdout.readline().strip() == "saved"  # the live runner writes its record again
    assert records.load(record_path(state)).status == "running"
    assert records.resumable(WORKFLOW, FILE, RUNNER) is None, "a live execution is never resumed"


def test_a_killed_runner_is_resumed(state: Path) -> None:
    path = dead_record(state, "local-dead")
    assert records.load(path).status == "killed"
    found = records.resumable(WORKFLOW, FILE, RUNNER)
    assert found is not None and found[0].execution_id == "local-dead"
    lease.release(found[1])


@pytest.mark.parametrize("shape", ["folder", "symlink"])
def test_a_lease_in_a_wrong_shape_is_named_and_its_dead_runner_is_dead(state: Path, shape: str) -> None:
    path = dead_record(state, "local-dead")
    lease_path = path.parent / lease.LEASE_FILE
    lease_path.unlink()
    if shape == "folder":
        lease_path.mkdir()
    else:
        lease_path.symlink_to(state.parent / "elsewhere")
    assert records.load(path).status == "killed", "not `running` forever"
    said: list[str] = []
    found = records.resumable(WORKFLOW, FILE, RUNNER, warn=said.append)
    assert found is not None and found[0].execution_id == "local-dead"
    lease.release(found[1])
    kind = "a folder" if shape == "folder" else "a symlink"
    assert said == [
        f"execution local-dead: the lease {lease_path} is {kind}, not a lock file: whether its runner "
        "lives is told by its process alone"
    ]


def test_a_lease_in_a_wrong_shape_does_not_make_a_live_runner_dead(state: Path, runner: subprocess.Popen) -> None:
    lease_path = record_path(state).parent / lease.LEASE_FILE
    lease_path.unlink()
    lease_path.mkdir()
    assert records.load(record_path(state)).status == "running"
    assert records.resumable(WORKFLOW, FILE, RUNNER, warn=lambda line: None) is None


def test_a_pid_reused_by_another_process_is_not_the_runner(state: Path) -> None:
    path = dead_record(state, "local-dead")
    record = records.load(path)
    record.runner_process = lease.Runner(pid=os.getpid(), started=record.runner_process.started, boot="x")
    assert not record.runner_process.alive(), "this test's process has the pid, not the start time and boot"
