"""Every local execution leaves a record: stock local runs of job tasks too, through the attempt hook."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from flowjobs import records
from tests.support.runner import flows
from tests.support.runner.harness import run_flow


def test_a_stock_local_run_records_each_attempt_of_its_job_tasks() -> None:
    assert flows.flaky() == 3  # what `pyflyte run` does: call the workflow
    record = records.latest(runner="pyflyte run")
    entry = record.tasks["tests.support.runner.flows.flaky"]
    assert entry.name == "flaky" and entry.tier == "Small" and entry.status == "done"
    assert [(a.number, a.exit_code) for a in entry.attempts] == [(1, 3), (2, 3), (3, 0)]
    failure = "task 'tests.support.runner.flows.flaky': script exited with code 3: attempt 1 fails"
    assert entry.attempts[0].error == failure
    kept = records.execution_dir(record.execution_id) / "tasks" / "tests.support.runner.flows.flaky" / "attempt-3"
    assert (entry.stdout_log, entry.stderr_log) == (str(kept / "stdout.log"), str(kept / "stderr.log"))
    assert Path(entry.stdout_log).read_text() == (Path(entry.attempts[-1].folder) / "logs" / "stdout.log").read_text()


def test_each_attempts_logs_stay_with_the_record_after_the_temp_folders_are_removed() -> None:
    assert flows.flaky() == 3
    record = records.latest(runner="pyflyte run")
    entry = record.tasks["tests.support.runner.flows.flaky"]
    for attempt in entry.attempts:
        shutil.rmtree(attempt.folder)
    kept = records.execution_dir(record.execution_id) / "tasks" / "tests.support.runner.flows.flaky"
    for number in (1, 2):
        assert f"attempt {number} fails" in (kept / f"attempt-{number}" / "stderr.log").read_text(), number
    assert Path(entry.stderr_log) == kept / "attempt-3" / "stderr.log" and Path(entry.stderr_log).is_file()


def test_a_stock_local_run_records_a_timeout() -> None:
    with pytest.raises(Exception, match="timed out"):
        flows.too_slow()
    entry = records.latest(runner="pyflyte run").tasks["tests.support.runner.flows.too_slow"]
    assert entry.status == "failed" and entry.attempts[0].timed_out and entry.exit_code < 0


def test_a_flowjobs_run_record_is_plain_json_with_every_task() -> None:
    outcome = run_flow("sleeps", "--cpus", "2", terminal=True)
    path = records.execution_dir(outcome.record.execution_id) / records.RECORD_FILE
    raw = json.loads(path.read_text())
    assert raw["runner"] == "flowjobs run" and raw["workflow"] == "sleeps" and raw["status"] == "succeeded"
    assert raw["file"].endswith("tests/support/runner/flows.py")
    for key in ("n0", "n1", "n2", "n3"):
        task = raw["tasks"][key]
        assert {"status", "tier", "start", "end", "exit_code", "stdout_log", "stderr_log", "attempts"} <= task.keys()
        assert task["status"] == "done" and task["exit_code"] == 0 and task["tier"] == "Small"
    assert records.load(path) == outcome.record
    assert records.latest(workflow="sleeps").execution_id == outcome.record.execution_id
    assert str(path) in outcome.log, "the record's path is printed"
    for key, entry in outcome.record.tasks.items():
        shown = f"logs {key} {entry.name}: {entry.stdout_log} {entry.stderr_log}"
        assert shown in outcome.log, "each task's log files are printed"
        row = rf"│ {key}\s+│ {entry.name}\s+│ Small\s+│ done\s+│\s+1 │\s+{entry.duration:.1f}s │"
        assert re.search(row, outcome.log), "the summary: task, tier, status, attempts, duration"
