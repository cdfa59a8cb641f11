"""Bad values of the flowjobs command's own flags, and huge bad values: one line each, exit code 2, nothing run.

`--cpus nan` once passed click's range check (no comparison holds for nan) and `--cpus inf` crashed the runner;
a 1 MB bad input was echoed whole, in a line of a megabyte.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flowjobs import errors, records
from tests.support.project import PROJECT_ROOT, run, tool
from tests.support.runner.harness import run_flow


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e400", "-1", "0", "two"])
def test_a_cpu_budget_that_is_not_a_finite_positive_number_is_refused(value: str) -> None:
    ran = run_flow("double", "--x", "2", f"--cpus={value}")
    assert ran.code == 2, ran.log
    line = ran.log.strip()
    assert line.startswith("error: task 'double' (flows.py): Invalid value for '--cpus': "), line
    assert len(line.splitlines()) == 1 and ran.record is None and ran.stdout == ""


@pytest.mark.parametrize("value", ["0", "-2", "nan", "1.5"])
def test_a_bad_max_parallel_is_refused(value: str) -> None:
    ran = run_flow("double", "--x", "2", f"--max-parallel={value}")
    assert ran.code == 2 and len(ran.log.strip().splitlines()) == 1, ran.log
    assert "Invalid value for '--max-parallel'" in ran.log and ran.record is None


@pytest.mark.parametrize("value", ["abc", "nan", "1.5", "0", "-3"])
def test_a_bad_last_of_status_is_one_line_and_exit_2(value: str, tmp_path: Path) -> None:
    result = run([tool("flowjobs"), "status", f"--last={value}"], cwd=PROJECT_ROOT)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: "), result.stderr
    assert "--last" in result.stderr and "usage:" not in result.stderr and result.stdout == ""


def test_an_unknown_subcommand_is_one_line_and_exit_2() -> None:
    result = run([tool("flowjobs"), "stat"], cwd=PROJECT_ROOT)
    assert result.returncode == 2
    assert result.stderr.startswith("error: flowjobs: argument command: invalid choice: 'stat'"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_1_mb_bad_input_is_echoed_once_and_cut(tmp_path: Path) -> None:
    value = "9" * 1_000_000 + "x"
    given = tmp_path / "inputs.yaml"
    given.write_text(json.dumps({"x": value}))
    ran = run_flow("double", "--inputs-file", str(given))
    assert ran.code == 2 and ran.record is None
    line = ran.log.strip()
    assert len(line.splitlines()) == 1 and len(line) < 400, line[:500]
    assert line.count("9" * 150) == 1 and "(1,000,001 characters)" in line, line


def test_a_path_too_long_for_the_file_system_is_one_line(tmp_path: Path) -> None:
    path = str(tmp_path / ("t" * 100_000))
    ran = run_flow("counted", "--table", path)
    assert ran.code == 2 and ran.record is None
    line = ran.log.strip()
    assert len(line.splitlines()) == 1 and len(line) < 600, line[:700]
    assert "File name too long" in line and f"({len(path):,} characters)" in line, line


def test_a_long_word_is_cut_once_and_short_words_are_kept() -> None:
    long = "a" * 5000
    assert errors.shorten(f"input '{long}': also {long}") == (
        f"input '{'a' * errors.KEPT}… (5,000 characters)': also (the same 5,000 characters)"
    )
    path = "/tmp/" + "p" * 250
    assert errors.shorten(f"file {path} is empty") == f"file {path} is empty"


def test_a_file_name_that_is_not_utf8_is_named_escaped_and_leaves_no_execution(tmp_path: Path) -> None:
    table = tmp_path / os.fsdecode(b"table-\xff.csv")
    table.write_text("a\nb\n")
    ran = run_flow("counted", "--table", str(table))
    assert ran.code == 2 and ran.record is None, ran.log
    assert ran.log.strip() == (
        f"error: workflow 'counted' (flows.py): --table: '{tmp_path}/table-\\xff.csv' is not UTF-8 text "
        "(a name in another encoding)"
    )
    runs = records.state_dir() / "runs"
    assert not runs.exists() or not any(runs.iterdir()), "no execution folder holding only its lease"


def test_a_1_mb_value_a_script_refuses_is_cut_in_every_line(tmp_path: Path) -> None:
    given = tmp_path / "inputs.yaml"
    given.write_text(json.dumps({"model_name": "M" * 1_000_000}))
    ran = run_flow("batch_predict", "--inputs-file", str(given), file=str(PROJECT_ROOT / "flows/batch_predict_flow.py"))
    assert ran.code == 1, ran.log[-2000:]
    failed = next(line for line in ran.log.splitlines() if line.startswith("failed:"))
    assert "input 'model_name'" in failed and "(1,000,000 characters)" in failed and len(failed) < 600, failed[:700]
    assert max(len(line) for line in ran.log.splitlines()) < 600
    (entry,) = ran.record.tasks.values()
    assert len(entry.error) < 600 and entry.error.count("M" * 150) == 1
