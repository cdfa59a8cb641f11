"""`flowjobs status`: the recent local executions and one execution's tasks, read from their records."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowjobs import records
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


def status(*args: str, cwd: Path, columns: int = 80) -> tuple[int, str, str]:
    shown = run([tool("flowjobs"), "status", *args], cwd=cwd, env={"COLUMNS": str(columns)})
    return shown.returncode, shown.stdout, shown.stderr


def rows(out: str, first: str) -> list[list[str]]:
    """The table's rows (cells split on two or more spaces) after its heading line, which starts with `first`."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first)) + 2  # the heading, then its rule
    found = []
    for line in lines[start:]:
        if not line.strip() or line.startswith("["):
            break
        found.append(re.split(r"\s{2,}", line.strip()))
    return found


def notes(out: str) -> dict[str, str]:
    """The numbered notes under a table: `[1] files: /path` as {"[1]": "/path"}."""
    return {m["ref"]: m["value"] for m in re.finditer(r"^(?P<ref>\[\d+\]) \w+: (?P<value>.+)$", out, re.M)}


def test_status_lists_the_executions_newest_first(two_executions, tmp_path: Path) -> None:
    stock, failed = two_executions
    code, out, _ = status(cwd=tmp_path)
    assert code == 0
    listed = rows(out, "execution")
    assert [row[0] for row in listed] == [failed.execution_id, stock.execution_id]
    done, broken = (sum(entry.status == state for entry in failed.tasks.values()) for state in ("done", "failed"))
    assert listed[0][1:3] == ["gated", "failed"] and listed[0][4] == f"{done}/{broken}/{len(failed.tasks)}"
    assert listed[1][1:3] == ["flows.py flaky", "succeeded"] and listed[1][4] == "1/0/1"


def test_status_of_an_execution_shows_each_task(two_executions, tmp_path: Path) -> None:
    stock, _ = two_executions
    code, out, _ = status(stock.execution_id[:-2], "--files", cwd=tmp_path)
    assert code == 0 and f"Execution {stock.execution_id}" in out
    assert "Artifacts" not in out, "an execution that recorded no Domino artifacts shows no artifact section"
    entry = stock.tasks["tests.support.runner.flows.flaky"]
    [row] = rows(out, "task")
    assert row[:4] == ["flaky", "done", "3", "Small"] and re.fullmatch(r"[\d:]+", row[4]) and row[6] == "0"
    assert notes(out)[row[7]] == str(Path(entry.stderr_log).parent), "the kept logs' folder, in a note"
    tried = rows(out.split("Attempts of the tasks retried or failed")[1], "task")
    assert [(r[0], r[1], r[3], r[4]) for r in tried] == [
        ("flaky", "1", "failed", "3"),
        ("flaky", "2", "failed", "3"),
        ("flaky", "3", "succeeded", "0"),
    ], "each attempt of the retried task: its number, outcome and exit code"
    assert notes(out)[tried[0][5]] == str(Path(entry.attempts[0].stderr_log).parent), "each attempt's kept logs"


@pytest.mark.parametrize("args", [["--files"], ["latest", "--files", "--times"]])
def test_status_fits_80_columns_and_puts_paths_whole_below_the_table(two_executions, tmp_path: Path, args) -> None:
    code, out, _ = status(*args, cwd=tmp_path, columns=80)
    tables = [line for line in out.splitlines() if not re.match(r"\[\d+\] ", line)]
    assert code == 0 and max(len(line) for line in tables) <= 80, out
    assert all(Path(value).exists() or value.startswith(("local-", "-")) for value in notes(out).values())


@pytest.mark.parametrize("args", [[], ["latest"]])
def test_status_fits_an_80_by_24_screen_by_default_names_whole(two_executions, tmp_path: Path, args) -> None:
    """What a terminal of 80×24 shows without scrolling: the tables, no paths (`--files`), no time split
    (`--times`), each task and workflow name on its lines whole (wrapped between words only)."""
    code, out, _ = status(*args, cwd=tmp_path, columns=80)
    lines = out.splitlines()
    assert code == 0 and len(lines) <= 24 and max(len(line) for line in lines) <= 80, out
    assert not notes(out) and "Where each node's time went" not in out, "paths and times behind their flags"
    from flowjobs import status as shown

    latest = two_executions[1]
    names = [e.name for e in latest.tasks.values()] if args else [shown.workflow_of(r) for r in two_executions]
    words = set(" ".join(lines).split())
    assert all(word in words for name in names for word in name.split()), out


def test_status_latest_is_the_newest_execution_and_shows_the_failure(two_executions, tmp_path: Path) -> None:
    _, failed = two_executions
    code, out, _ = status("latest", cwd=tmp_path)
    assert code == 0 and f"Execution {failed.execution_id}" in out
    assert failed.error.splitlines()[0][:40] in " ".join(out.split())
    gate = [row for row in rows(out, "task") if row[0].endswith(" gate")]
    assert gate and gate[0][1:3] == ["failed", "1"] and gate[0][6] == "1", "the gate exits 1"


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
