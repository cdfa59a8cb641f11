"""Ranking, the champion decision, and the alias history on a real SQLite registry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from flowjobs import cli, tracking
from multitrain import registry
from tests.support.project import PROJECT_ROOT, run, tool

UTC = dt.UTC


@dataclass
class Candidate:
    branch: str
    metrics: dict[str, float]


def scores(auc: float, log_loss: float) -> dict[str, float]:
    return {"auc": auc, "log_loss": log_loss, "f1": 0.9, "precision": 0.9, "recall": 0.9}


def test_ranking_by_the_metric_then_log_loss_then_name() -> None:
    candidates = [
        Candidate("c", scores(0.99, 0.20)),
        Candidate("b", scores(1.00, 0.10)),
        Candidate("a", scores(1.00, 0.10)),
        Candidate("d", scores(1.00, 0.05)),
    ]
    assert [c.branch for c in registry.rank(candidates, "auc")] == ["d", "a", "b", "c"]
    assert [c.branch for c in registry.rank(candidates, "log_loss")] == ["d", "a", "b", "c"]


def test_lower_is_better_for_log_loss_and_higher_for_the_rest() -> None:
    good, bad = scores(0.9, 0.1), scores(0.95, 0.5)
    assert registry.decide("log_loss", "2", good, "1", bad).beats
    assert not registry.decide("auc", "2", good, "1", bad).beats


def test_a_challenger_must_be_strictly_better_and_without_a_champion_always_wins() -> None:
    same = scores(1.0, 0.1)
    assert not registry.decide("auc", "2", same, "1", dict(same)).beats
    assert registry.decide("auc", "2", same, "1", scores(1.0, 0.2)).beats  # tie on AUC, better log loss
    first = registry.decide("auc", "1", same, None, None)
    assert first.beats and first.champion is None and first.champion_value is None


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    tracking.connect()
    registry.ensure_model("flowers")
    registry.ensure_model("flowers")  # a second call is harmless
    for _ in range(3):
        tracking.client().create_model_version("flowers", source=str(tmp_path))
    return "flowers"


def test_each_move_is_recorded_and_the_champion_at_any_time_is_one_call(model: str) -> None:
    t1, t2 = dt.datetime(2026, 11, 1, 9, tzinfo=UTC), dt.datetime(2026, 11, 20, 9, tzinfo=UTC)
    registry.promote(model, registry.decide("auc", "1", scores(0.9, 0.3), None, None), "exec-a", at=t1)
    registry.promote(model, registry.decide("auc", "3", scores(0.95, 0.2), "1", scores(0.9, 0.3)), "exec-b", at=t2)
    assert registry.champion_version(model) == "3"
    moves = registry.history(model)
    assert [(m.from_version, m.to_version, m.execution_id) for m in moves] == [
        (None, "1", "exec-a"),
        ("1", "3", "exec-b"),
    ]
    assert (moves[1].from_value, moves[1].to_value, moves[1].metric) == (0.9, 0.95, "auc")
    assert registry.champion_at(model, dt.datetime(2026, 10, 31)) is None
    assert registry.champion_at(model, dt.datetime(2026, 11, 20, 8, 59)).to_version == "1"  # naive: UTC
    assert registry.champion_at(model, t2).to_version == "3"
    five_hours_east = dt.timezone(dt.timedelta(hours=5))
    assert (
        registry.champion_at(model, dt.datetime(2026, 11, 20, 12, tzinfo=five_hours_east)).to_version == "1"
    )  # 07:00Z


def test_no_champion_and_no_model_are_errors_naming_the_model(model: str) -> None:
    assert registry.champion_version(model) is None
    with pytest.raises(registry.RegistryError, match="registered model 'flowers' has no champion yet"):
        registry.require_champion(model)
    with pytest.raises(registry.RegistryError, match="there is no registered model 'weeds'"):
        registry.history("weeds")


def test_the_champion_command_answers_for_a_date(
    model: str, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = registry.decide("auc", "2", scores(0.9, 0.3), None, None)
    registry.promote(model, first, "exec-c", at=dt.datetime(2026, 11, 20, 9, tzinfo=UTC))
    at = run([tool("flowjobs"), "champion", "--model", model, "--at", "2026-11-20T12:00"], cwd=PROJECT_ROOT / "tasks")
    assert at.returncode == 0, at.stderr
    assert at.stdout.splitlines()[0] == f"{model} at 2026-11-20T12:00:00+00:00: version 2"
    monkeypatch.setenv("COLUMNS", "200")
    assert cli.main(["champion", "--model", model, "--at", "2026-11-19"]) == 1
    assert "had no champion at 2026-11-19T00:00:00+00:00" in capsys.readouterr().out
    assert cli.main(["champion", "--model", model]) == 0
    table = capsys.readouterr().out
    assert "Champion of flowers: version 2" in table and "exec-c" in table
    assert cli.main(["champion", "--model", "weeds"]) == 2
    assert capsys.readouterr().err.startswith("error: there is no registered model 'weeds'")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'none' / 'mlflow.db'}")
    assert cli.main(["champion"]) == 2
    assert capsys.readouterr().err.startswith(f"error: there is no MLflow store at {tmp_path / 'none' / 'mlflow.db'}")
    assert not (tmp_path / "none" / "mlflow.db").exists(), "asking creates no store"
