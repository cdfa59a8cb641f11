"""Each attempt's time is split into waiting for CPUs, start-up, work, tracking and teardown, and shown by status."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flowjobs import status, time_split
from tests.support.project import PROJECT_ROOT, run, tool
from tests.support.runner.harness import run_flow

SECONDS = 0.6


@pytest.fixture(scope="module")
def squeezed(tmp_path_factory: pytest.TempPathFactory):
    """Three branches of SECONDS of CPU (benchmarks/busy.py) on a budget of one CPU: two of them wait for it."""
    folder = tmp_path_factory.mktemp("split")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLOWJOBS_STATE_DIR", str(folder / "state"))
        patch.setenv("FLOWJOBS_WORK_DIR", str(folder / "work"))
        patch.setenv("FLOWJOBS_BENCH_BRANCHES", "3")
        patch.setenv("FLOWJOBS_BENCH_SECONDS", str(SECONDS))
        outcome = run_flow("busy_branches", "--cpus", "1", file=str(PROJECT_ROOT / "benchmarks" / "flows.py"))
    assert outcome.code == 0, outcome.log
    return folder / "state", outcome.record


def test_every_attempt_is_split_and_the_parts_add_up(squeezed) -> None:
    _, record = squeezed
    splits = [attempt.time_split for entry in record.tasks.values() for attempt in entry.attempts]
    assert len(splits) == 3 and None not in splits
    for split in splits:
        assert split.start_up > 0 and split.teardown >= 0 and split.tracking == 0
        assert split.work >= SECONDS * 0.9, "the busy loop is the step's own work"
        assert split.start_up + split.work + split.tracking + split.teardown == pytest.approx(split.script, abs=0.01)
        assert split.job_task >= 0
    waits = sorted(split.cpu_wait for split in splits)
    assert waits[0] < SECONDS * 0.5 and waits[-1] >= 2 * SECONDS * 0.9, "one CPU: the last waits for two branches"


def test_status_shows_the_split_and_the_median_overhead(squeezed, tmp_path: Path) -> None:
    state, record = squeezed
    shown = run(
        [tool("flowjobs"), "status", record.execution_id, "--times"],
        cwd=tmp_path,
        env={"FLOWJOBS_STATE_DIR": str(state), "COLUMNS": "250"},
    )
    assert shown.returncode == 0, shown.stderr
    assert f"Where each node's time went in {record.execution_id} (seconds)" in shown.stdout
    for column in status.SPLIT_HEADERS.values():
        assert re.search(rf"\b{column}\b", shown.stdout), column
    assert "overhead: start + exit" in shown.stdout
    rows = status.time_split_rows(record)
    assert [row["task"] for row in rows] == [entry.name for entry in record.tasks.values()] + ["median per node"]
    for row in rows[:-1]:
        values = [row["task"], *(row[title] for title in status.SPLIT_HEADERS)]
        cells = r"\s+".join(re.escape(value) for value in values)
        assert re.search(cells, shown.stdout), row


def test_a_script_without_marks_has_only_its_whole_run(tmp_path: Path) -> None:
    from flowjobs import tiers
    from flowjobs.job_runtime import Attempt
    from flowjobs.script_process import ScriptRun

    (tmp_path / "logs").mkdir()
    ran = ScriptRun(0, 2.0, False, tmp_path / "o", tmp_path / "e", started_at=100.0, exited_at=102.0)
    attempt = Attempt(spec=None, tier=tiers.get_tier("Small"), number=1, attempts=1, folder=tmp_path, run=ran)
    found = time_split.split(attempt, 2.5)
    assert (found.script, found.job_task, found.start_up, found.work) == (2.0, 0.5, None, None)


def test_the_parent_runs_task_page_shows_the_split_too(squeezed) -> None:
    from flowjobs import status

    _, record = squeezed
    page = status.tasks_page(record)
    assert "time went (seconds; overhead = start-up + teardown)" in page
    assert all(f"<td>{entry.name}</td>" in page for entry in record.tasks.values())
