"""`flowjobs status`: the recent local executions and one execution's tasks, read from their records."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.runner import records
from tests.support.project import PROJECT_ROOT, run, tool
from tests.support.runner.harness import FLOWS, run_flow

Executions = tuple[records.ExecutionRecord, records.ExecutionRecord]


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Executions]]:
    """A state folder with a stock local run that retried (succeeds), then a `flowjobs run` failing at its gate."""
    folder = tmp_path_factory.mktemp("status")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLOWJOBS_STATE_DIR", str(folder / "state"))
        patch.setenv("FLOWJOBS_WORK_DIR", str(folder / "work"))
        stock_run = run([tool("pyflyte"), "run", str(FLOWS), "flaky"], cwd=PROJECT_ROOT)
        assert stock_run.returncode == 0, stock_run.stderr
        stock = records.latest(runner="pyflyte run")
        gate = folder / "gate.txt"
        gate.write_text("stop")
        failed = run_flow("gated", "--gate", str(gate))
        assert failed.code != 0
    yield folder / "state", (stock, failed.record)


@pytest.fixture
def two_executions(state: tuple[Path, Executions], monkeypatch: pytest.MonkeyPatch) -> Executions:
    monkeypatch.setenv("FLOWJOBS_STATE_DIR", str(state[0]))  # `flowjobs status` reads this folder's records
    return state[1]


def status(*args: str, cwd: Path) -> tuple[int, str, str]:
    shown = run([tool("flowjobs"), "status", *args], cwd=cwd, env={"COLUMNS": "250"})
    return shown.returncode, shown.stdout, shown.stderr


def test_status_lists_the_executions_newest_first(two_executions, tmp_path: Path) -> None:
    stock, failed = two_executions
    code, out, _ = status(cwd=tmp_path)
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("│")]
    assert [line.split("│")[1].strip() for line in lines] == [failed.execution_id, stock.execution_id]
    done, broken = (sum(entry.status == state for entry in failed.tasks.values()) for state in ("done", "failed"))
    assert re.search(rf"│ flowjobs run\s+│ gated\s+│ failed\s+│.*│ {done}/{broken}/{len(failed.tasks)}\s+│", lines[0])
    assert re.search(r"│ pyflyte run\s+│ flows.py flaky\s+│ succeeded\s+│.*│ 1/0/1\s+│", lines[1])


def test_status_of_an_execution_shows_each_task(two_executions, tmp_path: Path) -> None:
    stock, _ = two_executions
    code, out, _ = status(stock.execution_id[:-2], cwd=tmp_path)
    assert code == 0 and f"Execution {stock.execution_id}" in out
    assert "Artifacts" not in out, "an execution that recorded no Domino artifacts shows no artifact section"
    entry = stock.tasks["tests.support.runner.flows.flaky"]
    logs = str(Path(entry.stderr_log).parent)
    assert re.search(rf"│ flaky\s+│ done\s+│ 3\s+│ Small\s+│ [\d:]+\s+│ [\d:]+\s+│ [\d.]+s\s+│ 0\s+│ {logs}", out)


def test_status_latest_is_the_newest_execution_and_shows_the_failure(two_executions, tmp_path: Path) -> None:
    _, failed = two_executions
    code, out, _ = status("latest", cwd=tmp_path)
    assert code == 0 and f"Execution {failed.execution_id}" in out and failed.error.splitlines()[0][:60] in out
    assert re.search(r"│ \S+ gate\s+│ failed\s+│ 1\s+│ Small\s+│.*│ 1\s+│", out), "the gate exits 1"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["nope"], r"no execution 'nope' is recorded in \S+/runs \(recent: local-"),
        (["local-"], r"'local-' is the start of 2 executions' ids \(local-.*\): give more of it"),
        (["--last", "0"], r"--last must be 1 or more, got 0"),
    ],
)
def test_a_bad_execution_or_count_is_one_line_and_exit_2(two_executions, tmp_path: Path, args, expected) -> None:
    code, out, err = status(*args, cwd=tmp_path)
    assert code == 2 and out == ""
    [line] = err.strip().splitlines()
    assert re.search(expected, line), line
