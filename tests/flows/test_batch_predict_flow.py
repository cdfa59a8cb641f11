"""Batch prediction with the champion of the store the multi-train flow filled, and without a champion."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from flowjobs import tracking
from flows.batch_predict_flow import CSV, batch_predict
from multitrain import registry
from tests.support.iris import DATA, partition
from tests.support.multitrain import PipelineRun, java_processes_under

pytestmark = pytest.mark.slow


def test_the_champion_scores_every_row(multitrain_run: PipelineRun, monkeypatch: pytest.MonkeyPatch) -> None:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-3000:]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", multitrain_run.uri)
    predictions, version = batch_predict(data=CSV(str(DATA / "datasetD.csv")))
    scored = pd.read_csv(predictions.path)
    truth = partition("D")
    assert version == multitrain_run.champion
    assert list(scored.columns) == ["Id", "species", *(f"proba_{name}" for name in sorted(set(truth["Species"])))]
    assert scored["Id"].tolist() == truth["Id"].tolist()
    assert (scored["species"] == truth["Species"]).mean() > 0.9
    assert scored.filter(like="proba_").sum(axis=1).round(6).eq(1).all()
    assert not java_processes_under(Path(os.environ["TMPDIR"])), "a JVM started to score an H2O champion is stopped"


def test_without_a_champion_the_error_names_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    tracking.connect()
    registry.ensure_model("iris-classifier")
    with pytest.raises(Exception) as caught:
        batch_predict(data=CSV(str(DATA / "datasetD.csv")))
    assert re.search(
        r"task 'flows\.batch_predict_flow\.predict': script exited with code 1: "
        r"error: flows\.batch_predict_flow\.predict: "
        r"registered model 'iris-classifier' has no champion yet: run the multi-train flow first",
        str(caught.value),
    ), str(caught.value)
