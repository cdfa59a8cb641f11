"""Many executions of the tracked flow at once against one MLflow store: what they cost and what they left.

Used by the load test (tests/load/) and by `benchmarks/run.py --load`, so the CI figures and the benchmark's are
one measurement. Each execution is its own `flowjobs run` process of tests/support/tracked_flow.py, all with the
same inputs and one state folder, as when several people start the same flow on one machine at once.

    with store("sqlite", folder) as uri:            # or "postgres": an mlflow server on a database of its own
        ran = run_concurrently(16, folder, uri)     # every process started at once; waits for all of them
        figures(ran).line("sqlite")                 # executions/min, tasks/s, per-task overhead (p95)
        missing(ran, client(uri))                   # what MLflow lacks of what the executions did; [] if nothing
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import statistics
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from flowjobs import records, tracking
from multitrain import registry
from tests.scripts.tracked_step import METRICS, read_csv
from tests.support.project import BIN, PROJECT_ROOT, tool
from tests.support.servers import free_port, postgres_database, running, tracking_server_argv

FLOW_FILE = PROJECT_ROOT / "tests" / "support" / "tracked_flow.py"
WORKFLOW = "tracked"
EXPERIMENT = "load"
MODEL = "load-model"
STORES = ("sqlite", "postgres")
RESULT = re.compile(r"Tracked\(rows=(?P<rows>\d+), version='(?P<version>\d+)'\)")
RECORD = re.compile(r"^record: (?P<path>\S+)$", re.MULTILINE)


@dataclass
class Execution:
    """One `flowjobs run` process: its exit code, what it printed, and its execution record."""

    code: int
    stdout: str
    stderr: str

    @cached_property
    def record(self) -> records.ExecutionRecord:
        found = RECORD.search(self.stderr)
        assert found, f"no record line:\n{self.stderr[-3000:]}"
        return records.load(Path(found["path"]))

    @property
    def version(self) -> str:
        found = RESULT.search(self.stdout)
        assert found, f"no result line:\n{self.stdout[-2000:]}\n{self.stderr[-3000:]}"
        return found["version"]

    def scores(self) -> list[dict[str, str]]:
        """The scores the execution's train task wrote, as its last attempt left them."""
        train = next(entry for entry in self.record.tasks.values() if entry.name == "train")
        return read_csv(Path(train.attempts[-1].folder) / "outputs" / "scores.csv")


@dataclass
class Load:
    executions: list[Execution]
    seconds: float  # from starting the first process to the last one's exit


@contextlib.contextmanager
def store(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, empty store's tracking URI: a new SQLite file, or an `mlflow server` on 127.0.0.1 whose backend is
    a database of its own on the machine's PostgreSQL (dropped afterwards)."""
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'mlflow.db'}"
        return
    port = free_port()
    with postgres_database() as database:
        argv = tracking_server_argv(port, database, folder / "artifacts")
        with running(argv, port, folder / "server.log") as server:
            yield server.url


def client(uri: str):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def tracked_env(folder: Path, uri: str, **more: str) -> dict[str, str]:
    """A `flowjobs run` of the tracked flow writing only under `folder`, tracking to `uri`."""
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),
        "MLFLOW_TRACKING_URI": uri,
        "FLOWJOBS_STATE_DIR": str(folder / "state"),
        "FLOWJOBS_WORK_DIR": str(folder / "work"),
        "TMPDIR": str(folder / "tmp"),
        "FLOWJOBS_EXECUTION_ID": "",
        **more,
    }


def flowjobs_run(*args: str) -> list[str]:
    return [tool("flowjobs"), "run", str(FLOW_FILE), WORKFLOW, *args]


def pyflyte_run(*args: str) -> list[str]:
    return [tool("pyflyte"), "run", str(FLOW_FILE), WORKFLOW, *args]


def _stop(processes: list[subprocess.Popen]) -> None:
    """Each execution runs in a session of its own: stop each one's whole group (its scripts too)."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_concurrently(count: int, folder: Path, uri: str, timeout: float = 600) -> Load:
    """`count` executions started at once; their output goes to `folder`/logs. Past `timeout` seconds, every one
    still running is killed with what it started, and TimeoutExpired is raised."""
    logs = folder / "logs"
    for name in ("logs", "tmp"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    argv = flowjobs_run("--mlflow_experiment", EXPERIMENT, "--model_name", MODEL)
    env = tracked_env(folder, uri)
    started = time.monotonic()
    processes = []
    try:
        for index in range(count):
            with (logs / f"{index}.out").open("w") as out, (logs / f"{index}.err").open("w") as err:
                processes.append(
                    subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=err, start_new_session=True)
                )
        codes = [process.wait(timeout=max(0.0, started + timeout - time.monotonic())) for process in processes]
    finally:
        _stop(processes)
    seconds = time.monotonic() - started
    executions = [
        Execution(code, (logs / f"{index}.out").read_text(), (logs / f"{index}.err").read_text())
        for index, code in enumerate(codes)
    ]
    return Load(executions, seconds)


@dataclass
class Figures:
    executions: int
    tasks: int
    seconds: float
    overheads: list[float]  # per task: its wall time in the record minus its script's own time

    @property
    def executions_per_minute(self) -> float:
        return self.executions / self.seconds * 60

    @property
    def tasks_per_second(self) -> float:
        return self.tasks / self.seconds

    @property
    def p95_overhead(self) -> float:
        return statistics.quantiles(self.overheads, n=20, method="inclusive")[-1]

    def line(self, store: str) -> str:
        return (
            f"{store}: {self.executions} executions ({self.tasks} tasks) in {self.seconds:.1f}s: "
            f"{self.executions_per_minute:.1f} executions/min, {self.tasks_per_second:.2f} tasks/s; per-task overhead "
            f"p95 {self.p95_overhead:.3f}s, median {statistics.median(self.overheads):.3f}s"
        )


def figures(load: Load) -> Figures:
    """Throughput over the whole load, and each task's overhead: its span in the record minus its scripts' time."""
    tasks = [entry for execution in load.executions for entry in execution.record.tasks.values()]
    overheads = [entry.duration - sum(attempt.script_seconds or 0.0 for attempt in entry.attempts) for entry in tasks]
    return Figures(len(load.executions), len(tasks), load.seconds, overheads)


def missing(load: Load, client) -> list[str]:
    """Everything an execution did that MLflow does not hold exactly once (runs, metric values, model versions)."""
    problems = [f"execution {i} exited {e.code}: {e.stderr[-500:]}" for i, e in enumerate(load.executions) if e.code]
    if problems:
        return problems
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        return [f"no experiment {EXPERIMENT!r}"]
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    versions = client.search_model_versions(f"name = '{MODEL}'")
    problems += [f"run {run.info.run_id} is {run.info.status}" for run in runs if run.info.status != "FINISHED"]
    expected = len(load.executions)
    if len(runs) != 2 * expected or len(versions) != expected:
        problems.append(f"{len(runs)} runs and {len(versions)} versions for {expected} executions")
    for execution in load.executions:
        problems += _missing_of(execution, runs, versions, client)
    return problems


def _missing_of(execution: Execution, runs: list, versions: list, client) -> list[str]:
    execution_id = execution.record.execution_id
    mine = [run for run in runs if run.data.tags.get(tracking.TAG_EXECUTION) == execution_id]
    roles = sorted(run.data.tags.get(tracking.TAG_ROLE) for run in mine)
    if roles != [tracking.ROLE_BRANCH, tracking.ROLE_EXECUTION]:
        return [f"{execution_id}: runs {roles}, expected one parent and one branch run"]
    branch = next(run for run in mine if run.data.tags[tracking.TAG_ROLE] == tracking.ROLE_BRANCH)
    parent = next(run for run in mine if run.data.tags[tracking.TAG_ROLE] == tracking.ROLE_EXECUTION)
    problems = [] if branch.data.tags["mlflow.parentRunId"] == parent.info.run_id else [f"{execution_id}: orphan"]
    written = execution.scores()
    for name in METRICS:
        logged = [(m.step, m.value) for m in client.get_metric_history(branch.info.run_id, name)]
        if sorted(logged) != [(int(row["step"]), float(row[name])) for row in written]:
            problems.append(f"{execution_id}: metric {name} holds {sorted(logged)}")
    registered = [v for v in versions if v.tags.get(registry.TAG_EXECUTION) == execution_id]
    if [(str(v.version), v.run_id) for v in registered] != [(execution.version, branch.info.run_id)]:
        problems.append(f"{execution_id}: versions {[(v.version, v.run_id) for v in registered]}")
    return problems
