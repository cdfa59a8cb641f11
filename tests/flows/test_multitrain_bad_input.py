"""Bad input to the multi-train flow: a clear error naming the thing, and the champion untouched."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest

from flows.multitrain_flow import model_training_pipeline
from multitrain.model_specs import DEFAULTS
from tests.support.multitrain import FLOW, WORKFLOW, PipelineRun, copy_store, pipeline_env
from tests.support.project import PROJECT_ROOT, run, tool

pytestmark = pytest.mark.slow
PREPARE = "flows.multitrain_flow.prepare_data"


def snapshot(uri: str) -> tuple:
    """What bad input must not change: the alias, the versions, the runs."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    model = client.get_registered_model(DEFAULTS.model_name)
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    return dict(model.aliases), dict(model.tags), len(client.search_model_versions()), len(runs)


@pytest.fixture(scope="module")
def store(multitrain_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> str:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-3000:]
    return copy_store(multitrain_run, tmp_path_factory.mktemp("bad-input"))


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"c_grid": [1.0, -1.0]}, "input 'c_grid': every C must be positive (got [1.0, -1.0])"),
        ({"max_depth": 0}, "input 'max_depth': Input should be greater than 0 (got 0)"),
        ({"ranking_metric": "accuracy"}, "input 'ranking_metric': unknown ranking metric; known: auc, log_loss"),
    ],
)
def test_bad_settings_stop_the_flow_before_any_branch(
    store: str, monkeypatch: pytest.MonkeyPatch, work_dir: Path, inputs: dict, expected: str
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    before = snapshot(store)
    with pytest.raises(Exception) as caught:
        model_training_pipeline(**inputs)
    first = str(caught.value)
    assert f"task '{PREPARE}': script exited with code 1: error: {PREPARE}: {expected}" in first, first
    assert snapshot(store) == before
    assert not list(work_dir.glob("train_*")), "no branch may start"


def test_a_tracking_server_that_does_not_answer_fails_fast_naming_it(
    monkeypatch: pytest.MonkeyPatch, work_dir: Path
) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        uri = f"http://127.0.0.1:{silent.getsockname()[1]}"
        monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            model_training_pipeline()
        elapsed = time.monotonic() - started
    assert f"error: {PREPARE}: MLflow tracking server {uri} does not answer" in str(caught.value)
    assert elapsed < 60, "a bounded probe, not MLflow's default minutes of retries"
    assert not list(work_dir.glob("train_*"))


def test_an_unknown_algorithm_in_the_specs_stops_the_flow_before_it_runs(store: str, tmp_path: Path) -> None:
    specs = tmp_path / "specs.yaml"
    specs.write_text("models:\n  - {name: logreg, algorithm: logistic_regression}\n  - {name: svm, algorithm: svm}\n")
    before = snapshot(store)
    result = run(
        [tool("pyflyte"), "run", FLOW, WORKFLOW],
        cwd=PROJECT_ROOT,
        env=pipeline_env(tmp_path, store, FLOWJOBS_MODEL_SPECS=str(specs)),
    )
    assert result.returncode != 0
    output = re.sub(r"\s+", " ", result.stdout + result.stderr)
    assert f"model specs file {specs}: models.1.algorithm: Input should be 'logistic_regression'" in output
    assert snapshot(store) == before
    assert not list((tmp_path / "work").iterdir()), "nothing ran"
