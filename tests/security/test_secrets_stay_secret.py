"""A secret given through the environment (MLflow credentials, any other variable) appears in no log, record,
report or artifact: not when the flow succeeds, not when it fails."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from flowjobs import tracking_store
from tests.support.held_flow import run_tracked
from tests.support.leaks import files_holding
from tests.support.project import PROJECT_ROOT
from tests.support.servers import free_port, running, tracking_server_argv


def test_a_password_in_the_tracking_uri_is_handed_apart_and_mlflow_errors_never_quote_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    password, port = secrets.token_hex(16), free_port()  # nothing listens there: MLflow's call fails
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://user:{password}@127.0.0.1:{port}")
    handed = tracking_store.script_env()
    assert handed["MLFLOW_TRACKING_URI"] == f"http://127.0.0.1:{port}"
    assert (handed["MLFLOW_TRACKING_USERNAME"], handed["MLFLOW_TRACKING_PASSWORD"]) == ("user", password)
    failed = subprocess.run(
        [sys.executable, "-c", "from flowjobs import tracking; tracking.client().get_run('0' * 32)"],
        env={**os.environ, **handed, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 1 and f"API request to http://127.0.0.1:{port}/" in failed.stderr, failed.stderr
    assert password not in failed.stderr


@pytest.mark.slow
def test_credentials_and_other_secrets_in_the_environment_end_up_in_no_file_of_a_run(tmp_path: Path) -> None:
    password, other = secrets.token_hex(16), secrets.token_hex(16)
    server = tmp_path / "server"
    server.mkdir()
    (server / "basic_auth.ini").write_text(
        "[mlflow]\ndefault_permission = READ\n"
        f"database_uri = sqlite:///{server / 'auth.db'}\n"
        "admin_username = admin\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
    )
    port = free_port()
    store = f"sqlite:///{server / 'mlflow.db'}"
    argv = tracking_server_argv(port, store, server / "artifacts", "--app-name", "basic-auth")
    auth = {
        "MLFLOW_AUTH_CONFIG_PATH": str(server / "basic_auth.ini"),
        "MLFLOW_AUTH_ADMIN_PASSWORD": password,
        "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(16),
    }
    with running(argv, port, server / "server.log", env=auth, cwd=server):
        url = f"http://127.0.0.1:{port}"
        tracked = ("--experiment", "secrets")  # the runner's own parent run: the record goes to the artifacts too
        ok = run_tracked(
            tmp_path,
            url,
            *tracked,
            name="ok",
            MLFLOW_TRACKING_USERNAME="admin",
            MLFLOW_TRACKING_PASSWORD=password,
            FLOWJOBS_TEST_SECRET=other,
        )
        assert ok.code == 0, ok.stderr[-3000:]  # the server refuses a client without the password
        in_uri = url.replace("http://", f"http://admin:{password}@")
        bad = run_tracked(tmp_path, in_uri, *tracked, "--mlflow_experiment", "", name="bad", FLOWJOBS_TEST_SECRET=other)
        assert bad.code == 1 and "failed: node" in bad.stderr, bad.stderr[-3000:]
    for execution in (ok, bad):
        assert files_holding(server / "artifacts", execution.record.execution_id), "the scan reaches the artifacts"
    for secret in (password, other):
        assert secret not in ok.stdout + ok.stderr + bad.stdout + bad.stderr
        assert not files_holding(tmp_path, secret)
