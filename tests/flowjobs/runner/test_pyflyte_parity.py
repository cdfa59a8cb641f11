"""`flowjobs run` takes what `pyflyte run` takes and gives what it gives, on plain-Python workflows of our own:
picked values, gates, launch plans, single tasks, false flags, on_failure handlers, repeated equal calls."""

from __future__ import annotations

import io
import os
import subprocess
import threading
from pathlib import Path

import pytest

from tests.support.project import PROJECT_ROOT, run, tool
from tests.support.runner.harness import run_flow

PARITY = str(PROJECT_ROOT / "tests" / "support" / "runner" / "parity_flows.py")
RESULT_LINE = "Running Execution on local.\n"  # pyflyte's own first line on stdout (see the README's table)


def both(
    workflow: str, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> dict[str, subprocess.CompletedProcess]:
    """The workflow under each command, in its own process."""
    return {
        name: run([tool(name), "run", PARITY, workflow, *args], cwd=PROJECT_ROOT, env=env, stdin=stdin)
        for name in ("pyflyte", "flowjobs")
    }


def test_picked_values_reach_the_tasks() -> None:
    outcome = run_flow("picked", file=PARITY)
    assert outcome.code == 0, outcome.log
    assert outcome.stdout == "DefaultNamedTupleOutput(o0=6, o1=400, o2=0, o3=9)\n"


def test_gates_prompt_and_read_stdin_as_under_pyflyte() -> None:
    ran = both("gates", stdin="5\ny\n")
    assert ran["flowjobs"].returncode == 0, ran["flowjobs"].stderr
    assert ran["flowjobs"].stdout.splitlines()[-1].endswith(" 14")
    assert sorted(ran["flowjobs"].stdout.replace(": ", ":\n").splitlines()) == sorted(
        ran["pyflyte"].stdout.removeprefix(RESULT_LINE).replace(": ", ":\n").splitlines()
    )


def test_a_refused_approval_fails_the_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("5\nn\n"))
    outcome = run_flow("gates", file=PARITY)
    assert outcome.code == 1
    assert "failed: node n3 (check): User did not approve the transaction for gate node check" in outcome.log
    assert outcome.status("add") == "skipped"


def test_a_launch_plan_keeps_its_fixed_input_and_its_defaults() -> None:
    assert run_flow("plan_fixed", file=PARITY).stdout == "125\n"  # a=100 fixed, b=20 by default, c=5
    assert run_flow("plan_fixed", "--b", "1", "--c", "2", file=PARITY).stdout == "103\n"
    refused = run_flow("plan_fixed", "--a", "1", file=PARITY)
    assert refused.code == 2 and "No such option '--a'" in refused.log


def test_a_launch_plan_called_in_a_workflow_is_opened_up_with_its_saved_inputs() -> None:
    outcome = run_flow("planned", "--x", "1", file=PARITY)
    assert outcome.code == 0 and outcome.stdout == "121\n", outcome.log  # a=100 fixed, b=20 by default, c=1
    assert sorted(outcome.record.tasks) == ["n0/n0", "n0/n1"]


def test_a_single_task_runs_as_the_entity() -> None:
    outcome = run_flow("pair", "--n", "7", file=PARITY)
    assert outcome.code == 0 and outcome.stdout == "Pair(left=7, right=-7)\n"
    assert [entry.status for entry in outcome.record.tasks.values()] == ["done"]
    assert run_flow("named", file=PARITY).stdout == "Named(total=3)\n"


def test_a_required_bool_can_be_false(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text("flag: false\n")
    assert run_flow("flagged", "--no_flag", file=PARITY).stdout == "flag is False\n"
    assert run_flow("flagged", "--inputs-file", str(inputs), file=PARITY).stdout == "flag is False\n"
    assert run_flow("flagged", "--flag", file=PARITY).stdout == "flag is True\n"


def test_on_failure_handlers_get_flytekits_message_and_nothing_runs_twice(tmp_path: Path) -> None:
    marks = {name: tmp_path / f"{name}.log" for name in ("pyflyte", "flowjobs")}
    for name, mark in marks.items():
        ran = run(
            [tool(name), "run", PARITY, "guarded"], cwd=PROJECT_ROOT, env={"FLOWJOBS_PARITY_FAIL_MARK": str(mark)}
        )
        assert ran.returncode != 0
    assert marks["flowjobs"].read_text() == marks["pyflyte"].read_text()
    assert marks["flowjobs"].read_text().count("explode\n") == 1
    assert marks["flowjobs"].read_text().count("clean_up 2: Error encountered while executing") == 2


def test_stdout_carries_only_the_result_and_flytekit_warnings_go_to_stderr() -> None:
    ran = run([tool("flowjobs"), "run", PARITY, "warned"], cwd=PROJECT_ROOT)
    assert ran.returncode == 0 and ran.stdout == "4\n"
    assert "a warning from flytekit's logger" in ran.stderr


def test_equal_calls_each_run_and_record_their_result() -> None:
    outcome = run_flow("repeated", file=PARITY)
    assert outcome.code == 0 and outcome.stdout == "[9, 9, 9, 9, 9, 9, 9, 9]\n", outcome.log
    statuses = {
        name: [e.status for e in outcome.record.tasks.values() if e.name == name]
        for name in ("square", "cached_square")
    }
    assert statuses["square"] == ["done"] * 4
    assert "done" in statuses["cached_square"] and set(statuses["cached_square"]) <= {"done", "cached"}
    assert len({entry.cache_key for entry in outcome.record.tasks.values()}) == 2


def test_two_executions_of_equal_calls_at_once_do_not_collide(tmp_path: Path) -> None:
    argv = [tool("flowjobs"), "run", PARITY, "repeated", "--fresh"]
    env = {**os.environ, "FLOWJOBS_STATE_DIR": str(tmp_path / "state")}
    results: list[subprocess.CompletedProcess] = []

    def one() -> None:
        results.append(subprocess.run(argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(done.returncode, done.stdout) for done in results] == [(0, "[9, 9, 9, 9, 9, 9, 9, 9]\n")] * 2, results
