"""A registered version whose files are gone (mlruns/ deleted beside the store): one line naming the model, the
version and the folder, before MLflow's loader fails somewhere inside."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from flowjobs import tracking, tracking_store
from multitrain import registry
from tasks import champion
from tasks.table import IRIS


def test_scoring_a_version_whose_files_are_gone_names_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    tracking_store.prepare_store()
    client = tracking.client()
    run = client.create_run(tracking.experiment_id("files"))
    model = tmp_path / "model.json"
    model.write_text("{}")
    client.log_artifact(run.info.run_id, str(model), "model")
    registry.ensure_model("gone")
    source = f"{run.info.artifact_uri}/model"
    version = client.create_model_version("gone", source, run_id=run.info.run_id).version
    shutil.rmtree(tmp_path / "mlruns")

    rows = pd.DataFrame({name: [1.0] for name in IRIS.features})
    with pytest.raises(registry.RegistryError) as refused:
        champion.score(f"models:/gone/{version}", rows)
    message = str(refused.value)
    assert "\n" not in message and message.startswith(f"registered model 'gone' version {version}: its files are gone")
    assert str(tmp_path / "mlruns") in message
