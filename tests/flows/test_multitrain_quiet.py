"""What `make run` prints (the multi-train flow under stock `pyflyte run`, the session's run): no warning a user can
do nothing about (H2O's "cluster version is … old", MLflow's "Registered model … already exists" on a fresh
store, sklearn's "y_prob values do not sum to one"), and the logs' and decks' kept copies beside the execution's
record, not the temp folders the attempts ran in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.multitrain import PipelineRun

pytestmark = pytest.mark.slow
UNACTIONABLE = ("cluster version is", "already exists", "do not sum to one", "Traceback")


def test_the_run_prints_no_warning_a_user_cannot_act_on(multitrain_run: PipelineRun) -> None:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-5000:]
    printed = multitrain_run.stdout + multitrain_run.stderr
    for text in UNACTIONABLE:
        assert text not in printed, [line for line in printed.splitlines() if text in line]


def test_the_run_prints_the_kept_logs_and_decks(multitrain_run: PipelineRun) -> None:
    printed = multitrain_run.stdout + multitrain_run.stderr
    kept = str(multitrain_run.folder / "state" / "runs")
    logs = re.findall(r"^flowjobs: .* logs and deck kept in (\S+)$", printed, re.M)
    decks = re.findall(r"^flowjobs: .* deck \(.*\): file://(\S+)$", printed, re.M)
    assert len(logs) >= 7 and len(decks) >= 5, printed[-3000:]
    assert all(path.startswith(kept) for path in logs + decks), (logs, decks)
    assert all(Path(path, "stdout.log").is_file() for path in logs), "each attempt's logs were kept there"
    assert all(Path(path).is_file() for path in decks), "each deck's kept copy exists"
