"""The sample flow is ready for a cluster: it packages, and its train task runs exactly as a pod runs it."""

from __future__ import annotations

from pathlib import Path

import joblib
import pytest
from flyteidl.core import execution_pb2

from flows.sample_flow import CSV
from tasks.merge_data import merge
from tasks.process_data import process
from tests.support.iris import partition, write
from tests.support.pod import file_uri, float_value, literal_map, package, run_as_pod

IMAGE = "registry.example.com/flowjobs:smoke"
TRAIN = "flows.sample_flow.train_model"


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory):
    return package(tmp_path_factory.mktemp("package"), IMAGE)


def test_every_task_of_the_sample_flow_is_packaged_with_the_image(packaged) -> None:
    names = {"load_data_a", "load_data_b", "merge_data", "process_data", "train_model"}
    assert {f"flows.sample_flow.{n}" for n in names} <= packaged.tasks.keys()
    assert "flows.sample_flow.model_training" in packaged.workflows
    train = packaged.tasks[TRAIN].template
    assert train.container.image == IMAGE
    args = list(train.container.args)
    assert args[0] == "pyflyte-execute" and args[args.index("--resolver") + 1] == "helpers.jobs.job_task_resolver"
    assert {r.value for r in train.container.resources.limits} == {"4", "8Gi"}


def processed_csv(tmp_path: Path) -> Path:
    return write(process(merge(partition("A"), partition("B"))), tmp_path / "processed.csv")


def test_the_train_task_runs_as_a_pod_and_writes_outputs_pb(packaged, tmp_path: Path) -> None:
    inputs = literal_map(
        {"processed_data": CSV(str(processed_csv(tmp_path))), "num_estimators": 12},
        {"processed_data": CSV, "num_estimators": int},
    )
    result = run_as_pod(packaged.tasks[TRAIN], inputs, tmp_path / "pod")
    assert result.returncode == 0 and result.error is None, result.log
    assert set(result.outputs.literals) == {"model", "accuracy"}
    assert len(joblib.load(file_uri(result.outputs, "model")).estimators_) == 12
    assert 0.8 <= float_value(result.outputs, "accuracy") <= 1.0


def test_a_bad_input_in_a_pod_writes_a_user_error_with_the_scripts_message(packaged, tmp_path: Path) -> None:
    bad = write(partition("A").drop(columns=["Species"]), tmp_path / "bad.csv")
    inputs = literal_map(
        {"processed_data": CSV(str(bad)), "num_estimators": 5}, {"processed_data": CSV, "num_estimators": int}
    )
    result = run_as_pod(packaged.tasks[TRAIN], inputs, tmp_path / "pod")
    assert result.returncode == 0, "pyflyte-execute exits 0 on a task failure"
    assert result.outputs is None
    assert result.error.error.origin == execution_pb2.ExecutionError.USER
    assert "missing column 'Species'" in result.error.error.message
    assert "task 'flows.sample_flow.train_model': script exited with code 1" in result.error.error.message
