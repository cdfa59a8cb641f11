"""A second execution of the same flow in the same project, started while the first one runs (its `train` held
mid-run), by `flowjobs run` or by stock `pyflyte run`: neither resumes nor touches the other; each keeps its own
record, parent run, branch run, metrics and model version."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.runner import records
from tests.support.held_flow import held_execution, run_tracked, task
from tests.support.load import EXPERIMENT, MODEL, Execution, Load, client, missing, tracked_env
from tests.support.project import PROJECT_ROOT, run, tool

pytestmark = pytest.mark.slow
FLOW = str(PROJECT_ROOT / "tests" / "support" / "tracked_flow.py")
INPUTS = ("--mlflow_experiment", EXPERIMENT, "--model_name", MODEL)


def pyflyte_beside(folder: Path, uri: str) -> Execution:
    """A stock `pyflyte run` of the tracked flow to its end, with the state folder of the held execution."""
    ran = run([tool("pyflyte"), "run", FLOW, "tracked", *INPUTS], cwd=PROJECT_ROOT, env=tracked_env(folder, uri))
    execution = Execution(ran.returncode, ran.stdout, ran.stderr)
    (path,) = [
        path
        for path in (folder / "state" / "runs").glob(f"*/{records.RECORD_FILE}")
        if records.load(path).runner == "pyflyte run"
    ]
    execution.__dict__["record"] = records.load(path)  # pyflyte prints no `record:` line
    return execution


@pytest.mark.parametrize("second_runner", ["flowjobs run", "pyflyte run"])
def test_an_execution_started_beside_a_running_one_leaves_it_alone(tmp_path: Path, second_runner: str) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with held_execution(tmp_path, uri, *INPUTS) as held:
        if second_runner == "flowjobs run":
            second = run_tracked(tmp_path, uri, *INPUTS, name="second")
        else:
            second = pyflyte_beside(tmp_path, uri)
        assert second.code == 0, second.stderr[-3000:]
        held.release()
        first = held.wait(timeout=300)
    assert first.code == 0, first.stderr[-3000:]
    assert "resuming" not in second.stderr, "a running execution is not a failed one"
    assert second.record.resumes is None
    assert {task(second.record, name).status for name in ("prepare", "train", "count")} == {"done"}
    assert [task(first.record, name).status for name in ("prepare", "train", "count")] == ["done"] * 3
    assert len(task(first.record, "train").attempts) == 1, "nothing of the first execution failed"
    assert first.record.execution_id != second.record.execution_id
    assert missing(Load([first, second], 0.0), client(uri)) == []
