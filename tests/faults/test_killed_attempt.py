"""A task's script killed with SIGKILL mid-run: that attempt fails, the retry succeeds, nothing partial goes on."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from flowjobs import tracking
from tests.scripts.tracked_step import FLOW_NAME, STEPS, read_csv
from tests.support.held_flow import held_execution, task

pytestmark = pytest.mark.slow


def test_a_sigkilled_attempt_is_retried_its_run_failed_and_only_the_retry_output_goes_downstream(
    tmp_path: Path,
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with held_execution(tmp_path, uri) as held:
        os.kill(held.train_pid, signal.SIGKILL)  # it has logged its metrics and written half of `scores`
        ran = held.wait(timeout=300)
    assert ran.code == 0, ran.stderr[-3000:]
    record = ran.record
    train = task(record, "train")
    assert record.status == "succeeded" and train.status == "done"
    assert [(attempt.number, attempt.exit_code) for attempt in train.attempts] == [(1, -signal.SIGKILL), (2, 0)]
    assert "killed by signal 9" in train.attempts[0].error
    killed, retried = (Path(attempt.folder) for attempt in train.attempts)

    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name(FLOW_NAME).experiment_id])
    statuses = {run.data.tags.get(tracking.TAG_WORK_DIR, "parent"): run.info.status for run in runs}
    assert statuses == {str(killed): "FAILED", str(retried): "FINISHED", "parent": "FINISHED"}

    half = read_csv(killed / "outputs" / "scores.csv")
    full = read_csv(retried / "outputs" / "scores.csv")
    assert len(half) == STEPS // 2 and len(full) == STEPS
    count = task(record, "count")
    assert read_csv(Path(count.attempts[0].folder) / "inputs" / "scores") == full
    assert f"rows={STEPS}," in ran.stdout
