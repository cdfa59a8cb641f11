"""`mlflow models serve` serves the champion: two rows in, their species out, nothing left running after."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.support.iris import partition
from tests.support.multitrain import PipelineRun, served_champion

pytestmark = pytest.mark.slow


def test_the_champion_is_served_on_localhost(multitrain_run: PipelineRun, tmp_path: Path) -> None:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-3000:]
    rows = partition("D").groupby("Species").head(1).iloc[[0, 2]]  # a setosa and a virginica
    with served_champion("iris-classifier", multitrain_run.uri, tmp_path) as url:
        features = rows[["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm"]]
        answer = requests.post(
            f"{url}/invocations",
            json={"dataframe_split": features.to_dict(orient="split", index=False)},
            timeout=120,
        )
        assert answer.status_code == 200, answer.text
        predicted = [row["species"] for row in answer.json()["predictions"]]
        assert predicted == rows["Species"].tolist() == ["Iris-setosa", "Iris-virginica"]
