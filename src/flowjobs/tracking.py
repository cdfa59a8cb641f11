"""MLflow for the flows' scripts: connecting to the store (flowjobs/tracking_store.py) and the run hierarchy.

A client that creates an experiment in a database store itself would put its artifacts under its own working
folder (a script's temp folder), so experiments are created with their artifacts beside the store.

    experiment (one per flow, name configurable)
      └ parent run: one flow execution, keyed by its execution id      parent_run()
          └ child run: one branch (tier, duration, status)               branch_run()
              └ grandchild run: one grid point                           grid_point_run()

mlflow is imported inside the functions: the job task imports this module for every task, and importing mlflow
takes seconds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
import typing
from pathlib import Path

from flowjobs.contract import ENV_TASK_NAME
from flowjobs.execution import current_execution_id
from flowjobs.settings import project_root
from flowjobs.tiers import ENV_TIER
from flowjobs.tracking_credentials import for_mlflow
from flowjobs.tracking_store import (
    TrackingError,
    bound_http,
    check_reachable,
    database_store,
    is_database,
    make_ready,
    redacted,
    store_lock,
    tracking_uri,
)

ENV_GIT_COMMIT = "FLOWJOBS_GIT_COMMIT"

TAG_EXECUTION = "flowjobs.execution_id"
TAG_FLOW = "flowjobs.flow"
TAG_ROLE = "flowjobs.role"
TAG_BRANCH = "flowjobs.branch"
TAG_TIER = "flowjobs.tier"
TAG_TASK = "flowjobs.task"
TAG_WORK_DIR = "flowjobs.work_dir"
TAG_SNAPSHOT = "flowjobs.snapshot."
TAG_GIT_COMMIT = "mlflow.source.git.commit"
TAG_NOTE = "mlflow.note.content"  # a run's description in the MLflow UI (markdown)
# MLflow 3's UI opens an experiment by this tag's value: the model-training view (runs, metrics, models), not the
# GenAI one (traces, token usage) it shows an untagged experiment
TAG_EXPERIMENT_KIND, MODEL_TRAINING_KIND = "mlflow.experimentKind", "custom_model_development"
# MLflow 3.17's UI lets one switch in the browser (default GenAI) override the tag; a link with this query opens the
# model-training view whatever the browser chose
MODEL_TRAINING_VIEW = "workflowType=machine_learning"
UI_DEFAULT = "http://127.0.0.1:5000"  # where `mlflow ui` listens unless told otherwise
ROC_DATA = "evaluation/roc_curve.json"  # a branch run's ROC curves as data (tasks/training.py), for `flowjobs compare`
ROLE_EXECUTION, ROLE_BRANCH, ROLE_GRID_POINT = "execution", "branch", "grid_point"


def _sigterm_exits(signum: int, frame: typing.Any) -> None:  # noqa: ARG001 (signal handler signature)
    sys.exit(128 + signum)


def connect() -> str:
    """Point this script's MLflow at the tracking URI; fail fast when it cannot be used.

    Also turns SIGTERM (a task's timeout) into an exit through `finally` blocks, so runs end FAILED.
    """
    bound_http()
    uri = tracking_uri()
    make_ready(uri)
    uri = for_mlflow(uri)
    signal.signal(signal.SIGTERM, _sigterm_exits)
    import mlflow

    mlflow.set_tracking_uri(uri)
    return uri


# --- the run hierarchy ---------------------------------------------------------------------------------------


def client(probe: bool = False):
    """An MLflow client of the flows' store, whether or not `connect()` ran in this process.

    With `probe` (the runner's calls after a task), a tracking server that does not answer is a TrackingError at
    once (see `check_reachable`). A script's calls go without: a server lost mid-task must fail the attempt as
    MLflow reports it, which is retried, not as a refused input, which is not.
    """
    from mlflow import MlflowClient

    bound_http()
    uri = tracking_uri()
    if probe and uri.startswith(("http://", "https://")):
        check_reachable(uri)
    uri = for_mlflow(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def experiment_id(name: str) -> str:
    """The experiment's id, creating it (artifacts beside a database store) on first use."""
    from mlflow.exceptions import MlflowException

    found = client().get_experiment_by_name(name)
    if found is not None:
        if found.tags.get(TAG_EXPERIMENT_KIND) is None:  # made by an older release, or by hand
            client().set_experiment_tag(found.experiment_id, TAG_EXPERIMENT_KIND, MODEL_TRAINING_KIND)
        return found.experiment_id
    uri = tracking_uri()
    try:
        made = database_store(uri).create_experiment(name) if is_database(uri) else client().create_experiment(name)
    except MlflowException as err:
        if err.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
        return experiment_id(name)
    client().set_experiment_tag(made, TAG_EXPERIMENT_KIND, MODEL_TRAINING_KIND)
    return made


def ui_link(experiment: str, run_id: str | None = None, uri: str | None = None) -> str:
    """The MLflow UI's page of an experiment (or of one of its runs) in the model-training view: on the tracking
    server when the store is one, else on `mlflow ui`'s default address."""
    import urllib.parse

    parts = urllib.parse.urlsplit(uri or tracking_uri())
    server = parts.scheme in ("http", "https")  # its address without credentials: a link to show and share
    host = f"{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    base = urllib.parse.urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", "")) if server else UI_DEFAULT
    page = f"runs/{run_id}" if run_id else "runs"
    return f"{base}/#/experiments/{experiment}/{page}?{MODEL_TRAINING_VIEW}"


def execution_run_name(flow_name: str, when: dt.datetime | None = None) -> str:
    """What the MLflow UI lists an execution as: its flow and its local start time (the id is a tag)."""
    return f"{flow_name.rsplit('.', 1)[-1]} {(when or dt.datetime.now()).astimezone():%Y-%m-%d %H:%M:%S}"


def git_commit() -> str:
    """The project's commit: FLOWJOBS_GIT_COMMIT (set in an image), else git, else `unknown`."""
    if os.environ.get(ENV_GIT_COMMIT):
        return os.environ[ENV_GIT_COMMIT]
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=project_root(), capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return found.stdout.strip()


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
            name = execution_run_name(flow_name)
            run_id = client().create_run(experiment, run_name=name, tags=identity).info.run_id
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
            mlflow.log_metric("duration_seconds", round(time.monotonic() - started, 1))


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
    """An attempt hook of the job task (flowjobs/job_runtime.py): a script killed by a signal (the SIGKILL after a
    timeout, the OOM killer, the runner's Ctrl-C) cannot end its runs, so after such an attempt they are ended
    FAILED here."""
    interrupted = False
    try:
        yield
    except BaseException as err:
        interrupted = not isinstance(err, Exception)
        raise
    finally:
        ended = attempt.run
        killed = ended is not None and (ended.returncode < 0 or ended.timed_out)
        if attempt.spec.tracking and (killed or (interrupted and ended is None)):
            try:
                fail_runs_of(attempt.folder)
            except Exception as err:  # the attempt's own failure is what the task reports
                logging.getLogger("flowjobs").warning("could not end the runs of %s: %s", attempt.folder, err)


def runs_anywhere(query: str, **options: typing.Any) -> list:
    """The runs matching a search filter in every experiment of the store (none when it has no experiment)."""
    found = client(probe=True)  # the runner's look-ups (logs, records, resumes): a silent server fails at once
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
