"""`flowjobs run`: retries and timeouts as on a cluster, cache by content, resume after a failure, bad input."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from flowjobs import records
from flowjobs.runner import workflow_inputs
from tests.support.project import PROJECT_ROOT, run, tool
from tests.support.runner.harness import FLOWS, run_flow


def test_a_failed_attempt_is_retried_and_every_attempt_shown() -> None:
    outcome = run_flow("flaky")
    assert outcome.code == 0 and outcome.stdout.strip() == "3", outcome.log
    (entry,) = outcome.record.tasks.values()
    assert [attempt.exit_code for attempt in entry.attempts] == [3, 3, 0]
    assert [attempt.outcome for attempt in entry.attempts] == ["failed", "failed", "succeeded"]
    assert all(attempt.stderr_log and attempt.exit_signal is None for attempt in entry.attempts)
    assert entry.status == "done" and entry.exit_code == 0
    assert "retrying (attempt 2 of 3)" in outcome.log and "retrying (attempt 3 of 3)" in outcome.log
    assert "n0 flaky: running (attempt 3)" in outcome.log


def test_a_timeout_kills_the_script_and_fails_the_task() -> None:
    started = dt.datetime.now()
    outcome = run_flow("too_slow")
    assert outcome.code == 1
    assert (dt.datetime.now() - started).total_seconds() < 15
    (entry,) = outcome.record.tasks.values()
    assert entry.status == "failed" and entry.attempts[0].timed_out and entry.exit_code < 0
    assert entry.attempts[0].outcome == "timed out" and entry.attempts[0].exit_signal == -entry.exit_code
    assert "timed out after 1s; its processes were killed" in entry.error
    assert "failed: node n0 (too_slow): task 'tests.support.runner.flows.too_slow': timed out" in outcome.log
    assert outcome.record.status == "failed" and outcome.stdout == ""


def test_a_cached_task_is_skipped_until_its_input_content_changes(tmp_path: Path) -> None:
    table = tmp_path / "table.csv"
    table.write_text("a\nb\n")
    first = run_flow("counted", "--table", str(table))
    assert first.code == 0 and first.stdout.strip() == "2" and first.status("count_lines") == "done"

    again = run_flow("counted", "--table", str(table))
    assert again.stdout.strip() == "2" and again.status("count_lines") == "cached"
    assert "n0 count_lines: cached" in again.log

    later = dt.datetime.now().timestamp() + 5
    os.utime(table, (later, later))  # touched, same bytes
    assert run_flow("counted", "--table", str(table)).status("count_lines") == "cached"

    table.write_text("a\nb\nc\n")  # same path, other bytes
    changed = run_flow("counted", "--table", str(table))
    assert changed.stdout.strip() == "3" and changed.status("count_lines") == "done"

    fresh = run_flow("counted", "--table", str(table), "--fresh")
    assert fresh.stdout.strip() == "3" and fresh.status("count_lines") == "done"


def test_after_a_failure_a_rerun_runs_only_the_failed_node_and_what_depends_on_it(tmp_path: Path) -> None:
    gate = tmp_path / "gate.txt"
    gate.write_text("closed\n")
    failed = run_flow("gated", "--gate", str(gate))
    assert failed.code == 1
    statuses = {name: failed.status(name) for name in ("first", "aside", "gate", "last")}
    assert statuses == {"first": "done", "aside": "done", "gate": "failed", "last": "skipped"}
    assert "gate: closed" in failed.log

    gate.write_text("pass\n")
    resumed = run_flow("gated", "--gate", str(gate))
    assert resumed.code == 0, resumed.log
    statuses = {name: resumed.status(name) for name in ("first", "aside", "gate", "last")}
    assert statuses == {"first": "resumed", "aside": "resumed", "gate": "done", "last": "done"}
    assert f"resuming failed execution {failed.record.execution_id}" in resumed.log
    assert not (records.execution_dir(failed.record.execution_id) / "results").exists()

    again = run_flow("gated", "--gate", str(gate))
    assert {again.status(name) for name in ("first", "aside", "gate", "last")} == {"done"}, "a success resumes nothing"


@pytest.mark.parametrize(
    ("workflow", "args", "message"),
    [
        ("nope", [], r"has no workflow 'nope'; its workflows: .*counted.*sleeps"),
        ("gated", [], r"workflow 'gated' \(flows.py\): Missing option '--gate'"),
        ("shapes", ["--x", "abc"], r"Invalid value for '--x': 'abc' is not a valid integer"),
        ("counted", ["--table", "/no/such/table.csv"], r"'--table'.*valid file path, /no/such/table.csv"),
        ("sleeps", ["--max-parallel", "0"], r"Invalid value for '--max-parallel': 0 is not in the range x>=1"),
        ("sleeps", ["--cpus", "0"], r"Invalid value for '--cpus': 0.0 is not in the range x>0"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2_before_anything_runs(workflow, args, message) -> None:
    outcome = run_flow(workflow, *args)
    assert outcome.code == 2
    line = outcome.log.strip()
    assert "\n" not in line and line.startswith("error: "), outcome.log
    assert re.search(message, line), line
    assert outcome.record is None and outcome.stdout == ""


def test_a_flow_file_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    outcome = run_flow("sleeps", file=str(tmp_path / "missing.py"))
    assert outcome.code == 2 and outcome.log.strip() == f"error: file {tmp_path / 'missing.py'} does not exist"


def test_the_command_line_lists_inputs_and_options_and_exits_2_on_bad_input(project_root: Path) -> None:
    shown = run([tool("flowjobs"), "run", str(FLOWS), "counted", "--help"], cwd=project_root)
    assert shown.returncode == 0
    for option in ("--table", "--max-parallel", "--cpus", "--fresh", "--inputs-file"):
        assert option in shown.stdout, shown.stdout
    refused = run([tool("flowjobs"), "run", str(FLOWS), "sleeps", "--max-parallel", "0"], cwd=project_root)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().startswith("error: workflow 'sleeps' (flows.py): Invalid value for '--max-parallel'")


def test_whole_numbers_in_a_float_list_are_floats_and_a_wrong_item_stops_the_run_in_one_line() -> None:
    """Stock `pyflyte run` refuses `--c_grid '[0.1, 1, 10]'` with a traceback; flowjobs run takes it, and checks
    every input's type before anything runs."""
    loaded = workflow_inputs.load_workflow(
        str(PROJECT_ROOT / "flows" / "multitrain_flow.py"), "model_training_pipeline"
    )
    values, _ = workflow_inputs.parse_arguments(loaded, ["--c_grid", "[0.1, 1, 10]"], [])
    assert values["c_grid"] == [0.1, 1.0, 10.0] and all(type(c) is float for c in values["c_grid"])
    with pytest.raises(workflow_inputs.SetupError, match=r"model_training_pipeline.*: input 'c_grid': .*got 'x'"):
        workflow_inputs.parse_arguments(loaded, ["--c_grid", '[0.1, "x"]'], [])
