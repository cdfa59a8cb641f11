"""Liveness comes from the runner's process, not from a file: with the lease deleted, or the whole state folder
deleted mid-run, a second execution neither resumes the live one nor ends its MLflow runs; a dead execution whose
lease is a folder is named in one line and resumed, not read `running` forever."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from flowjobs import lease, records, tracking
from tests.support.held_flow import held_execution, run_tracked, task
from tests.support.load import EXPERIMENT, MODEL, client

pytestmark = pytest.mark.slow
INPUTS = ("--mlflow_experiment", EXPERIMENT, "--model_name", MODEL, "--experiment", EXPERIMENT)


def lease_path(folder: Path) -> Path:
    (path,) = (folder / "state" / "runs").glob(f"*/{lease.LEASE_FILE}")
    return path


@pytest.mark.parametrize("lost", ["lease", "state folder"])
def test_a_live_execution_whose_lease_is_gone_is_not_resumed(tmp_path: Path, lost: str) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with held_execution(tmp_path, uri, *INPUTS) as held:
        live_id = lease_path(tmp_path).parent.name
        if lost == "lease":
            lease_path(tmp_path).unlink()
        else:
            shutil.rmtree(tmp_path / "state")
        second = run_tracked(tmp_path, uri, *INPUTS, name="second")
        held.release()
        first = held.wait(timeout=300)
    assert second.code == 0, second.stderr[-3000:]
    assert f"resuming killed execution {live_id}" not in second.stderr
    assert "resuming" not in second.stderr and second.record.resumes is None
    assert first.code == 0, first.stderr[-3000:]
    assert len(task(first.record, "train").attempts) == 1
    store = client(uri)
    experiment = store.get_experiment_by_name(EXPERIMENT).experiment_id
    its_runs = store.search_runs([experiment], filter_string=tracking.tag_is(tracking.TAG_EXECUTION, live_id))
    assert its_runs and {run.info.status for run in its_runs} == {"FINISHED"}, "nobody ended the live one's runs"


def test_a_dead_execution_whose_lease_is_a_folder_is_named_and_resumed(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with held_execution(tmp_path, uri, *INPUTS) as held:
        path = lease_path(tmp_path)
        held.process.send_signal(signal.SIGKILL)
        held.process.wait(timeout=120)
    assert lease.wait_released(path.parent, 120)
    path.unlink()
    path.mkdir()
    dead_id = path.parent.name
    assert records.load(path.parent / records.RECORD_FILE).status == "killed", "not `running` forever"
    again = run_tracked(tmp_path, uri, *INPUTS, name="again")
    assert again.code == 0, again.stderr[-3000:]
    assert f"warning: execution {dead_id}: the lease {path} is a folder, not a lock file" in again.stderr
    assert f"resuming killed execution {dead_id}" in again.stderr
