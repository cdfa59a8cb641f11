"""stdout carries what the README says (what tasks print and the result) under every tracking URI: with an HTTP
tracking server MLflow printed "🏃 View run …" and "🧪 View experiment …" there as each run ended."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.held_flow import run_tracked
from tests.support.load import EXPERIMENT, MODEL, store

INPUTS = ("--mlflow_experiment", EXPERIMENT, "--model_name", MODEL, "--experiment", EXPERIMENT)


@pytest.mark.parametrize("kind", ["sqlite", "server"])
def test_stdout_holds_the_result_and_no_mlflow_links(kind: str, tmp_path: Path) -> None:
    with store(kind, tmp_path / "store") as uri:
        ran = run_tracked(tmp_path, uri, *INPUTS)
    assert ran.code == 0, ran.stderr[-3000:]
    assert "View run" not in ran.stdout and "View experiment" not in ran.stdout, ran.stdout
    assert ran.stdout.strip().splitlines()[-1].startswith("Tracked(rows="), ran.stdout
