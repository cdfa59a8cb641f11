"""A local execution recorded as its MLflow parent run, when tracking is on: the MLflow UI shows the execution as
that run, and its tasks on it (a tag `flowjobs.task_status.<task>` and a metric `task_seconds.<task>` each, and
the artifacts `flowjobs/record.json` and `flowjobs/tasks.html`, the task table: status, attempts, tier, start,
end, exit code, log folder). Tasks are not runs of their own: the branches' child runs stay the only children.

`flowjobs run`: tracking is on for a workflow with an `experiment_name` input (its value names the experiment,
as in the multi-train flow) or when `--experiment NAME` is given. Before any node starts, the runner checks that
the store can be used (`prepare`) and starts a process that loads MLflow while the nodes run
(flowjobs/parent_run_process.py), so the two seconds of MLflow's import and store are not on the run's path, and
the end's work below is done there. The flow's own first tracked task creates the parent run
for the execution id, as under stock `pyflyte run`; at the end the runner gets it (or creates it, when no task
tracked: flowjobs.tracking.parent_run is idempotent), tags it as run by flowjobs, adds the tasks and sets its
status: FINISHED, FAILED, or KILLED after Ctrl-C, so no run is left RUNNING.

Stock `pyflyte run`: when a job task with `tracking=True` ran, the process, as it exits, finds the parent run
the flow opened (by the execution id) and adds the tasks; it ends the run only if the flow left it RUNNING.
"""

from __future__ import annotations

import os
import tempfile
import typing
from pathlib import Path

from flowjobs import tracking, tracking_store
from flowjobs.recorder import Recorder
from flowjobs.records import ExecutionRecord, ExecutionStatus

EXPERIMENT_INPUT = "experiment_name"
TAG_RUNNER = "flowjobs.runner"
TAG_RECORD = "flowjobs.record"
TAG_TASK_STATUS = "flowjobs.task_status."
TAG_RESUMES = "flowjobs.resumes"  # on a parent run: the execution id it resumed
TAG_RESUMED_RUN = "flowjobs.resumed_run"  # on a parent run: that execution's parent run
ARTIFACT_FOLDER = "flowjobs"  # record.json and tasks.html (the task table the MLflow UI shows) of the execution
TASKS_PAGE = "tasks.html"
RUN_STATUS = {
    ExecutionStatus.SUCCEEDED: "FINISHED",
    ExecutionStatus.FAILED: "FAILED",
    ExecutionStatus.INTERRUPTED: "KILLED",
    ExecutionStatus.KILLED: "KILLED",
}


def experiment_for(inputs: dict[str, typing.Any], option: str | None) -> str | None:
    """The experiment to record under: --experiment, else the workflow's `experiment_name` input, else none."""
    return option or inputs.get(EXPERIMENT_INPUT) or None


def prepare() -> None:
    """Before a run that records its execution: the store must answer (or get its schema) now, and a tracking
    server's requests are bounded in time. Raises flowjobs.tracking_store.TrackingError."""
    tracking_store.bound_http()  # before the MLflow process starts: it inherits the bounds
    tracking_store.make_ready(tracking_store.tracking_uri())


def open_run(experiment: str, workflow: str, execution_id: str, runner: str, record_path: Path) -> str:
    """The execution's parent run (found by its execution id, else created in `experiment`), tagged as run by
    flowjobs; the store is made ready first.

    Raises flowjobs.tracking_store.TrackingError when a tracking server does not answer.
    """
    import mlflow

    uri = tracking_store.tracking_uri()
    tracking_store.make_ready(uri)
    mlflow.set_tracking_uri(uri)
    found = find_run(execution_id)  # made by the flow's first tracked task, in whichever experiment it tracks to
    run_id = found.info.run_id if found is not None else tracking.parent_run(experiment, workflow, execution_id)
    tracking.log_values(run_id, tags={TAG_RUNNER: runner, TAG_RECORD: str(record_path)})
    return run_id


def link_resumed(run_id: str, resumed: ExecutionRecord) -> None:
    """Tag an execution's parent run with the execution it resumes and that execution's parent run, so the MLflow
    UI links them."""
    old_run = resumed.mlflow_run_id
    if old_run is None and resumed.tracked:
        found = find_run(resumed.execution_id)
        old_run = found.info.run_id if found is not None else None
    tags = {TAG_RESUMES: resumed.execution_id, **({TAG_RESUMED_RUN: old_run} if old_run else {})}
    tracking.log_values(run_id, tags=tags)


def experiment_of(run_id: str) -> str:
    """The name of the experiment a run is in (an execution's run may be where its flow's first task put it)."""
    client = tracking.client()
    return client.get_experiment(client.get_run(run_id).info.experiment_id).name


def record_tasks(run_id: str, record: ExecutionRecord, record_path: Path) -> None:
    """Each task's status (tag) and seconds (metric), the record itself and its task table as artifacts."""
    from flowjobs import status

    durations = {
        f"task_seconds.{entry.name}": round(entry.duration, 1)
        for entry in record.tasks.values()
        if entry.duration is not None
    }
    statuses = {f"{TAG_TASK_STATUS}{entry.name}": entry.status.value for entry in record.tasks.values()}
    tracking.log_values(run_id, metrics=durations, tags=statuses)
    tracking.client().log_artifact(run_id, str(record_path), ARTIFACT_FOLDER)
    with tempfile.TemporaryDirectory() as scratch:
        table = Path(scratch) / TASKS_PAGE
        table.write_text(status.tasks_page(record), encoding="utf-8")
        tracking.client().log_artifact(run_id, str(table), ARTIFACT_FOLDER)


def close_run(run_id: str, record: ExecutionRecord, record_path: Path) -> None:
    """The tasks (`record_tasks`) and the run's final status."""
    record_tasks(run_id, record, record_path)
    tracking.set_status(run_id, RUN_STATUS[record.status])


def find_run(execution_id: str) -> typing.Any | None:
    """The parent run of an execution, in whichever experiment; None when there is none."""
    execution = tracking.tag_is(tracking.TAG_EXECUTION, execution_id)
    runs = tracking.runs_anywhere(
        f"{execution} and {tracking.tag_is(tracking.TAG_ROLE, tracking.ROLE_EXECUTION)}", max_results=1
    )
    return runs[0] if runs else None


def close_stock_run(recorder: Recorder) -> str | None:
    """A stock `pyflyte run` of a flow that tracks: its tasks go onto the parent run its own first task opened,
    found by the execution id, and a run the flow left RUNNING (a failure outside a script, Ctrl-C) is ended.

    Called when the pyflyte process exits; the store must already exist and answer (nothing is created).
    """
    record = recorder.record
    os.environ[tracking_store.ENV_TRACKING_URI] = recorder.tracking_uri  # the store the flow's scripts used
    tracking_store.bound_http()  # and no MLflow link printed on pyflyte's stdout as the run ends
    tracking_store.require_store()
    run = find_run(record.execution_id)
    if run is None:
        return None
    with recorder.lock:
        record.mlflow_run_id = run.info.run_id
        recorder.save()
    record_tasks(run.info.run_id, record, recorder.path)
    if run.info.status == "RUNNING":
        tracking.set_status(run.info.run_id, RUN_STATUS[record.status])
    return run.info.run_id


def end_left_running(execution_id: str) -> int:
    """End FAILED the MLflow runs of a failed execution still RUNNING (its tracking server went away before they
    could be ended); called when a new execution resumes it. Returns how many were ended."""
    tracking_store.require_store()
    left = tracking.runs_anywhere(
        f"{tracking.tag_is(tracking.TAG_EXECUTION, execution_id)} and attributes.status = 'RUNNING'"
    )
    found = tracking.client()
    for run in left:
        found.set_terminated(run.info.run_id, "FAILED")
    return len(left)
