"""`flowjobs run`'s MLflow work in a process of its own: it opens and closes the execution's parent run in a real
store, links a resumed execution's run, logs each attempt's files to its branch runs while the runner goes on,
answers a failure with its message, ignores a terminal's Ctrl-C, and ends with its input."""

from __future__ import annotations

import logging
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


def attempt_folder(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "train-attempt1-x"
    (folder / "logs").mkdir(parents=True)
    (folder / "logs" / "stdout.log").write_text("fitted\n")
    (folder / "logs" / "stderr.log").write_text("")
    deck = tmp_path / "deck.html"
    deck.write_text("<html></html>")
    return folder, deck


def test_an_attempt_s_logs_and_deck_go_to_its_branch_runs_without_the_runner_waiting(
    store: str, tmp_path: Path
) -> None:
    folder, deck = attempt_folder(tmp_path)
    client = tracking.client()
    experiment = client.create_experiment("exp")
    tags = {tracking.TAG_WORK_DIR: str(folder), tracking.TAG_ROLE: tracking.ROLE_BRANCH}
    branch = client.create_run(experiment, tags=tags).info.run_id
    other = client.create_run(experiment, tags={**tags, tracking.TAG_WORK_DIR: str(tmp_path / "other")}).info.run_id
    mlflow = ParentRunProcess()
    try:
        mlflow.log_files("flows.wf.train", folder, 1, deck)  # returns at once; answered in the background
    finally:
        mlflow.end()  # every request asked is answered first
    listed = {item.path for item in client.list_artifacts(branch, "flowjobs/attempt-1")}
    assert listed == {f"flowjobs/attempt-1/{name}" for name in ("stdout.log", "stderr.log", "deck.html")}
    assert not client.list_artifacts(other)
    assert mlflow.process.returncode == 0


def test_logs_its_mlflow_process_could_not_take_are_a_warning_naming_the_attempt(
    store: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("flowjobs"), "handlers", [caplog.handler])
    monkeypatch.setattr(logging.getLogger("flowjobs"), "propagate", False)  # as the job runtime sets it
    folder, deck = attempt_folder(tmp_path)
    mlflow = ParentRunProcess()
    mlflow.process.kill()
    mlflow.process.wait()
    mlflow.log_files("flows.wf.train", folder, 2, deck)
    mlflow.end()
    [line] = [record.getMessage() for record in caplog.records]
    assert line.startswith("logs of flows.wf.train attempt 2 not logged to MLflow: its MLflow process ended")
