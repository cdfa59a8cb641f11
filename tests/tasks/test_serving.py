"""Serving a registered version with `mlflow models serve`, as a user does: its first prediction, and what stopping
the server (SIGTERM to its pid, SIGINT to its group as Ctrl-C) leaves behind, quietly (no traceback): no JVM and
no `h2o-*` folder for an H2O model, and no JVM at all for the other families. The time to the first prediction of
each family is listed in the run's summary.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from multitrain import registry
from multitrain.model_specs import DEFAULTS
from tests.support import figures
from tests.support.multitrain import PipelineRun, copy_store, java_processes_under
from tests.support.project import tool
from tests.support.servers import free_port

pytestmark = pytest.mark.slow
READY_SECONDS = 900  # an H2O JVM's start on a busy machine; the bound of the wait, not a target
STOP_SECONDS = 120
ROWS = {"dataframe_split": {"columns": ["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm"],
                            "data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}}  # fmt: skip


def versions_by_algorithm(run: PipelineRun) -> dict[str, str]:
    found = run.client().search_model_versions(f"name = '{DEFAULTS.model_name}'")
    return {version.tags[registry.TAG_ALGORITHM]: str(version.version) for version in found}


def predict(url: str) -> list | None:
    request = urllib.request.Request(
        f"{url}/invocations", json.dumps(ROWS).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())["predictions"]
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def serve(run: PipelineRun, version: str, folder: Path) -> tuple[subprocess.Popen, str]:
    folder.mkdir(parents=True, exist_ok=True)
    uri = copy_store(run, folder)
    port = free_port()
    argv = [tool("mlflow"), "models", "serve", "-m", f"models:/{DEFAULTS.model_name}/{version}",
            "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)]  # fmt: skip
    bin_folder = str(Path(tool("mlflow")).parent)  # MLflow starts `uvicorn` from the PATH, as the README says
    path = os.pathsep.join([bin_folder, os.environ.get("PATH", "")])
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "TMPDIR": str(folder / "tmp"), "PATH": path}
    (folder / "tmp").mkdir()
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return server, f"http://127.0.0.1:{port}"  # a session as a terminal's: Ctrl-C reaches the whole group


def first_prediction(server: subprocess.Popen, url: str, log: Path) -> tuple[list, float]:
    started = time.monotonic()
    while time.monotonic() - started < READY_SECONDS:
        assert server.poll() is None, f"the server exited: {log.read_text()[-3000:]}"
        answer = predict(url)
        if answer is not None:
            return answer, time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"no prediction within {READY_SECONDS} s (waited for POST /invocations): {log.read_text()}")


def stopped(server: subprocess.Popen, sent: signal.Signals, folder: Path) -> None:
    """SIGINT as Ctrl-C sends it (to the terminal's foreground group), SIGTERM as `kill PID` does (to the pid)."""
    if sent == signal.SIGINT:
        os.killpg(server.pid, sent)
    else:
        server.send_signal(sent)
    server.wait(STOP_SECONDS)
    deadline = time.monotonic() + STOP_SECONDS
    while (java_processes_under(folder) or list((folder / "tmp").glob("h2o-*"))) and time.monotonic() < deadline:
        time.sleep(0.5)


@pytest.fixture(scope="module")
def session_run(multitrain_run: PipelineRun) -> PipelineRun:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-5000:]
    return multitrain_run


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_a_served_h2o_model_leaves_no_jvm_and_no_h2o_folder(session_run, tmp_path: Path, sent) -> None:
    version = versions_by_algorithm(session_run)["h2o_automl"]
    server, url = serve(session_run, version, tmp_path)
    try:
        answer, seconds = first_prediction(server, url, tmp_path / "serve.log")
        assert [row["species"] for row in answer] == ["Iris-setosa", "Iris-virginica"]
        assert java_processes_under(tmp_path), "an H2O model is scored by a JVM of the server's"
        figures.record("time to first prediction", f"h2o_automl (v{version}): {seconds:.1f} s, stopped by {sent.name}")
    finally:
        stopped(server, sent, tmp_path)
    assert not java_processes_under(tmp_path), f"a JVM outlived the server:\n{(tmp_path / 'serve.log').read_text()}"
    assert not list((tmp_path / "tmp").glob("h2o-*")), "H2O's temp folder was left behind"
    assert "Traceback" not in (tmp_path / "serve.log").read_text(), "stopped quietly"


@pytest.mark.parametrize("algorithm", ["logistic_regression", "random_forest", "xgboost"])
def test_a_served_model_of_another_family_starts_no_jvm(session_run, tmp_path: Path, algorithm: str) -> None:
    version = versions_by_algorithm(session_run)[algorithm]
    server, url = serve(session_run, version, tmp_path)
    try:
        answer, seconds = first_prediction(server, url, tmp_path / "serve.log")
        assert [row["species"] for row in answer] == ["Iris-setosa", "Iris-virginica"]
        assert not java_processes_under(tmp_path) and "h2o" not in (tmp_path / "serve.log").read_text().lower()
        figures.record("time to first prediction", f"{algorithm} (v{version}): {seconds:.1f} s")
    finally:
        stopped(server, signal.SIGTERM, tmp_path)
    assert server.returncode is not None
