"""One end-to-end run of the multi-train flow with stock `pyflyte run`, on a fresh SQLite store of its own.

`run_pipeline(folder, *flow_args)` runs it with everything it writes inside `folder` (store/mlflow.db and
store/mlruns, models/, the job tasks' work/ folders) and returns what the tests look at. The session fixture
`multitrain_run` (tests/conftest.py) runs it once with a small H2O budget, once for all pytest-xdist workers
(`shared_run`); tests read it, never change it (copy its store first: `copy_store`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import typing
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from tests.support.iris import DATA
from tests.support.project import PROJECT_ROOT, run, tool

FLOW = "flows/multitrain_flow.py"
WORKFLOW = "model_training_pipeline"
# two models, and time enough for them on a busy machine: a run stops at max_models, so with its seed it is repeatable
SMALL_H2O = ("--h2o_max_models", "2", "--h2o_max_runtime_secs", "300")
RESULT = re.compile(r"MultiTrainResult\(champion_version='(?P<champion>[^']*)', leaderboard=(?P<leaderboard>\S+)\)")


@dataclass
class PipelineRun:
    folder: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def store(self) -> Path:
        return self.folder / "store"

    @property
    def uri(self) -> str:
        return f"sqlite:///{self.store / 'mlflow.db'}"

    @property
    def models(self) -> Path:
        return self.folder / "models"

    @property
    def work(self) -> Path:
        return self.folder / "work"

    @property
    def champion(self) -> str:
        found = RESULT.search(self.stdout)
        assert found, f"no result line in the output:\n{self.stdout[-3000:]}\n{self.stderr[-3000:]}"
        return found["champion"]

    def client(self):
        from mlflow import MlflowClient

        return MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)


def pipeline_env(folder: Path, uri: str | None = None, **more: str) -> dict[str, str]:
    """Where a run writes: its own store (unless `uri`), models, work folders, temp and execution records."""
    for name in ("store", "models", "work", "tmp", "state"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "MLFLOW_TRACKING_URI": uri or f"sqlite:///{folder / 'store' / 'mlflow.db'}",
        "FLOWJOBS_MODELS_DIR": str(folder / "models"),
        "FLOWJOBS_WORK_DIR": str(folder / "work"),
        "FLOWJOBS_STATE_DIR": str(folder / "state"),
        "TMPDIR": str(folder / "tmp"),
        "FLOWJOBS_EXECUTION_ID": "",  # a new execution, whatever ran in this process before
        **more,
    }


def run_pipeline(
    folder: Path, *flow_args: str, uri: str | None = None, command: str = "pyflyte", **env: str
) -> PipelineRun:
    """`pyflyte run flows/multitrain_flow.py model_training_pipeline …` (or `flowjobs run …`) from the project root."""
    started = time.monotonic()
    result = run(
        [tool(command), "run", FLOW, WORKFLOW, *flow_args],
        cwd=PROJECT_ROOT,
        env=pipeline_env(folder, uri, **env),
        timeout=1200,
    )
    return PipelineRun(folder, result.returncode, result.stdout, result.stderr, time.monotonic() - started)


def shared_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: typing.Callable[[Path], PipelineRun]
) -> PipelineRun:
    """A session run made once for all pytest-xdist workers (under a file lock in the session's temp folder, which
    the workers share), or once for a run without workers; the others read what the first one left."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder, summary = shared / name, shared / f"{name}.json"
    with FileLock(shared / f"{name}.lock"):
        if summary.exists():
            return PipelineRun(**{**json.loads(summary.read_text()), "folder": folder})
        folder.mkdir()
        made = make(folder)
        fields = {key: value for key, value in dataclasses.asdict(made).items() if key != "folder"}
        summary.write_text(json.dumps(fields))
    return made


def run_task(script: str, *args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A task script run alone, as a user runs it: `python tasks/<script>.py …`."""
    return run([sys.executable, str(PROJECT_ROOT / "tasks" / f"{script}.py"), *args], cwd=cwd, env=env)


def prepare_alone(folder: Path, env: dict[str, str]) -> str:
    """tasks/prepare_data.py run alone into `folder`/p; returns the parent run's id."""
    prepared = run_task("prepare_data", "--iris", str(DATA), "--output-dir", "p", cwd=folder, env=env)
    assert prepared.returncode == 0, prepared.stderr
    return (folder / "p" / "parent_run_id").read_text()


ARTIFACT_COLUMNS = {  # where MLflow's SQLite store keeps absolute artifact locations
    "experiments": "artifact_location",
    "runs": "artifact_uri",
    "logged_models": "artifact_location",
    "model_versions": "storage_location",
}


def copy_store(source: PipelineRun, target: Path) -> str:
    """A copy of a run's store, database and artifacts, to change freely; returns its tracking URI.

    MLflow keeps artifact locations as absolute URIs, so the copy's are moved to its own artifact folder:
    what a test logs to the copy never reaches the session's run.
    """
    copied = target / "store"
    shutil.copytree(source.store, copied)
    with contextlib.closing(sqlite3.connect(copied / "mlflow.db")) as database, database:
        for table, column in ARTIFACT_COLUMNS.items():
            database.execute(
                f"UPDATE {table} SET {column} = replace({column}, ?, ?)",
                (source.store.as_uri() + "/", copied.as_uri() + "/"),
            )
    return f"sqlite:///{copied / 'mlflow.db'}"


def java_processes_under(folder: Path) -> list[int]:
    """PIDs of java processes whose command line names `folder` (their ice_root): ours, never others'."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"java") and any(str(folder).encode() in arg for arg in argv):
            found.append(int(entry.name))
    return found


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    members = []
    for entry in Path("/proc").iterdir():
        try:
            state, _, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(group) == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def stop_group(process: subprocess.Popen) -> None:
    """Stop a process group we started (SIGTERM, then SIGKILL after 10 s) and reap its leader."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            process.poll()
            if not group_members(process.pid):
                return
            time.sleep(0.2)


@contextlib.contextmanager
def served_champion(model: str, tracking_uri: str, folder: Path) -> typing.Iterator[str]:
    """`mlflow models serve` of a model's champion, as a user starts it (uvicorn found on the PATH); yields its
    base URL once /ping answers, and stops its whole process group after, leaving no JVM under `folder`."""
    import requests

    from tests.support.project import BIN
    from tests.support.servers import free_port

    port = free_port()
    command = [tool("mlflow"), "models", "serve", "-m", f"models:/{model}@champion", "--env-manager", "local"]
    path = os.pathsep.join([str(BIN), os.environ["PATH"]])
    server = subprocess.Popen(
        [*command, "-h", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "MLFLOW_TRACKING_URI": tracking_uri, "TMPDIR": str(folder), "PATH": path},
        stdout=(folder / "serve.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # generous: on a loaded machine the JVM of an H2O champion starts slowly
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if requests.get(f"{url}/ping", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(1)
        assert server.poll() is None, (folder / "serve.log").read_text()[-3000:]
        assert requests.get(f"{url}/ping", timeout=30).status_code == 200, (folder / "serve.log").read_text()[-3000:]
        yield url
    finally:
        stop_group(server)
    assert not group_members(server.pid) and not java_processes_under(folder)
