"""MLflow for the flows: where runs go, a store ready before the fan-out, and the run hierarchy.

With MLFLOW_TRACKING_URI unset, runs go to `sqlite:///<project root>/mlflow.db` and artifacts to `mlruns/`
beside it, so `mlflow ui` started in the project root with no flags shows both. A client that creates an
experiment in a database store itself would put its artifacts under its own working folder (a script's temp
folder), so experiments are created with their artifacts beside the store. With MLFLOW_TRACKING_URI set
(e.g. a tracking server), the same records go there.

    experiment (one per flow, name configurable)
      └ parent run: one flow execution, keyed by its execution id      parent_run()
          └ child run: one branch (tier, duration, status)               branch_run()
              └ grandchild run: one grid point                           grid_point_run()

Several scripts starting at once on a fresh SQLite store would each create the schema, and all but one fail;
`prepare_store` creates it once, under a file lock, before any script runs. A server that does not answer
fails within seconds naming the URI. mlflow is imported inside the functions: the job task imports this
module for every task, and importing mlflow takes seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
import typing
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from helpers.contract import ENV_TASK_NAME
from helpers.execution import ENV_EXECUTION_ID, new_execution_id
from helpers.flows import ScriptInputError
from helpers.settings import PROJECT_ROOT
from helpers.tiers import ENV_TIER
from helpers.tracking_credentials import for_mlflow, split_credentials

ENV_TRACKING_URI = "MLFLOW_TRACKING_URI"
ENV_GIT_COMMIT = "FLOWJOBS_GIT_COMMIT"
# Bounded HTTP behaviour for scripts (the user's own values win): a dead server ends a call in seconds.
HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
}
PROBE_TIMEOUT_SECONDS = 4.0
DATABASE_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")

TAG_EXECUTION = "flowjobs.execution_id"
TAG_FLOW = "flowjobs.flow"
TAG_ROLE = "flowjobs.role"
TAG_BRANCH = "flowjobs.branch"
TAG_TIER = "flowjobs.tier"
TAG_TASK = "flowjobs.task"
TAG_WORK_DIR = "flowjobs.work_dir"
TAG_SNAPSHOT = "flowjobs.snapshot."
TAG_GIT_COMMIT = "mlflow.source.git.commit"
ROC_DATA = "evaluation/roc_curve.json"  # a branch run's ROC curves as data (tasks/training.py), for `flowjobs compare`
ROLE_EXECUTION, ROLE_BRANCH, ROLE_GRID_POINT = "execution", "branch", "grid_point"


class TrackingError(ScriptInputError):
    """The tracking store cannot be used (a server that does not answer); the message names the URI."""


# --- where ---------------------------------------------------------------------------------------------------


def tracking_uri() -> str:
    """MLFLOW_TRACKING_URI made absolute, or the SQLite store at the project root."""
    return absolute_uri(os.environ.get(ENV_TRACKING_URI) or f"sqlite:///{PROJECT_ROOT / 'mlflow.db'}")


def absolute_uri(uri: str) -> str:
    """Scripts run in temp folders: a relative SQLite file or store folder is made absolute here."""
    if uri.startswith("sqlite:///"):
        path, mark, query = uri.removeprefix("sqlite:///").partition("?")
        if path and not path.startswith("/") and path != ":memory:":
            return f"sqlite:///{Path(path).resolve()}{mark}{query}"
        return uri
    return uri if "://" in uri else Path(uri).resolve().as_uri()


def sqlite_path(uri: str) -> Path | None:
    return Path(uri.removeprefix("sqlite:///").partition("?")[0]) if uri.startswith("sqlite:///") else None


def is_database(uri: str) -> bool:
    return uri.split(":", 1)[0].split("+", 1)[0] in DATABASE_SCHEMES


def artifact_root(uri: str) -> str:
    """Artifacts of a database store: `mlruns/` beside a SQLite file, else at the project root."""
    database = sqlite_path(uri)
    return ((database.parent if database else PROJECT_ROOT) / "mlruns").as_uri()


def redacted(uri: str) -> str:
    """The URI without a password, fit for an error message or a log."""
    parts = urllib.parse.urlsplit(uri)
    if not parts.password:
        return uri
    host = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=host))


def script_env() -> dict[str, str]:
    """What the job task adds to every script's environment: the absolute URI (its credentials apart, see
    `split_credentials`) and bounded HTTP retries."""
    bare, credentials = split_credentials(tracking_uri())
    return {
        ENV_TRACKING_URI: bare,
        **credentials,
        **{key: os.environ.get(key, value) for key, value in HTTP_DEFAULTS.items()},
    }


# --- readiness -----------------------------------------------------------------------------------------------


def store_lock(uri: str) -> contextlib.AbstractContextManager:
    """A file lock beside a SQLite store (held to create the schema, a parent run, a champion move)."""
    database = sqlite_path(uri)
    if database is None:
        return contextlib.nullcontext()
    from filelock import FileLock

    database.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(f"{database}.lock")


def _has_schema(database: Path) -> bool:
    if not database.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as connection:
            return connection.execute("select count(*) from alembic_version").fetchone()[0] > 0
    except sqlite3.Error:
        return False


def _database_store(uri: str):
    """MLflow's store for a database URI, with artifacts beside it; creating it creates the schema."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore(uri, artifact_root(uri))


def prepare_store(uri: str | None = None) -> None:
    """Make the store ready before scripts use it: a database's schema is created once (under a lock)."""
    uri = uri or tracking_uri()
    if not is_database(uri):
        return
    with store_lock(uri):
        database = sqlite_path(uri)
        if database is None or not _has_schema(database):
            _database_store(uri)


def check_reachable(uri: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> None:
    """A tracking server must answer (any HTTP status) within `timeout`; else TrackingError naming the URI."""
    bare = split_credentials(uri)[0]  # urllib would take `user:password@host` for the host name
    try:
        urllib.request.urlopen(f"{bare.rstrip('/')}/health", timeout=timeout).close()
    except urllib.error.HTTPError:
        return
    except (OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise TrackingError(
            f"MLflow tracking server {redacted(uri)} does not answer ({reason}); start it or set MLFLOW_TRACKING_URI"
        ) from None


def require_store() -> str:
    """The tracking URI of a store that exists and answers, for commands that only read it (no store is made)."""
    uri = tracking_uri()
    database = sqlite_path(uri)
    if uri.startswith(("http://", "https://")):
        check_reachable(uri)
    elif database is not None and not _has_schema(database):
        raise TrackingError(f"there is no MLflow store at {database}: run a flow first, or set MLFLOW_TRACKING_URI")
    return uri


def _sigterm_exits(signum: int, frame: typing.Any) -> None:  # noqa: ARG001 (signal handler signature)
    sys.exit(128 + signum)


def connect() -> str:
    """Point this script's MLflow at the tracking URI; fail fast when it cannot be used.

    Also turns SIGTERM (a task's timeout) into an exit through `finally` blocks, so runs end FAILED.
    """
    for key, value in HTTP_DEFAULTS.items():
        os.environ.setdefault(key, value)
    uri = tracking_uri()
    if uri.startswith(("http://", "https://")):
        check_reachable(uri)
    else:
        prepare_store(uri)
    uri = for_mlflow(uri)
    signal.signal(signal.SIGTERM, _sigterm_exits)
    import mlflow

    mlflow.set_tracking_uri(uri)
    return uri


# --- the run hierarchy ---------------------------------------------------------------------------------------


def client():
    """An MLflow client of the flows' store, whether or not `connect()` ran in this process."""
    from mlflow import MlflowClient

    uri = for_mlflow(tracking_uri())
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def experiment_id(name: str) -> str:
    """The experiment's id, creating it (artifacts beside a database store) on first use."""
    from mlflow.exceptions import MlflowException

    found = client().get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    uri = tracking_uri()
    try:
        return _database_store(uri).create_experiment(name) if is_database(uri) else client().create_experiment(name)
    except MlflowException as err:
        if err.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
        return client().get_experiment_by_name(name).experiment_id


def git_commit() -> str:
    """The project's commit: FLOWJOBS_GIT_COMMIT (set in an image), else git, else `unknown`."""
    if os.environ.get(ENV_GIT_COMMIT):
        return os.environ[ENV_GIT_COMMIT]
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return found.stdout.strip()


def current_execution_id() -> str:
    """The flow execution's id (FLOWJOBS_EXECUTION_ID); a script run alone makes one for itself."""
    return os.environ.setdefault(ENV_EXECUTION_ID, new_execution_id())


def tag_is(key: str, value: str) -> str:
    """A search filter clause matching a tag exactly."""
    quoted = value.replace("'", "\\'")
    return f"tags.`{key}` = '{quoted}'"


def parent_run(
    experiment_name: str, flow_name: str, execution_id: str | None = None, tags: dict[str, str] | None = None
) -> str:
    """The run standing for one flow execution: created by the first call, found by every later one.

    Tagged with the execution id, the flow, the git commit and any `tags` given (e.g. snapshot hashes).
    Idempotent, so a runner may record the execution before the flow's first task does.
    """
    from mlflow.entities import RunTag

    execution_id = execution_id or current_execution_id()
    experiment = experiment_id(experiment_name)
    query = f"{tag_is(TAG_EXECUTION, execution_id)} and {tag_is(TAG_ROLE, ROLE_EXECUTION)}"
    with store_lock(tracking_uri()):
        found = client().search_runs([experiment], filter_string=query, max_results=1)
        if found:
            run_id = found[0].info.run_id
        else:
            identity = {TAG_EXECUTION: execution_id, TAG_FLOW: flow_name, TAG_ROLE: ROLE_EXECUTION}
            run_id = client().create_run(experiment, run_name=execution_id, tags=identity).info.run_id
    more = {TAG_GIT_COMMIT: git_commit(), **(tags or {})}
    client().log_batch(run_id, tags=[RunTag(key, str(value)) for key, value in more.items()])
    return run_id


def set_status(run_id: str, status: str) -> None:
    client().set_terminated(run_id, status)


def require_run(run_id: str, input_name: str = "parent_run_id") -> str:
    """A run id a script is given must name a run of the store: else TrackingError naming the input and the store."""
    from mlflow.exceptions import MlflowException

    try:
        client().get_run(run_id)
    except MlflowException as err:
        if err.error_code not in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            raise
        raise TrackingError(
            f"input {input_name!r}: there is no MLflow run {run_id!r} in {redacted(tracking_uri())}"
        ) from None
    return run_id


@contextlib.contextmanager
def flow_step(parent_run_id: str, finishes: bool = False) -> typing.Iterator[None]:
    """A step of the execution: if it fails the execution's run is FAILED; a last step marks it FINISHED."""
    try:
        yield
    except BaseException:
        set_status(parent_run_id, "FAILED")
        raise
    if finishes:
        set_status(parent_run_id, "FINISHED")


@contextlib.contextmanager
def branch_run(parent_run_id: str, branch: str, tags: dict[str, str] | None = None) -> typing.Iterator[str]:
    """The active child run of one branch; it ends FAILED (and so does the parent) if the branch fails.

    Records the branch's tier, task and working folder, and its duration as the metric `duration_seconds`.
    """
    import mlflow

    parent = client().get_run(parent_run_id)
    identity = {
        TAG_ROLE: ROLE_BRANCH,
        TAG_BRANCH: branch,
        TAG_EXECUTION: parent.data.tags.get(TAG_EXECUTION, ""),
        TAG_TIER: os.environ.get(ENV_TIER, "none (run alone)"),
        TAG_TASK: os.environ.get(ENV_TASK_NAME, Path(sys.argv[0]).name),
        TAG_WORK_DIR: str(Path.cwd()),
        **(tags or {}),
    }
    started = time.monotonic()
    with (
        flow_step(parent_run_id),
        mlflow.start_run(
            experiment_id=parent.info.experiment_id, run_name=branch, parent_run_id=parent_run_id, tags=identity
        ) as run,
    ):
        try:
            yield run.info.run_id
        finally:
            mlflow.log_metric("duration_seconds", time.monotonic() - started)


def log_values(
    run_id: str,
    params: dict[str, typing.Any] | None = None,
    metrics: dict[str, float] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Params, metrics and tags in one call (log_batch): each call to a server costs a round trip."""
    from mlflow.entities import Metric, Param, RunTag

    now = int(time.time() * 1000)
    client().log_batch(
        run_id,
        metrics=[Metric(key, float(value), now, 0) for key, value in (metrics or {}).items()],
        params=[Param(key, str(value)) for key, value in (params or {}).items()],
        tags=[RunTag(key, str(value)) for key, value in (tags or {}).items()],
    )


@contextlib.contextmanager
def end_runs_left_running(attempt: typing.Any) -> typing.Iterator[None]:
    """An attempt hook of the job task (helpers/job_runtime.py): a script killed by a signal (the SIGKILL after a
    timeout, the OOM killer) cannot end its runs, so after such an attempt they are ended FAILED here."""
    try:
        yield
    finally:
        ended = attempt.run
        if attempt.spec.tracking and ended is not None and (ended.returncode < 0 or ended.timed_out):
            try:
                fail_runs_of(attempt.folder)
            except Exception as err:  # the attempt's own failure is what the task reports
                logging.getLogger("flowjobs").warning("could not end the runs of %s: %s", attempt.folder, err)


def runs_anywhere(query: str, **options: typing.Any) -> list:
    """The runs matching a search filter in every experiment of the store (none when it has no experiment)."""
    found = client()
    experiments = [experiment.experiment_id for experiment in found.search_experiments()]
    return found.search_runs(experiments, filter_string=query, **options) if experiments else []


def fail_runs_of(folder: Path) -> list[str]:
    """End FAILED the runs a script in `folder` left RUNNING, and the execution's run; returns their ids."""
    found = client()
    left = runs_anywhere(f"{tag_is(TAG_WORK_DIR, str(folder))} and attributes.status = 'RUNNING'")
    for run in left:
        found.set_terminated(run.info.run_id, "FAILED")
        if run.data.tags.get(TAG_ROLE) == ROLE_BRANCH:
            found.set_terminated(run.data.tags["mlflow.parentRunId"], "FAILED")
    return [run.info.run_id for run in left]


def grid_point_run(name: str, params: dict[str, typing.Any], metrics: dict[str, float]) -> str:
    """A finished grandchild run under the active branch run: one grid point, its params and CV metrics."""
    import mlflow

    experiment = mlflow.active_run().info.experiment_id
    tags = {TAG_ROLE: ROLE_GRID_POINT, TAG_WORK_DIR: str(Path.cwd())}
    with mlflow.start_run(experiment_id=experiment, run_name=name, nested=True, tags=tags) as run:
        log_values(run.info.run_id, params=params, metrics=metrics)
    return run.info.run_id
