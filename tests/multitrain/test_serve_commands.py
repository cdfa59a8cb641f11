"""Every serving command we print or document works copied as it is: the one `flowjobs champion` prints (run by
bash with a PATH without the venv, as in a fresh terminal; stopped by Ctrl-C, quietly, nothing left running), and
the serving block of docs/tracking.md (run whole, as written, from the project root). Against a copy of the
session run's store (its champion may be H2O's: a JVM to start and stop)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.multitrain import PipelineRun, copy_store, java_processes_under
from tests.support.outside import blocks
from tests.support.project import PROJECT_ROOT, run, tool
from tests.support.servers import free_port

pytestmark = pytest.mark.slow
READY_SECONDS = 900  # an H2O JVM's start on a busy machine: the bound of the wait, not a target
ROWS = {"dataframe_split": {"columns": ["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm"],
                            "data": [[5.1, 3.5, 1.4, 0.2]]}}  # fmt: skip
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"  # a terminal where the venv is not activated


def predicted(url: str) -> list:
    request = urllib.request.Request(
        f"{url}/invocations", json.dumps(ROWS).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())["predictions"]


def test_the_serve_command_flowjobs_champion_prints_works_copied(multitrain_run: PipelineRun, tmp_path: Path) -> None:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-5000:]
    uri = copy_store(multitrain_run, tmp_path)
    shown = run([tool("flowjobs"), "champion"], cwd=PROJECT_ROOT, env={"MLFLOW_TRACKING_URI": uri})
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    printed = lines[lines.index(next(line for line in lines if line.startswith("Serve it"))) + 1]
    port = free_port()
    command = re.sub(r"-p 5001$", f"-p {port}", printed)  # the one change: a free port, tests run side by side
    (tmp_path / "tmp").mkdir()
    env = {"PATH": BARE_PATH, "HOME": str(tmp_path), "TMPDIR": str(tmp_path / "tmp")}
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen(["bash", "-c", command], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # fmt: skip
    try:
        started = time.monotonic()
        while time.monotonic() - started < READY_SECONDS:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            try:
                answer = predicted(f"http://127.0.0.1:{port}")
                break
            except OSError:
                time.sleep(1)
        assert answer[0]["species"] == "Iris-setosa"
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C in its terminal
        server.wait(120)
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log and "not found" not in log, log[-3000:]
    deadline = time.monotonic() + 60
    while (java_processes_under(tmp_path) or list((tmp_path / "tmp").glob("h2o-*"))) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not java_processes_under(tmp_path) and not list((tmp_path / "tmp").glob("h2o-*"))


def test_the_serving_block_of_the_docs_runs_as_written(multitrain_run: PipelineRun, tmp_path: Path) -> None:
    [block] = [b for b in blocks(PROJECT_ROOT / "docs" / "tracking.md") if "mlflow models serve" in b.text]
    uri = copy_store(multitrain_run, tmp_path)
    (tmp_path / "tmp").mkdir()
    env = {"MLFLOW_TRACKING_URI": uri, "PATH": BARE_PATH, "HOME": str(tmp_path), "TMPDIR": str(tmp_path / "tmp")}
    ran = subprocess.run(["bash", "-e", "-c", block.text], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                         timeout=READY_SECONDS)  # fmt: skip
    assert '"predictions"' in ran.stdout, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert "Traceback" not in ran.stderr, ran.stderr[-3000:]
    assert not java_processes_under(tmp_path)
