"""A second execution of the same flow in the same project, started while the first one runs (its `train` held
mid-run, or just released to finish), each by `flowjobs run` or by stock `pyflyte run`: neither resumes nor touches
the other; each keeps its own record, parent run, branch run, metrics and model version."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowjobs import records
from tests.support.held_flow import held_execution, run_tracked, task
from tests.support.load import EXPERIMENT, MODEL, Execution, Load, client, missing, pyflyte_run, tracked_env
from tests.support.project import PROJECT_ROOT, run

pytestmark = pytest.mark.slow
INPUTS = ("--mlflow_experiment", EXPERIMENT, "--model_name", MODEL)


def pyflyte_record(folder: Path) -> records.ExecutionRecord:
    """The record of the one stock `pyflyte run` in the state folder (pyflyte prints no `record:` line)."""
    (path,) = [
        path
        for path in (folder / "state" / "runs").glob(f"*/{records.RECORD_FILE}")
        if records.load(path).runner == "pyflyte run"
    ]
    return records.load(path)


def run_beside(runner: str, folder: Path, uri: str) -> Execution:
    """A second execution of the tracked flow to its end, with the state folder of the held one."""
    if runner == "flowjobs run":
        return run_tracked(folder, uri, *INPUTS, name="second")
    ran = run(pyflyte_run(*INPUTS), cwd=PROJECT_ROOT, env=tracked_env(folder, uri))
    execution = Execution(ran.returncode, ran.stdout, ran.stderr)
    execution.__dict__["record"] = pyflyte_record(folder)
    return execution


# (first runner, second runner, when the second starts): while the first's `train` is held mid-run, or as the first
# is released to finish `train` and run `count`
OVERLAPS = [
    ("flowjobs run", "flowjobs run", "mid-run"),
    ("flowjobs run", "pyflyte run", "mid-run"),
    ("pyflyte run", "flowjobs run", "mid-run"),
    ("flowjobs run", "flowjobs run", "near the end"),
]


@pytest.mark.parametrize(("first_runner", "second_runner", "offset"), OVERLAPS)
def test_an_execution_started_beside_a_running_one_leaves_it_alone(
    tmp_path: Path, first_runner: str, second_runner: str, offset: str
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with held_execution(tmp_path, uri, *INPUTS, runner=first_runner) as held:
        if offset == "near the end":
            held.release()
        second = run_beside(second_runner, tmp_path, uri)
        assert second.code == 0, second.stderr[-3000:]
        held.release()
        first = held.wait(timeout=300)
    assert first.code == 0, first.stderr[-3000:]
    if first_runner == "pyflyte run":
        first.__dict__["record"] = pyflyte_record(tmp_path)
    assert "resuming" not in second.stderr, "a running execution is not a failed one"
    assert second.record.resumes is None
    assert {task(second.record, name).status for name in ("prepare", "train", "count")} == {"done"}
    assert [task(first.record, name).status for name in ("prepare", "train", "count")] == ["done"] * 3
    assert len(task(first.record, "train").attempts) == 1, "nothing of the first execution failed"
    assert first.record.execution_id != second.record.execution_id
    assert missing(Load([first, second], 0.0), client(uri)) == []
