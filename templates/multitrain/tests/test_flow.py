"""This project's multi-train flow under `pyflyte run` and `flowjobs run`: every branch trains, a champion is kept."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
QUICK = ("--h2o_max_models", "2", "--h2o_max_runtime_secs", "60", "--c_grid", "[1.0]", "--n_estimators", "20")
RESULT = re.compile(r"champion_version='(?P<version>\d+)'")


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=PROJECT, capture_output=True, text=True, timeout=1500)


@pytest.mark.parametrize("runner", ["pyflyte", "flowjobs"])
def test_the_flow_trains_every_branch_and_keeps_a_champion_in_this_project(runner: str) -> None:
    done = run(str(BIN / runner), "run", "flows/multitrain_flow.py", "model_training_pipeline", *QUICK)
    assert done.returncode == 0, done.stderr[-3000:]
    assert RESULT.search(done.stdout), done.stdout[-2000:]
    assert (PROJECT / "mlflow.db").is_file(), "the runs are tracked in this project's store"
    champion = run(str(BIN / "flowjobs"), "champion", "--model", "iris-classifier")
    assert champion.returncode == 0 and "Champion of iris-classifier: version" in champion.stdout, champion.stderr
