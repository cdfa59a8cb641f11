"""`flowjobs run`'s MLflow work in a process of its own: it opens and closes the execution's parent run in a real
store, links a resumed execution's run, answers a failure with its message, ignores a terminal's Ctrl-C, and ends
with its input."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from flowjobs import parent_run, recorder, records, tracking, tracking_store
from flowjobs.parent_run_process import ParentRunProcess
from flowjobs.records import ExecutionRecord, ExecutionStatus

GONE_WITHIN_SECONDS = 60.0  # a busy machine


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv(records.ENV_STATE_DIR, str(tmp_path / "state"))
    parent_run.prepare()
    return uri


def closed_record(execution_id: str, status: ExecutionStatus, **fields: object) -> Path:
    """An execution's record as `flowjobs run` leaves it before the parent run is closed."""
    writer = recorder.begin(ExecutionRecord(execution_id=execution_id, runner="flowjobs run", workflow="wf", **fields))
    writer.task("n0", name="step", task="flows.wf.step", status=records.TaskStatus.DONE)
    writer.finish(status)
    writer.release()
    return writer.path


def test_it_opens_and_closes_the_parent_run_and_links_the_resumed_one(store: str) -> None:
    earlier = closed_record("local-earlier", ExecutionStatus.FAILED, tracked=True)
    earlier_run = parent_run.open_run("exp", "wf", "local-earlier", "flowjobs run", earlier)
    path = closed_record("local-now", ExecutionStatus.SUCCEEDED, resumes="local-earlier")
    mlflow = ParentRunProcess()
    try:
        run_id = mlflow.open_run("exp", "wf", "local-now", "flowjobs run", path)
        experiment, warnings = mlflow.close_run(run_id, path, resumed=earlier)
    finally:
        mlflow.end()
    assert (experiment, warnings) == ("exp", [])
    run = tracking.client().get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["flowjobs.task_status.step"] == "done"
    assert run.data.tags[parent_run.TAG_RESUMES] == "local-earlier"
    assert run.data.tags[parent_run.TAG_RESUMED_RUN] == earlier_run
    assert {item.path for item in tracking.client().list_artifacts(run_id, parent_run.ARTIFACT_FOLDER)} == {
        f"{parent_run.ARTIFACT_FOLDER}/{records.RECORD_FILE}",
        f"{parent_run.ARTIFACT_FOLDER}/{parent_run.TASKS_PAGE}",
    }
    assert mlflow.process.returncode == 0


def test_a_failure_comes_back_as_its_message_and_the_process_still_answers(store: str) -> None:
    path = closed_record("local-failing", ExecutionStatus.FAILED)
    mlflow = ParentRunProcess()
    try:
        with pytest.raises(RuntimeError, match="no-such-run"):
            mlflow.close_run("no-such-run", path, resumed=None)
        run_id = mlflow.open_run("exp", "wf", "local-failing", "flowjobs run", path)
        mlflow.close_run(run_id, path, resumed=None)
    finally:
        mlflow.end()
    assert tracking.client().get_run(run_id).info.status == "FAILED"


def test_ctrl_c_is_the_runner_s_and_the_end_of_its_input_ends_it(store: str) -> None:
    assert tracking_store.tracking_uri() == store
    mlflow = ParentRunProcess()
    assert os.getpgid(mlflow.process.pid) != os.getpgid(0), "a terminal's Ctrl-C reaches the runner's group alone"
    path = closed_record("local-interrupted", ExecutionStatus.INTERRUPTED)
    run_id = mlflow.open_run("exp", "wf", "local-interrupted", "flowjobs run", path)
    os.kill(mlflow.process.pid, signal.SIGINT)  # sent to it alone, it is ignored too: the runner ends the run
    mlflow.close_run(run_id, path, resumed=None)
    assert tracking.client().get_run(run_id).info.status == "KILLED"
    mlflow.end()
    assert mlflow.process.returncode == 0


def test_a_runner_that_dies_leaves_no_mlflow_process(store: str) -> None:
    mlflow = ParentRunProcess()
    mlflow.process.stdin.close()  # what a dead runner's end of the pipe amounts to
    assert mlflow.process.wait(GONE_WITHIN_SECONDS) == 0
    with pytest.raises(RuntimeError, match="ended without answering"):
        mlflow.open_run("exp", "wf", "local-x", "flowjobs run", Path("record.json"))
