"""This project's flow and its steps: each script alone, and the flow under `pyflyte run` and `flowjobs run`."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.flows import ScriptInputError
from tasks.make_numbers import make_rows
from tasks.summarize import summarize

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=PROJECT, capture_output=True, text=True, timeout=600)


def test_the_same_seed_makes_the_same_numbers_and_a_bad_count_is_refused() -> None:
    assert make_rows(5, seed=3) == make_rows(5, seed=3)
    with pytest.raises(ScriptInputError, match="input 'rows'"):
        make_rows(0, seed=3)


def test_the_summary_counts_and_averages() -> None:
    assert summarize([1.0, 2.0, 6.0]) == {"count": 3, "mean": 3.0, "min": 1.0, "max": 6.0}


def test_each_script_runs_alone_with_its_flags(tmp_path: Path) -> None:
    made = run(sys.executable, "-m", "tasks.make_numbers", "--rows", "4", "--output-dir", str(tmp_path / "made"))
    assert made.returncode == 0, made.stderr
    table = str(tmp_path / "made" / "table.csv")
    summed = run(sys.executable, "-m", "tasks.summarize", "--table", table, "--output-dir", str(tmp_path / "summary"))
    assert summed.returncode == 0, summed.stderr
    assert json.loads((tmp_path / "summary" / "report.json").read_text())["count"] == 4


@pytest.mark.parametrize("runner", ["pyflyte", "flowjobs"])
def test_the_flow_runs_and_keeps_its_records_in_this_project(runner: str) -> None:
    done = run(str(BIN / runner), "run", "flows/numbers_flow.py", "numbers", "--rows", "50", "--seed", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    expected = summarize([value for _, value in make_rows(50, seed=1)])["mean"]
    assert f"{expected:.4f}"[:-1] in done.stdout, done.stdout
    assert (PROJECT / ".flowjobs" / "runs").is_dir(), "the execution's record is kept in this project"
    with sqlite3.connect(PROJECT / "mlflow.db") as store:
        means = [row[0] for row in store.execute("select value from metrics where key = 'mean'")]
    assert round(expected, 4) in [round(mean, 4) for mean in means], "the summary is an MLflow run of this project"
