"""Plain Python tasks and map items in worker processes: side by side, within the CPU budget, a crash failing only
its node, retries and timeouts as for job tasks, and Ctrl-C leaving no worker behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from flowjobs.records import ExecutionRecord
from tests.support.project import BIN, PROJECT_ROOT, tool
from tests.support.runner.harness import peak, run_flow

WORKERS = str(PROJECT_ROOT / "tests" / "support" / "runner" / "worker_flows.py")
IMPORT_MARKS = str(PROJECT_ROOT / "tests" / "support" / "runner" / "import_marks_flow.py")
STARTUP_SECONDS = 300


def descendants(pid: int) -> set[int]:
    """Every living process below `pid`, from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def spans(record: ExecutionRecord, prefix: str, weight: float = 1.0) -> list:
    return [(e.start, e.end, weight) for e in record.tasks.values() if e.name.startswith(prefix)]


def test_tasks_side_by_side_in_workers_write_their_outputs_apart() -> None:
    outcome = run_flow("frames", "--cpus", "2", file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "[0, 1, 2, 3]\n", outcome.log


def test_plain_task_siblings_run_at_the_same_time_in_other_processes() -> None:
    outcome = run_flow("siblings", "--cpus", "4", file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "6\n", outcome.log
    assert peak(spans(outcome.record, "busy")) >= 2, "at least two siblings overlap"


def test_map_items_run_at_the_same_time_and_each_is_recorded() -> None:
    outcome = run_flow("mapped", "--cpus", "4", file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "6\n", outcome.log
    items = sorted(e.name for e in outcome.record.tasks.values() if e.name.startswith("busy["))
    assert items == ["busy[0]", "busy[1]", "busy[2]", "busy[3]"]
    assert peak(spans(outcome.record, "busy[")) >= 2


def test_a_tasks_cpu_request_holds_its_share_of_the_budget() -> None:
    outcome = run_flow("budgeted", "--cpus", "4", file=WORKERS)
    assert outcome.code == 0, outcome.log
    assert peak(spans(outcome.record, "wide", weight=2.0)) <= 4.0, "never more than the budget's 4 CPUs at once"


def test_a_crashed_worker_fails_only_its_node() -> None:
    outcome = run_flow("crashing", file=WORKERS)
    assert outcome.code == 1
    assert outcome.status("die") == "failed" and outcome.status("busy") == "done"
    assert "node n0 (die): task 'tests.support.runner.worker_flows.die': its worker process died" in outcome.log


def test_a_failing_plain_task_is_retried(tmp_path: Path) -> None:
    outcome = run_flow("flaky_flow", "--marks", str(tmp_path / "marks"), file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "3\n", outcome.log
    assert "retrying (attempt 3 of 3)" in outcome.log
    pids = {path.read_text() for path in (tmp_path / "marks").iterdir()}
    assert str(os.getpid()) not in pids, "the task ran in a worker process"


def test_a_plain_task_past_its_timeout_is_killed() -> None:
    outcome = run_flow("too_slow", file=WORKERS)
    assert outcome.code == 1
    assert "timed out after 1s; its worker was killed" in outcome.log


def lingering_runner(pid_dir: Path) -> tuple[subprocess.Popen, set[int]]:
    """`flowjobs run … lingering` once both its tasks run in workers: the runner, and every process below it."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    argv = [tool("flowjobs"), "run", WORKERS, "lingering", "--pid_dir", str(pid_dir)]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    runner = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, **pipes)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while len(list(pid_dir.iterdir())) < 2 and time.monotonic() < deadline and runner.poll() is None:
            time.sleep(0.5)
        assert len(list(pid_dir.iterdir())) == 2, "both tasks started in workers"
        started = descendants(runner.pid)
        assert {int(path.name) for path in pid_dir.iterdir()} <= started
    except BaseException:
        runner.kill()
        raise
    return runner, started


def assert_all_gone(started: set[int]) -> None:
    deadline = time.monotonic() + 60
    while (alive := started & descendants(1)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not alive, f"left running: {alive}"


@pytest.mark.slow
def test_ctrl_c_leaves_no_worker_process(tmp_path: Path) -> None:
    runner, started = lingering_runner(tmp_path)
    try:
        runner.send_signal(signal.SIGINT)
        _, stderr = runner.communicate(timeout=120)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 130, stderr
    assert_all_gone(started)


@pytest.mark.slow
def test_a_runner_killed_outright_leaves_no_forkserver_or_worker(tmp_path: Path) -> None:
    """SIGKILL of `flowjobs run`: the forkserver dies with the runner, and every worker with the forkserver."""
    runner, started = lingering_runner(tmp_path)
    runner.kill()
    runner.communicate()
    assert_all_gone(started)


def test_workers_start_with_the_flows_module_imported_once_for_all_of_them(tmp_path: Path) -> None:
    """The runner imports the flow's module once and its forkserver is a fork of it: no worker imports it again,
    what the import prints reaches stdout once and what it reads of stdin is the runner's, as under `pyflyte run`;
    the module's exit handler runs once."""
    env = {**os.environ, "FLOWJOBS_TEST_IMPORT_MARKS": str(tmp_path)}
    argv = [tool("flowjobs"), "run", IMPORT_MARKS, "whose_processes", "--cpus", "2"]
    done = subprocess.run(
        argv, cwd=PROJECT_ROOT, env=env, input="answer\n", capture_output=True, text=True, timeout=STARTUP_SECONDS
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("imported") == 1, done.stdout
    imported, result = done.stdout.splitlines()
    task_pids = set(json.loads(result))
    importing = {int(path.name) for path in tmp_path.iterdir() if path.name.isdigit()}
    exit_handlers_run = [path.name for path in tmp_path.iterdir() if path.name.startswith("atexit-")]
    assert imported == "imported, read 'answer'", "the runner's import, not the forkserver's, read stdin"
    assert len(task_pids) >= 2, "the four tasks ran in more than one worker"
    assert not task_pids & importing, "no worker imported the module itself"
    assert len(importing) == 1, "the runner imported it, nothing else: no second import beside the runner's"
    assert len(exit_handlers_run) == 1, "the module's exit handler ran once, in the runner, not in the forkserver"


def test_a_flow_that_fails_to_import_is_named_in_one_line_and_leaves_no_forkserver() -> None:
    """The runner's import names the file and the error; nothing it started (a forkserver is forked only after the
    flow imported) outlives it."""
    env = {**os.environ, "FLOWJOBS_TEST_IMPORT_FAILS": "1"}
    argv = [tool("flowjobs"), "run", IMPORT_MARKS, "whose_processes"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    runner = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, **pipes)
    started: set[int] = set()
    while runner.poll() is None:
        started |= descendants(runner.pid)
        time.sleep(0.05)
    stdout, stderr = runner.communicate(timeout=STARTUP_SECONDS)
    assert runner.returncode == 2 and stdout == "", stderr
    assert stderr.strip().splitlines() == [
        f"error: {IMPORT_MARKS}: RuntimeError: this module refuses to be imported"
    ], stderr
    assert_all_gone(started)


def test_the_nodes_a_dynamic_creates_run_at_the_same_time() -> None:
    outcome = run_flow("dynamic_siblings", "--cpus", "4", file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "6\n", outcome.log
    children = [key for key in outcome.record.tasks if key.startswith("n0/")]
    assert len(children) == 4 and outcome.status("fan_out") == "done"
    assert peak(spans(outcome.record, "busy")) >= 2


def test_a_map_task_tolerates_the_failed_items_its_success_ratio_allows() -> None:
    outcome = run_flow("tolerant", file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "[1, 3]\n", outcome.log
    statuses = {e.name: e.status for e in outcome.record.tasks.values() if e.name.startswith("odd_only[")}
    assert statuses == {"odd_only[0]": "failed", "odd_only[1]": "done", "odd_only[2]": "failed", "odd_only[3]": "done"}


def test_a_map_over_a_launch_plan_runs_its_items_workflows_side_by_side() -> None:
    """flytekit's local run of this shape stops at its first item (a list from the workflow is a promise there); a
    cluster runs each item as the launch plan's workflow, as flowjobs run does, side by side."""
    outcome = run_flow("mapped_plans", "--xs", "[0, 1, 2, 3]", "--cpus", "4", file=WORKERS)
    assert outcome.code == 0 and outcome.stdout == "6\n", outcome.log
    items = sorted(key for key in outcome.record.tasks if key.startswith("n0["))
    assert items == [f"n0[{index}]/n{node}" for index in range(4) for node in range(2)]
    firsts = [(e.start, e.end, 1.0) for key, e in outcome.record.tasks.items() if key.endswith("]/n0")]
    assert peak(firsts) >= 2, "the items' workflows ran at the same time"
