"""The tracking server stopped while a task runs: the task fails in bounded time with one clear line, nothing
downstream runs, no password shows; once the server is back, the next run resumes from what finished."""

from __future__ import annotations

import contextlib
import secrets
import time
from pathlib import Path

import pytest

from flowjobs import tracking
from tests.scripts.tracked_step import FLOW_NAME
from tests.support.held_flow import held_execution, run_tracked
from tests.support.leaks import files_holding
from tests.support.servers import free_port, running, tracking_server_argv

pytestmark = pytest.mark.slow
FAILS_WITHIN_SECONDS = 120  # two attempts, each bounded by MLflow's HTTP timeout and retries (flowjobs/tracking.py)


def test_a_lost_tracking_server_fails_the_task_in_bounded_time_and_the_next_run_resumes(tmp_path: Path) -> None:
    port = free_port()
    server = tracking_server_argv(port, f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "artifacts")
    password = secrets.token_hex(16)
    uri = f"http://flowjobs:{password}@127.0.0.1:{port}"  # a plain server ignores the user; MLflow must hide it
    with contextlib.ExitStack() as outlives_the_server:
        with running(server, port, tmp_path / "server.log"):
            held = outlives_the_server.enter_context(held_execution(tmp_path, uri))
        released = time.monotonic()
        held.release()  # train goes on: registering its model needs the server that is gone
        failed = held.wait(timeout=FAILS_WITHIN_SECONDS)
        seconds = time.monotonic() - released
    assert failed.code == 1 and seconds < FAILS_WITHIN_SECONDS, failed.stderr[-3000:]
    cause = next(line for line in failed.stderr.splitlines() if line.startswith("failed: node"))
    assert f"MLflow tracking server http://127.0.0.1:{port} does not answer" in cause
    record = failed.record
    assert [(entry.name, entry.status, len(entry.attempts)) for entry in record.tasks.values()] == [
        ("prepare", "done", 1),
        ("train", "failed", 2),
        ("count", "skipped", 0),
    ]
    assert not list((tmp_path / "work").glob("count-*")), "nothing downstream of the failed task ran"

    with running(server, port, tmp_path / "server-again.log"):  # same port, same store
        again = run_tracked(tmp_path, uri, name="again")
        assert again.code == 0, again.stderr[-3000:]
        assert f"resuming failed execution {record.execution_id}" in again.stderr
        assert [(entry.name, entry.status) for entry in again.record.tasks.values()] == [
            ("prepare", "resumed"),
            ("train", "done"),
            ("count", "done"),
        ]
        assert len(list((tmp_path / "work").glob("prepare-*"))) == 1, "prepare ran once in all"
        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=f"http://127.0.0.1:{port}")
        experiment = client.get_experiment_by_name(FLOW_NAME).experiment_id
        query = f"tags.`{tracking.TAG_EXECUTION}` = '{again.record.execution_id}'"
        assert {run.info.status for run in client.search_runs([experiment], filter_string=query)} == {"FINISHED"}
        left = client.search_runs([experiment], filter_string="attributes.status = 'RUNNING'")
        assert left == [], "the failed execution's runs, left RUNNING by the lost server, are ended on resume"
        assert "MLflow run(s) execution " in again.stderr and " left RUNNING" in again.stderr
    assert password not in failed.stderr + again.stderr and not files_holding(tmp_path, password)
