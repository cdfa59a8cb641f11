"""No MLflow run is left RUNNING: Ctrl-C of a stock `pyflyte run` while a tracked task runs, and a branch script
run alone (it makes its own parent run) that succeeds or fails."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.support.held_flow import held_execution
from tests.support.load import client
from tests.support.multitrain import prepare_alone, run_task

pytestmark = pytest.mark.slow


def statuses(uri: str) -> list[str]:
    store = client(uri)
    experiments = [experiment.experiment_id for experiment in store.search_experiments()]
    return sorted(run.info.status for run in store.search_runs(experiments))


def test_ctrl_c_of_pyflyte_run_during_a_tracked_task_ends_its_runs(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with held_execution(tmp_path, uri, runner="pyflyte run") as held:
        held.process.send_signal(signal.SIGINT)
        held.process.wait(timeout=300)
        held.release()  # a script still running would now finish its runs
    found = statuses(uri)
    assert found and "RUNNING" not in found and "FINISHED" not in found, found


@pytest.mark.parametrize(("params", "code", "ended"), [("{}", 0, "FINISHED"), ('{"no_such": 1}', 1, "FAILED")])
def test_a_branch_script_run_alone_ends_the_parent_run_it_made(tmp_path: Path, params: str, code: int, ended) -> None:
    prepare_alone(tmp_path, {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'prepared.db'}"})
    uri = f"sqlite:///{tmp_path / 'alone.db'}"
    env = {"MLFLOW_TRACKING_URI": uri, "FLOWJOBS_MODELS_DIR": str(tmp_path / "models"), "FLOWJOBS_EXECUTION_ID": ""}
    flags = ["--train", "p/train.csv", "--holdout", "p/holdout.csv", "--experiment-name", "alone", "--c-grid", "1"]
    trained = run_task("train_logreg", *flags, "--params", params, "--output-dir", "l", cwd=tmp_path, env=env)
    assert trained.returncode == code, trained.stderr
    found = statuses(uri)
    assert len(found) >= 2 and set(found) == {ended}, found  # the parent run, the branch run (and grid points)
    if code == 0:
        assert json.loads((tmp_path / "l" / "result").read_text())["branch"] == "logistic_regression"
