"""MLflow setup: where runs go, a fresh store four processes start on at once, servers that do not answer."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import typing
from pathlib import Path

import pytest
import requests
from flytekit import workflow

from flowjobs import tracking, tracking_store
from flowjobs.jobs import Output, run_job_task
from tests.support.multitrain import PipelineRun, stop_group
from tests.support.project import BIN, PROJECT_ROOT, tool
from tests.support.servers import QUIET, READY_WITHIN_SECONDS

FOUR_WAY = textwrap.dedent(
    """
    import sys
    from flowjobs import tracking
    tracking.connect()
    parent = tracking.parent_run("four-way", "test_flow", execution_id="exec-4")
    with tracking.branch_run(parent, sys.argv[1]) as run_id:
        tracking.log_values(run_id, params={"branch": sys.argv[1]}, metrics={"auc": 0.5})
    """
)


def test_the_default_store_is_a_sqlite_file_at_the_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert tracking_store.tracking_uri() == f"sqlite:///{PROJECT_ROOT / 'mlflow.db'}"
    assert tracking_store.artifact_root(tracking_store.tracking_uri()) == (PROJECT_ROOT / "mlruns").as_uri()


def test_a_relative_uri_is_made_absolute_for_scripts_in_other_folders(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///runs/mlflow.db?timeout=30")
    assert tracking_store.script_env()["MLFLOW_TRACKING_URI"] == f"sqlite:///{tmp_path / 'runs/mlflow.db'}?timeout=30"
    assert tracking_store.absolute_uri("mlruns") == (tmp_path / "mlruns").as_uri()
    assert tracking_store.absolute_uri("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert tracking_store.artifact_root(tracking_store.tracking_uri()) == (tmp_path / "runs" / "mlruns").as_uri()


def test_scripts_get_bounded_http_retries_unless_the_user_set_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "5")
    env = tracking_store.script_env()
    assert env["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "5"
    assert env["MLFLOW_HTTP_REQUEST_TIMEOUT"] == tracking_store.HTTP_DEFAULTS["MLFLOW_HTTP_REQUEST_TIMEOUT"]


@pytest.mark.slow
def test_four_processes_starting_at_once_on_a_fresh_store_all_succeed(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'fresh' / 'mlflow.db'}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "PYTHONPATH": str(PROJECT_ROOT)}
    branches = [
        subprocess.Popen([sys.executable, "-c", FOUR_WAY, f"b{i}"], env=env, stderr=subprocess.PIPE, text=True)
        for i in range(4)
    ]
    errors = [process.communicate(timeout=300)[1] for process in branches]
    assert [process.returncode for process in branches] == [0, 0, 0, 0], "\n".join(errors)
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("four-way")
    runs = client.search_runs([experiment.experiment_id])
    parents = [run for run in runs if run.data.tags.get(tracking.TAG_ROLE) == tracking.ROLE_EXECUTION]
    children = [run for run in runs if run.data.tags.get(tracking.TAG_ROLE) == tracking.ROLE_BRANCH]
    assert len(parents) == 1, "one parent run per execution, however many branches ask for it at once"
    assert sorted(run.info.run_name for run in children) == ["b0", "b1", "b2", "b3"]
    assert {run.data.tags["mlflow.parentRunId"] for run in children} == {parents[0].info.run_id}
    assert experiment.artifact_location == (tmp_path / "fresh" / "mlruns" / experiment.experiment_id).as_uri()


def test_the_parent_run_is_found_again_by_its_execution_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    tracking.connect()
    first = tracking.parent_run("parents", "a_flow", execution_id="exec-1", tags={"flowjobs.snapshot.iris": "iris@1"})
    again = tracking.parent_run("parents", "a_flow", execution_id="exec-1")
    other = tracking.parent_run("parents", "a_flow", execution_id="exec-2")
    assert first == again != other
    tags = tracking.client().get_run(first).data.tags
    assert tags[tracking.TAG_EXECUTION] == "exec-1" and tags[tracking.TAG_FLOW] == "a_flow"
    assert tags["flowjobs.snapshot.iris"] == "iris@1" and tags[tracking.TAG_GIT_COMMIT] == tracking.git_commit()


def test_the_parent_run_is_named_by_flow_and_time_in_a_model_training_experiment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MLflow 3's UI opens an experiment tagged `mlflow.experimentKind` on its model-training view."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    tracking.connect()
    run = tracking.client().get_run(tracking.parent_run("named", "flows.multitrain.pipeline", execution_id="e-1"))
    assert re.fullmatch(r"pipeline \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", run.info.run_name), run.info.run_name
    experiment = tracking.client().get_experiment(run.info.experiment_id)
    assert experiment.tags[tracking.TAG_EXPERIMENT_KIND] == "custom_model_development"


def test_an_experiment_made_without_the_kind_gets_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    tracking.connect()
    made = tracking.client().create_experiment("older")
    assert tracking.client().get_experiment(made).tags.get(tracking.TAG_EXPERIMENT_KIND) is None
    assert tracking.experiment_id("older") == made
    assert tracking.client().get_experiment(made).tags[tracking.TAG_EXPERIMENT_KIND] == "custom_model_development"


def test_a_failing_branch_ends_its_run_and_the_parent_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    tracking.connect()
    parent = tracking.parent_run("failing", "a_flow", execution_id="exec-f")
    with pytest.raises(RuntimeError), tracking.branch_run(parent, "broken") as run_id:
        raise RuntimeError("boom")
    client = tracking.client()
    assert client.get_run(run_id).info.status == "FAILED"
    assert client.get_run(parent).info.status == "FAILED"
    with tracking.flow_step(parent, finishes=True):
        pass
    assert client.get_run(parent).info.status == "FINISHED"


@pytest.mark.slow
def test_a_script_stopped_by_sigterm_ends_its_run_failed(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    logging = 'tracking.log_values(run_id, params={"branch": sys.argv[1]}, metrics={"auc": 0.5})'
    code = FOUR_WAY.replace(logging, "print(run_id, flush=True); import time; time.sleep(600)")
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "PYTHONPATH": str(PROJECT_ROOT)}
    script = subprocess.Popen([sys.executable, "-c", code, "sleeper"], env=env, stdout=subprocess.PIPE, text=True)
    run_id = script.stdout.readline().strip()
    script.send_signal(signal.SIGTERM)
    assert script.wait(timeout=60) == 128 + signal.SIGTERM
    from mlflow import MlflowClient

    assert MlflowClient(tracking_uri=uri).get_run(run_id).info.status == "FAILED"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server() -> typing.Iterator[str]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_a_server_that_does_not_answer_fails_within_the_probe_timeout_naming_the_uri(
    kind: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = f"http://127.0.0.1:{_closed_port()}" if kind == "refused" else request.getfixturevalue("silent_server")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    started = time.monotonic()
    with pytest.raises(tracking_store.TrackingError, match=f"MLflow tracking server {uri} does not answer"):
        tracking.connect()
    assert time.monotonic() - started < tracking_store.PROBE_TIMEOUT_SECONDS + 5  # one probe, not a client's retries


def test_once_a_server_was_found_silent_later_calls_of_the_process_fail_at_once(
    silent_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", silent_server)
    with pytest.raises(tracking_store.TrackingError):
        tracking.connect()
    started = time.monotonic()
    for later in (lambda: tracking.runs_anywhere("attributes.status = 'RUNNING'"), tracking_store.require_store):
        with pytest.raises(
            tracking_store.TrackingError, match=f"MLflow tracking server {silent_server} does not answer"
        ):
            later()
    assert time.monotonic() - started < 1, "no second probe, no MLflow retries"


def test_the_error_never_shows_a_password(silent_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = silent_server.replace("http://", "http://user:s3cret@")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    with pytest.raises(tracking_store.TrackingError) as caught:
        tracking.connect()
    assert "s3cret" not in str(caught.value) and "user:***@127.0.0.1" in str(caught.value)


@workflow
def tracked_env() -> str:
    return run_job_task(
        "tracked_env",
        "python tests/scripts/tracking_env.py",
        "Small",
        output_specs=[Output("seen", str)],
        tracking=True,
    )


def test_the_job_task_hands_scripts_an_absolute_uri_and_a_ready_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///relative/mlflow.db")
    seen = tracked_env()
    assert seen == f"sqlite:///{tmp_path / 'relative' / 'mlflow.db'} schema-ready"


@workflow
def untracked_env() -> str:
    return run_job_task(
        "untracked_env", "python tests/scripts/tracking_env.py", "Small", output_specs=[Output("seen", str)]
    )


def test_a_task_that_does_not_track_leaves_the_store_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert untracked_env() == f"sqlite:///{tmp_path / 'mlflow.db'} no-store"
    assert not (tmp_path / "mlflow.db").exists()


@workflow
def killed_mid_run() -> None:
    run_job_task("killed_mid_run", "python tests/scripts/killed_mid_run.py", "Small", tracking=True)


def test_runs_of_a_script_killed_by_a_signal_are_ended_failed_by_the_job_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    with pytest.raises(Exception, match="script was killed by signal 9"):
        killed_mid_run()
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("killed").experiment_id])
    assert sorted((run.data.tags[tracking.TAG_ROLE], run.info.status) for run in runs) == [
        (tracking.ROLE_BRANCH, "FAILED"),
        (tracking.ROLE_EXECUTION, "FAILED"),
    ]


@pytest.mark.slow
def test_mlflow_ui_started_beside_the_store_with_no_flags_shows_runs_and_artifacts(
    multitrain_run: PipelineRun, tmp_path: Path
) -> None:
    port = _closed_port()
    server = subprocess.Popen(
        [tool("mlflow"), "ui", "--port", str(port), "--workers", "1"],  # no store flags; one worker answers sooner
        cwd=multitrain_run.store,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")},
            **QUIET,  # no job runner: a user's `mlflow ui` has one, but it takes nothing to do with the store
            "PATH": f"{BIN}:{os.environ['PATH']}",
        },
        stdout=(tmp_path / "ui.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while True:
            try:
                requests.get(f"{base}/health", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                log = (tmp_path / "ui.log").read_text()[-2000:]
                assert time.monotonic() < deadline, f"mlflow ui never answered {base}/health:\n{log}"
                time.sleep(1)
        experiments = requests.post(f"{base}/api/2.0/mlflow/experiments/search", json={"max_results": 10}, timeout=30)
        (experiment,) = [e for e in experiments.json()["experiments"] if e["name"] == "model_training_pipeline"]
        runs = requests.post(
            f"{base}/api/2.0/mlflow/runs/search", json={"experiment_ids": [experiment["experiment_id"]]}, timeout=30
        ).json()["runs"]
        branch = next(run for run in runs if run["info"]["run_name"] == "logreg")
        listed = requests.get(
            f"{base}/api/2.0/mlflow/artifacts/list",
            params={"run_id": branch["info"]["run_id"]},  # the plots at the root, where run comparison looks
            timeout=30,
        ).json()
        assert {item["path"] for item in listed["files"]} >= {"roc_curve.png"}
        image = requests.get(
            f"{base}/get-artifact",
            params={"run_id": branch["info"]["run_id"], "path": "roc_curve.png"},
            timeout=30,
        )
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    finally:
        stop_group(server)
