"""A `flowjobs run` execution recorded as its MLflow parent run, when tracking is on.

Tracking is on for a workflow with an `experiment_name` input (its value names the experiment, as in the
multi-train flow) or when `--experiment NAME` is given. The runner gets or creates the parent run for its
execution id before any node starts (helpers.tracking.parent_run is idempotent, so the flow's own first
task finds the same run), and at the end adds each task's status and duration and the execution record, and
sets the run's status: FINISHED, FAILED, or KILLED after Ctrl-C, so no run is left RUNNING.
"""

from __future__ import annotations

import typing
from pathlib import Path

from helpers import tracking
from helpers.runner.records import ExecutionRecord, ExecutionStatus

EXPERIMENT_INPUT = "experiment_name"
TAG_RUNNER = "flowjobs.runner"
TAG_RECORD = "flowjobs.record"
TAG_TASK_STATUS = "flowjobs.task_status."
RUN_STATUS = {
    ExecutionStatus.SUCCEEDED: "FINISHED",
    ExecutionStatus.FAILED: "FAILED",
    ExecutionStatus.INTERRUPTED: "KILLED",
}


def experiment_for(inputs: dict[str, typing.Any], option: str | None) -> str | None:
    """The experiment to record under: --experiment, else the workflow's `experiment_name` input, else none."""
    return option or inputs.get(EXPERIMENT_INPUT) or None


def open_run(experiment: str, workflow: str, execution_id: str, runner: str, record_path: Path) -> str:
    """The execution's parent run (get or create), tagged as run by flowjobs; the store is made ready first.

    Raises helpers.tracking.TrackingError when a tracking server does not answer.
    """
    import mlflow

    uri = tracking.tracking_uri()
    if uri.startswith(("http://", "https://")):
        tracking.check_reachable(uri)
    else:
        tracking.prepare_store(uri)
    mlflow.set_tracking_uri(uri)
    run_id = tracking.parent_run(experiment, workflow, execution_id)
    tracking.log_values(run_id, tags={TAG_RUNNER: runner, TAG_RECORD: str(record_path)})
    return run_id


def close_run(run_id: str, record: ExecutionRecord, record_path: Path) -> None:
    """Each task's status and seconds, the record itself as an artifact, and the run's final status."""
    durations = {
        f"task_seconds.{entry.name}": entry.duration for entry in record.tasks.values() if entry.duration is not None
    }
    statuses = {f"{TAG_TASK_STATUS}{entry.name}": entry.status.value for entry in record.tasks.values()}
    tracking.log_values(run_id, metrics=durations, tags=statuses)
    tracking.client().log_artifact(run_id, str(record_path), "flowjobs")
    tracking.set_status(run_id, RUN_STATUS[record.status])
