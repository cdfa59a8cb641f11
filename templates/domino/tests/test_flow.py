"""This Domino-style project: the scripts' logic, and the flow under `pyflyte run` and `flowjobs run`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.fit import fit
from tasks.prepare import points

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_the_fit_finds_the_line_the_points_were_drawn_from() -> None:
    slope, intercept = fit(points(500, seed=2))
    assert abs(slope - 3) < 0.05 and abs(intercept - 1) < 0.3


@pytest.mark.parametrize("runner", ["pyflyte", "flowjobs"])
def test_the_flow_runs_with_domino_s_folders_and_keeps_its_records_here(runner: str) -> None:
    done = subprocess.run(
        [str(BIN / runner), "run", "flows/line_flow.py", "line_fit", "--rows", "300", "--seed", "4"],
        cwd=PROJECT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    slope = float(re.findall(r"\d+\.\d+", done.stdout)[-1])
    assert abs(slope - 3) < 0.1, done.stdout
    assert (PROJECT / ".flowjobs" / "runs").is_dir(), "the execution's record is kept in this project"
