"""A shared tracking server runs MLflow's basic-auth app: an unauthenticated client is refused."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.project import tool
from tests.support.servers import free_port, running

PASSWORD = "an-admin-password-for-tests"


def call(url: str, credentials: tuple[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if credentials:
        token = base64.b64encode(":".join(credentials).encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.mark.slow
def test_the_basic_auth_server_refuses_clients_without_credentials(tmp_path: Path) -> None:
    config = tmp_path / "basic_auth.ini"
    config.write_text(
        "[mlflow]\ndefault_permission = READ\n"
        f"database_uri = sqlite:///{tmp_path / 'auth.db'}\n"
        "admin_username = admin\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
    )
    port = free_port()
    argv = [
        tool("mlflow"),
        "server",
        "--app-name",
        "basic-auth",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backend-store-uri",
        f"sqlite:///{tmp_path / 'mlflow.db'}",
        "--workers",
        "1",
    ]
    env = {
        "MLFLOW_AUTH_CONFIG_PATH": str(config),
        "MLFLOW_AUTH_ADMIN_PASSWORD": PASSWORD,
        "MLFLOW_FLASK_SERVER_SECRET_KEY": "a-csrf-key-for-tests",
    }
    with running(argv, port, tmp_path / "server.log", env=env) as server:
        search = f"{server.url}/api/2.0/mlflow/experiments/search?max_results=10"
        assert call(search)[0] == 401
        assert call(search, ("admin", "wrong-password"))[0] == 401
        status, body = call(search, ("admin", PASSWORD))
        assert status == 200 and "experiments" in json.loads(body)
