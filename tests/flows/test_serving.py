"""`mlflow models serve` serves the champion: two rows in, their species out, nothing left running after."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.support.iris import partition
from tests.support.multitrain import PipelineRun, group_members, java_processes_under, stop_group
from tests.support.project import BIN, tool

pytestmark = pytest.mark.slow
PATH = os.pathsep.join([str(BIN), os.environ["PATH"]])  # mlflow starts `uvicorn` from the PATH


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_champion_is_served_on_localhost(multitrain_run: PipelineRun, tmp_path: Path) -> None:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-3000:]
    port = free_port()
    command = [tool("mlflow"), "models", "serve", "-m", "models:/iris-classifier@champion", "--env-manager", "local"]
    server = subprocess.Popen(
        [*command, "-h", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "MLFLOW_TRACKING_URI": multitrain_run.uri, "TMPDIR": str(tmp_path), "PATH": PATH},
        stdout=(tmp_path / "serve.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    rows = partition("D").groupby("Species").head(1).iloc[[0, 2]]  # a setosa and a virginica
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(1)
        assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
        features = rows[["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm"]]
        answer = requests.post(
            f"http://127.0.0.1:{port}/invocations",
            json={"dataframe_split": features.to_dict(orient="split", index=False)},
            timeout=120,
        )
        assert answer.status_code == 200, answer.text
        predicted = [row["species"] for row in answer.json()["predictions"]]
        assert predicted == rows["Species"].tolist() == ["Iris-setosa", "Iris-virginica"]
    finally:
        stop_group(server)
    assert not group_members(server.pid) and not java_processes_under(tmp_path)
