"""A conditional's taken side drawn as run and the other as skipped (never both "not run"), in the execution view
and in `flowjobs status` (which lists both sides), for stock `pyflyte run` (which records job tasks only: a plain
task taken is inferred) and for `flowjobs run`. The flow: tests/support/conditional_flow.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.project import PROJECT_ROOT, run, tool

FLOW = "tests/support/conditional_flow.py"
NODE = re.compile(
    r'<g class="(?P<classes>[^"]*)" data-node-id="[^"]*" data-kind="[^"]*"[^>]*>\s*<title>(?P<label>[^\n<]+)'
)


def execute(folder: Path, runner: str, better: int) -> dict[str, str]:
    env = {"FLOWJOBS_STATE_DIR": str(folder / "state"), "FLOWJOBS_WORK_DIR": str(folder / "work"),
           "FLOWJOBS_EXECUTION_ID": "", "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}"}  # fmt: skip
    ran = run([tool(runner), "run", FLOW, "promote_or_keep", "--better", str(better)], cwd=PROJECT_ROOT, env=env)
    assert ran.returncode == 0, ran.stderr[-3000:]
    return env


def drawn(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """Each task node's status class in `flowjobs graph --execution latest`, by its label."""
    page = folder / "view.html"
    made = run([tool("flowjobs"), "graph", "--execution", "latest", "-o", str(page)], cwd=PROJECT_ROOT, env=env)
    assert made.returncode == 0, made.stderr
    found = {m["label"]: m["classes"] for m in NODE.finditer(page.read_text()) if "status-" in m["classes"]}
    return {label: classes.rsplit("status-", 1)[1] for label, classes in found.items()}


def status_of(env: dict[str, str]) -> str:
    shown = run([tool("flowjobs"), "status", "latest"], cwd=PROJECT_ROOT, env={**env, "COLUMNS": "80"})
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def row(printed: str, task: str) -> str:
    """The task's row in the tasks table (named by the task, or by its node and the task)."""
    return next(line for line in printed.splitlines() if re.match(rf"(\S+ )?{task} ", line))


@pytest.mark.parametrize("runner", ["pyflyte", "flowjobs"])
def test_the_job_task_side_taken_draws_the_plain_side_skipped(tmp_path: Path, runner: str) -> None:
    env = execute(tmp_path, runner, better=1)
    statuses = drawn(tmp_path, env)
    assert statuses["judge"] == "done" and statuses["promote"] == "done", statuses
    assert statuses["keep"] == "skipped", statuses
    printed = status_of(env)
    assert "done" in row(printed, "promote") and "skipped" in row(printed, "keep"), printed


@pytest.mark.parametrize("runner", ["pyflyte", "flowjobs"])
def test_the_plain_task_side_taken_is_drawn_done_and_the_job_side_skipped(tmp_path: Path, runner: str) -> None:
    env = execute(tmp_path, runner, better=0)
    statuses = drawn(tmp_path, env)
    assert statuses["keep"] == "done" and statuses["promote"] == "skipped", statuses
    printed = status_of(env)
    assert "done" in row(printed, "keep") and "skipped" in row(printed, "promote"), printed
