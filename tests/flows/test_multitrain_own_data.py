"""The multi-train flow on a new user's own tables: every branch trains, the champion serves their rows.

One execution per table, shared by the tests of this module: the binary breast-cancer table (string labels, a
categorical column, gaps, an ID and a constant column) by stock `pyflyte run`, then again unchanged by
`flowjobs run` on the same store (it must reuse, not register again); the three-class wine table as Parquet by
`flowjobs run`; and a bad table, stopped by the first step.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from multitrain import registry
from tests.support.multitrain import (
    RESULT,
    SMALL_H2O,
    PipelineRun,
    run_pipeline,
    served_champion,
)
from tests.support.tables import CANCER_TARGET, CATEGORY, GAPS, WINE_TARGET, bad_tables, cancer, cancer_frame, wine

pytestmark = pytest.mark.slow
BRANCHES = {"logreg", "h2o_automl", "random_forest", "xgboost"}


def flowjobs_run(folder: Path, *flow_args: str, uri: str | None = None) -> PipelineRun:
    """`flowjobs run flows/multitrain_flow.py model_training_pipeline …`, writing under `folder`."""
    return run_pipeline(folder, *flow_args, *SMALL_H2O, uri=uri, command="flowjobs")


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tables")
    cancer(folder / "cancer.csv")
    wine(folder / "wine.parquet")
    return folder


@pytest.fixture(scope="module")
def cancer_run(tables: Path, tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    done = run_pipeline(
        tmp_path_factory.mktemp("cancer"), "--data", str(tables / "cancer.csv"), "--target", CANCER_TARGET, *SMALL_H2O
    )
    assert done.returncode == 0, done.stderr[-5000:]
    return done


@pytest.fixture(scope="module")
def cancer_again(cancer_run: PipelineRun, tables: Path, tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """The same execution again, nothing changed, with `flowjobs run` on the first one's store."""
    before = versions(cancer_run, "cancer-classifier")
    folder = tmp_path_factory.mktemp("cancer-again")
    done = flowjobs_run(folder, "--data", str(tables / "cancer.csv"), "--target", CANCER_TARGET, uri=cancer_run.uri)
    assert done.returncode == 0, done.stderr[-5000:]
    done.before = before  # type: ignore[attr-defined]
    return done


@pytest.fixture(scope="module")
def wine_run(tables: Path, tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    folder = tmp_path_factory.mktemp("wine")
    done = flowjobs_run(folder, "--data", str(tables / "wine.parquet"), "--target", WINE_TARGET)
    assert done.returncode == 0, done.stderr[-5000:]
    return done


def versions(done: PipelineRun, model: str) -> dict[str, str]:
    """Each version of `model` and its branch."""
    return {v.version: v.tags[registry.TAG_BRANCH] for v in done.client().search_model_versions(f"name = '{model}'")}


def champion(done: PipelineRun) -> str:
    found = RESULT.search(done.stdout)
    assert found, done.stdout[-3000:]
    return found["champion"]


def test_every_branch_trains_on_the_users_table(cancer_run: PipelineRun) -> None:
    import mlflow
    from mlflow.models import get_model_info

    mlflow.set_tracking_uri(cancer_run.uri)
    client = cancer_run.client()
    assert sorted(versions(cancer_run, "cancer-classifier").values()) == sorted(BRANCHES), "named from the data"
    assert client.get_experiment_by_name("cancer") is not None
    features = [c for c in cancer_frame().columns if c not in ("patient id", "site", CANCER_TARGET)]
    for version in client.search_model_versions("name = 'cancer-classifier'"):
        info = get_model_info(f"models:/cancer-classifier/{version.version}")
        assert info.signature.inputs.input_names() == features, "the signature is the table's columns"
        assert info.signature.outputs.input_names() == ["diagnosis", "proba_benign", "proba_malignant"]
        run = client.get_run(version.run_id).data
        assert run.params["target"] == CANCER_TARGET and run.params["metrics_average"] == "macro"
        assert run.metrics["auc"] > 0.95 and 0 < run.metrics["log_loss"] < 0.3, version.tags[registry.TAG_BRANCH]
    (prepared,) = cancer_run.work.glob("prepare_data-*/logs/stdout.log")
    output = prepared.read_text()
    assert "column 'patient id' looks like an ID (a different value on every row); dropped" in output
    assert "column 'site' is constant; dropped" in output
    assert "y_prob values do not sum to one" not in cancer_run.stdout + cancer_run.stderr


def test_the_served_champion_answers_rows_with_gaps_in_the_users_labels(
    cancer_run: PipelineRun, tmp_path: Path
) -> None:
    frame = cancer_frame()
    gappy = frame[frame[list(GAPS)].isna().any(axis=1)].head(12)
    assert gappy[CATEGORY].isna().any() and gappy["mean radius"].isna().any()
    rows = gappy.drop(columns=[CANCER_TARGET, "patient id", "site"])
    with served_champion("cancer-classifier", cancer_run.uri, tmp_path) as url:
        split = json.loads(rows.to_json(orient="split", index=False))  # gaps as null, as a client sends them
        answer = requests.post(f"{url}/invocations", json={"dataframe_split": split}, timeout=300)
        assert answer.status_code == 200, answer.text
        predicted = pd.DataFrame(answer.json()["predictions"])
    assert set(predicted["diagnosis"]) <= {"benign", "malignant"}
    assert (predicted["diagnosis"].to_numpy() == gappy[CANCER_TARGET].to_numpy()).mean() >= 0.8
    np.testing.assert_allclose(predicted[["proba_benign", "proba_malignant"]].sum(axis=1), 1.0, atol=1e-9)


def test_an_unchanged_second_execution_registers_nothing_new(cancer_run: PipelineRun, cancer_again) -> None:
    assert versions(cancer_run, "cancer-classifier") == cancer_again.before, "no duplicate versions"
    assert champion(cancer_again) == champion(cancer_run), "the champion stays"
    kept = cancer_again.folder.glob("state/runs/*/tasks/*/attempt-*/*.log")  # what `flowjobs status --files` shows
    logs = "".join(path.read_text() for path in kept)
    reused = [line for line in logs.splitlines() if "data, parameters and code unchanged since version" in line]
    assert len(reused) == len(BRANCHES), logs[-3000:]
    again = "no new version registered (the flow's --retrain, a script's --retrain true, trains again)"
    assert all(again in line for line in reused)


def test_a_multiclass_parquet_table_with_int_labels(wine_run: PipelineRun, tables: Path) -> None:
    import mlflow

    assert sorted(versions(wine_run, "wine-classifier").values()) == sorted(BRANCHES)
    client = wine_run.client()
    for version in client.search_model_versions("name = 'wine-classifier'"):
        run = client.get_run(version.run_id).data
        assert run.params["n_classes"] == "3" and run.metrics["auc"] > 0.9, version.tags[registry.TAG_BRANCH]
    mlflow.set_tracking_uri(wine_run.uri)
    rows = pd.read_parquet(tables / "wine.parquet")
    model = mlflow.pyfunc.load_model(f"models:/wine-classifier/{champion(wine_run)}")
    answer = model.predict(rows.drop(columns=[WINE_TARGET]))
    assert list(answer.columns) == ["cultivar", "proba_1", "proba_2", "proba_3"]
    assert answer["cultivar"].tolist()[:3] == [1, 1, 1] and (answer["cultivar"] == rows[WINE_TARGET]).mean() > 0.9


def test_a_bad_table_stops_the_flow_in_its_first_step(tmp_path: Path) -> None:
    path, target = bad_tables(tmp_path / "bad")["one_class.csv"]
    done = run_pipeline(tmp_path / "run", "--data", str(path), "--target", target)
    assert done.returncode != 0
    task = "flows.multitrain_flow.prepare_data"
    line = f"error: {task}: {path}: column 'diagnosis' has one class only ('benign'): nothing to classify"
    assert line in " ".join((done.stdout + done.stderr).split()), done.stderr[-3000:]
    assert not list(done.work.glob("train_*")), "no branch starts"
    assert done.client().search_registered_models() == [], "nothing registered"
