"""The multi-train flow's steps as plain functions, and its scripts run alone with flags."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pandas as pd
import pytest

from flowjobs.script import ScriptInputError
from flowjobs.snapshots import DatasetSnapshot, resolve
from multitrain.model_specs import ALGORITHMS, BranchResult
from tasks import pipelines, training
from tasks.iris_data import FEATURES, TARGET, DataError
from tasks.predict import features
from tasks.prepare_data import HOLDOUT_PARTITION, TRAIN_PARTITIONS, snapshot_tag, split
from tasks.pyfunc_model import load_estimator, predictions
from tests.support.iris import DATA, partition, write
from tests.support.multitrain import prepare_alone, run_task

SCRIPTS = ["prepare_data", "compare_models", "promote_champion", "predict"] + [
    Path(family.script).stem for family in ALGORITHMS.values()
]


def test_a_to_c_train_and_d_is_held_out() -> None:
    train, holdout = split(DATA, TRAIN_PARTITIONS, HOLDOUT_PARTITION)
    assert len(train) == sum(len(partition(name)) for name in "ABC") and len(holdout) == len(partition("D"))
    assert not set(train["Id"]) & set(holdout["Id"])
    assert "RandomColumn" not in train.columns and set(train[TARGET]) == set(holdout[TARGET])


def test_held_out_rows_may_never_be_trained_on(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="partition datasetD.csv cannot be both trained on and held out"):
        split(DATA, [*TRAIN_PARTITIONS, HOLDOUT_PARTITION], HOLDOUT_PARTITION)
    write(pd.concat([partition("D"), partition("A").head(2)]), tmp_path / "leaky.csv")
    for name in TRAIN_PARTITIONS:
        write(partition(name[7]), tmp_path / name)
    with pytest.raises(DataError, match="held-out partition leaky.csv shares Ids with the training partitions"):
        split(tmp_path, TRAIN_PARTITIONS, "leaky.csv")


def test_the_parent_run_is_tagged_with_the_snapshot_the_files_match() -> None:
    assert snapshot_tag(DATA, [*TRAIN_PARTITIONS, HOLDOUT_PARTITION]) == {
        "flowjobs.snapshot.iris": resolve(DatasetSnapshot("iris", 1)).ref
    }
    (value,) = snapshot_tag(DATA, TRAIN_PARTITIONS).values()
    assert value.startswith("sha256:"), "files matching no snapshot still get their hash"


def branch(tmp_path: Path, algorithm: str, **params) -> training.Branch:
    train, holdout = split(DATA, TRAIN_PARTITIONS, HOLDOUT_PARTITION)
    family = ALGORITHMS[algorithm]
    return training.Branch(
        algorithm, algorithm, train, holdout, "0" * 64, params, "", "e", "m", "auc", family.model_file, tmp_path
    )


@pytest.mark.parametrize(
    ("module", "params", "points"),
    [
        ("train_logreg", {"C": [0.1, 1.0, 10.0], "max_iter": 500}, 3),
        ("train_random_forest", {"n_estimators": 10, "max_depth": 3, "min_samples_leaf": [1, 3]}, 2),
        ("train_xgboost", {"n_estimators": 10, "max_depth": 3, "learning_rate": [0.1, 0.3]}, 2),
    ],
)
def test_each_grid_point_is_cross_validated_and_the_best_saved(tmp_path: Path, module, params, points) -> None:
    script = importlib.import_module(f"tasks.{module}")
    fitted = script.fit(branch(tmp_path, script.ALGORITHM, **params))
    assert len(fitted.grid) == points
    assert all(set(point.metrics) == {f"cv_{m}" for m in pipelines.SCORERS} for point in fitted.grid)
    assert all(point.metrics["cv_log_loss"] > 0 for point in fitted.grid), "log loss is positive, not negated"
    assert fitted.path.is_file() and fitted.classes == sorted(fitted.classes)
    proba = load_estimator(fitted.kind, str(fitted.path))(partition("D")[FEATURES])
    output = predictions(proba, fitted.classes)
    assert list(output.columns) == ["species", *(f"proba_{c}" for c in fitted.classes)]
    assert (output["species"] == partition("D")[TARGET]).mean() > 0.85


def test_a_parameter_the_estimator_does_not_take_names_it(tmp_path: Path) -> None:
    from tasks import train_random_forest

    with pytest.raises(ScriptInputError, match="branch 'random_forest': Invalid parameter 'learning_rate'"):
        train_random_forest.fit(branch(tmp_path, "random_forest", n_estimators=5, max_depth=2, learning_rate=0.1))


def test_scoring_input_needs_the_four_numeric_features() -> None:
    rows = partition("D").drop(columns=[TARGET])
    assert list(features(rows.copy(), "d.csv").columns) == ["Id", *FEATURES]
    with pytest.raises(DataError, match="d.csv: missing column 'PetalWidthCm'"):
        features(rows.drop(columns=["PetalWidthCm"]), "d.csv")
    broken = rows.astype({"SepalWidthCm": object})
    broken.loc[3, "SepalWidthCm"] = "wide"
    with pytest.raises(DataError, match="d.csv: column 'SepalWidthCm', row 4: 'wide' is not a number"):
        features(broken, "d.csv")


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_has_help(script: str) -> None:
    module = importlib.import_module(f"tasks.{script}")
    parser = module.build_parser() if hasattr(module, "build_parser") else training.build_parser(module.ALGORITHM, "")
    assert "--output-dir" in parser.format_help()


@pytest.mark.slow
def test_prepare_then_a_branch_run_alone_with_flags(tmp_path: Path) -> None:
    env = {
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "FLOWJOBS_MODELS_DIR": str(tmp_path / "models"),
    }
    parent = prepare_alone(tmp_path, env)
    flags = ["--train", "p/train.csv", "--holdout", "p/holdout.csv", "--parent-run-id", parent, "--c-grid", "1", "10"]
    trained = run_task("train_logreg", *flags, "--register", "true", "--output-dir", "l", cwd=tmp_path, env=env)
    assert trained.returncode == 0, trained.stderr
    result = BranchResult(**json.loads((tmp_path / "l" / "result").read_text()))
    assert (result.branch, result.model_version) == ("logistic_regression", "1")
    (model_file,) = (tmp_path / "models").glob("*/sklearn_logreg.pkl")  # a folder per execution
    assert result.metrics["auc"] > 0.9


def test_bad_settings_run_alone_stop_the_script_with_one_line(tmp_path: Path) -> None:
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    stopped = run_task("prepare_data", "--iris", str(DATA), "--max-depth", "0", cwd=tmp_path, env=env)
    assert stopped.returncode == 1
    assert stopped.stderr.strip() == "error: prepare_data.py: input 'max_depth': Input should be greater than 0 (got 0)"
    assert not (tmp_path / "mlflow.db").exists(), "nothing is recorded for bad settings"


@pytest.mark.slow
def test_a_branch_run_alone_registers_nothing_unless_asked(tmp_path: Path) -> None:
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = {"MLFLOW_TRACKING_URI": uri, "FLOWJOBS_MODELS_DIR": str(tmp_path / "models"), "FLOWJOBS_EXECUTION_ID": ""}
    prepare_alone(tmp_path, {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'prepared.db'}"})
    flags = ["--train", "p/train.csv", "--holdout", "p/holdout.csv", "--c-grid", "1", "--output-dir", "l"]
    trained = run_task("train_logreg", *flags, cwd=tmp_path, env=env)
    assert trained.returncode == 0, trained.stderr
    assert "logistic_regression: not registered (run alone; --register registers it), auc " in trained.stdout
    result = BranchResult(**json.loads((tmp_path / "l" / "result").read_text()))
    assert result.model_version == "" and result.metrics["auc"] > 0.9, "trained and reported, not registered"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    assert client.search_registered_models() == [] and client.search_model_versions() == []
    assert client.get_run(result.run_id).info.status == "FINISHED", "the run is there, to look at locally"


@pytest.mark.slow
def test_an_unchanged_branch_reuses_its_version_and_retrain_trains_again(tmp_path: Path) -> None:
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = {"MLFLOW_TRACKING_URI": uri, "FLOWJOBS_MODELS_DIR": str(tmp_path / "models"), "FLOWJOBS_EXECUTION_ID": ""}
    parent = prepare_alone(tmp_path, env)
    flags = ["--train", "p/train.csv", "--holdout", "p/holdout.csv", "--parent-run-id", parent, "--c-grid", "1"]
    registered = []
    for attempt, more in enumerate([(), (), ("--retrain", "true"), ("--c-grid", "10")]):
        asked = [*flags, *more, "--register", "true", "--output-dir", f"o{attempt}"]
        done = run_task("train_logreg", *asked, cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr
        registered.append(BranchResult(**json.loads((tmp_path / f"o{attempt}" / "result").read_text())).model_version)
        reused = "data, parameters and code unchanged since version 1: reusing it" in done.stdout
        assert reused == (attempt == 1), done.stdout
    assert registered == ["1", "1", "2", "3"], "reused; trained again when asked; a changed parameter trains"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    assert len(client.search_model_versions("name = 'iris-classifier'")) == 3
