"""`flowjobs run` killed while a tracked task runs (SIGKILL, SIGTERM, SIGHUP): its script does not go on alone,
registers no model version and finishes no run; the record ends `killed`; the next run resumes it under a new
parent run linked to the old one."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from flowjobs import parent_run, records, tracking
from multitrain import registry
from tests.support.held_flow import held_execution, run_tracked, task
from tests.support.load import EXPERIMENT, MODEL, client

pytestmark = pytest.mark.slow
INPUTS = ("--mlflow_experiment", EXPERIMENT, "--model_name", MODEL, "--experiment", EXPERIMENT)
GONE_WITHIN_SECONDS = 120  # the guard's SIGTERM, its grace, its SIGKILL, on a busy machine


def gone(pid: int, within: float) -> bool:
    """Whether the process has ended (a zombie counts as ended) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP], ids=lambda sig: sig.name)
def test_a_killed_runner_leaves_nothing_running_and_the_next_run_resumes_it(tmp_path: Path, sig: int) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with held_execution(tmp_path, uri, *INPUTS) as held:
        train_pid = held.train_pid
        held.process.send_signal(sig)
        held.process.wait(timeout=GONE_WITHIN_SECONDS)
        alone = gone(train_pid, GONE_WITHIN_SECONDS)
        held.release()  # a script still running would now register its model and finish its runs
        (path,) = (tmp_path / "state" / "runs").glob(f"*/{records.RECORD_FILE}")
    assert alone, f"train (pid {train_pid}) kept running after its runner got {signal.Signals(sig).name}"
    killed = records.load(path)
    assert killed.status == "killed"
    assert held.process.returncode in (-signal.SIGKILL, 128 + sig)

    store = client(uri)
    experiment = store.get_experiment_by_name(EXPERIMENT).experiment_id
    its_runs = tracking.tag_is(tracking.TAG_EXECUTION, killed.execution_id)
    old_runs = store.search_runs([experiment], filter_string=its_runs)
    assert "FINISHED" not in {run.info.status for run in old_runs}
    assert store.search_model_versions(f"name = '{MODEL}'") == [], "the killed execution registered nothing"

    again = run_tracked(tmp_path, uri, *INPUTS, name="again")
    assert again.code == 0, again.stderr[-3000:]
    assert f"resuming killed execution {killed.execution_id}" in again.stderr
    assert [(entry.name, entry.status) for entry in again.record.tasks.values()] == [
        ("prepare", "resumed"),
        ("train", "done"),
        ("count", "done"),
    ]
    assert again.record.resumes == killed.execution_id
    assert records.load(path).status == "killed", "written into the old record for good"
    runs = store.search_runs([experiment])
    assert [run.info.status for run in runs if run.info.status == "RUNNING"] == []
    new_parent = store.get_run(again.record.mlflow_run_id)
    assert new_parent.data.tags[parent_run.TAG_RESUMES] == killed.execution_id
    (old_parent,) = [run for run in old_runs if run.data.tags[tracking.TAG_ROLE] == tracking.ROLE_EXECUTION]
    assert new_parent.data.tags[parent_run.TAG_RESUMED_RUN] == old_parent.info.run_id != again.record.mlflow_run_id
    versions = store.search_model_versions(f"name = '{MODEL}'")
    assert [version.tags[registry.TAG_EXECUTION] for version in versions] == [again.record.execution_id]
    assert task(again.record, "train").attempts[0].folder != task(killed, "train").attempts[0].folder


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP], ids=lambda sig: sig.name)
def test_a_killed_stock_pyflyte_run_leaves_nothing_running(tmp_path: Path, sig: int) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with held_execution(tmp_path, uri, *INPUTS[:4], runner="pyflyte run") as held:
        train_pid = held.train_pid
        held.process.send_signal(sig)
        held.process.wait(timeout=GONE_WITHIN_SECONDS)
        alone = gone(train_pid, GONE_WITHIN_SECONDS)
        held.release()  # a script still running would now register its model and finish its runs
    assert alone, f"train (pid {train_pid}) kept running after pyflyte run got {signal.Signals(sig).name}"
    (path,) = (tmp_path / "state" / "runs").glob(f"*/{records.RECORD_FILE}")
    assert records.load(path).status == "killed"
    store = client(uri)
    experiments = [experiment.experiment_id for experiment in store.search_experiments()]
    assert "FINISHED" not in {run.info.status for run in store.search_runs(experiments)}
    assert store.search_model_versions(f"name = '{MODEL}'") == [], "the killed execution registered nothing"


@pytest.mark.parametrize("runner", ["flowjobs run", "pyflyte run"])
def test_a_run_started_with_sighup_ignored_outlives_its_terminal(tmp_path: Path, runner: str) -> None:
    """`nohup flowjobs run …` as `nohup pyflyte run …`: a closed terminal's SIGHUP changes nothing."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with held_execution(tmp_path, uri, *INPUTS[:4], runner=runner, ignored=(signal.SIGHUP,)) as held:
        held.process.send_signal(signal.SIGHUP)
        time.sleep(1.0)  # time enough for a handler to act on it, had the signal not been ignored
        held.release()
        code = held.process.wait(timeout=GONE_WITHIN_SECONDS)
    assert code == 0, held.output()[1][-3000:]
    (path,) = (tmp_path / "state" / "runs").glob(f"*/{records.RECORD_FILE}")
    assert records.load(path).status == "succeeded"
