"""The sample flow on a cluster, without one: it packages, and each task runs exactly as a pod runs it.

The tasks run in the task image's layout (built from the Dockerfile's COPY/ENV lines), chained the way Flyte
chains them: each pod's outputs.pb literals become the next pod's inputs.pb.
"""

from __future__ import annotations

from pathlib import Path

import joblib
import pandas as pd
import pytest
from flyteidl.core import errors_pb2, execution_pb2, literals_pb2

from flows.sample_flow import CSV
from tests.support.image import build_layout
from tests.support.iris import DATA, partition, write
from tests.support.pod import file_uri, float_value, literal_map, package, run_as_pod

IMAGE = "registry.example.com/flowjobs:smoke"
PREFIX = "flows.sample_flow."


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory):
    return package(tmp_path_factory.mktemp("package"), IMAGE)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory):
    return build_layout(tmp_path_factory.mktemp("image") / "root")


def test_every_task_of_the_sample_flow_is_packaged_with_the_image(packaged) -> None:
    names = {"load_data_a", "load_data_b", "merge_data", "process_data", "train_model"}
    assert {PREFIX + n for n in names} <= packaged.tasks.keys()
    assert PREFIX + "model_training" in packaged.workflows
    train = packaged.tasks[PREFIX + "train_model"].template
    assert train.container.image == IMAGE
    args = list(train.container.args)
    assert args[0] == "pyflyte-execute" and args[args.index("--resolver") + 1] == "flowjobs.jobs.job_task_resolver"
    assert {r.value for r in train.container.resources.limits} == {"4", "8Gi"}


def pod(packaged, name: str, inputs: literals_pb2.LiteralMap, workdir: Path, image) -> literals_pb2.LiteralMap:
    result = run_as_pod(packaged.tasks[PREFIX + name], inputs, workdir / name, image)
    assert result.returncode == 0 and result.error is None, result.log
    return result.outputs


def test_every_task_runs_as_a_pod_chained_by_literals(packaged, image, tmp_path: Path) -> None:
    def csv_input(name: str, path: Path) -> literals_pb2.LiteralMap:
        return literal_map({name: CSV(str(path))}, {name: CSV})

    def passed(**bindings: tuple[literals_pb2.LiteralMap, str]) -> literals_pb2.LiteralMap:
        return literals_pb2.LiteralMap(literals={k: out.literals[o] for k, (out, o) in bindings.items()})

    load_a = pod(packaged, "load_data_a", csv_input("data_path", DATA / "datasetA.csv"), tmp_path, image)
    load_b = pod(packaged, "load_data_b", csv_input("data_path", DATA / "datasetB.csv"), tmp_path, image)
    merged = pod(packaged, "merge_data", passed(data_a=(load_a, "data"), data_b=(load_b, "data")), tmp_path, image)
    assert len(pd.read_csv(file_uri(merged, "merged"))) == len(partition("A")) + len(partition("B"))
    processed = pod(packaged, "process_data", passed(merged_data=(merged, "merged")), tmp_path, image)
    train_inputs = passed(processed_data=(processed, "processed"))
    train_inputs.literals["num_estimators"].CopyFrom(literal_map({"n": 12}, {"n": int}).literals["n"])
    trained = pod(packaged, "train_model", train_inputs, tmp_path, image)
    assert set(trained.literals) == {"model", "accuracy"}
    assert len(joblib.load(file_uri(trained, "model")).estimators_) == 12
    assert 0.8 <= float_value(trained, "accuracy") <= 1.0
    # each pod uploaded its task's deck beside outputs.pb, where the Flyte console finds it
    assert f"<b>{len(partition('A'))}</b> rows" in deck(tmp_path, "load_data_a")
    assert f"<b>{len(partition('A')) + len(partition('B'))}</b> rows" in deck(tmp_path, "merge_data")
    assert "Data summary" in deck(tmp_path, "process_data")
    assert f"{float_value(trained, 'accuracy'):.4f}" in deck(tmp_path, "train_model").split("feature importances")[0]
    plots = {f'<img alt="{name}.png"' for name in ("confusion_matrix", "roc_curve", "precision_recall")}
    assert all(plot in deck(tmp_path, "train_model") for plot in plots), "the training deck shows its plots"


def deck(workdir: Path, name: str) -> str:
    """The deck a pod of task `name` wrote to its output prefix (run_as_pod's `out` folder)."""
    return (workdir / name / "out" / "deck.html").read_text()


def test_a_bad_input_in_a_pod_writes_a_user_error_with_the_scripts_message(packaged, image, tmp_path: Path) -> None:
    bad = write(partition("A").drop(columns=["Species"]), tmp_path / "bad.csv")
    inputs = literal_map(
        {"processed_data": CSV(str(bad)), "num_estimators": 5}, {"processed_data": CSV, "num_estimators": int}
    )
    result = run_as_pod(packaged.tasks[PREFIX + "train_model"], inputs, tmp_path / "pod", image)
    assert result.returncode == 0, "pyflyte-execute exits 0 on a task failure"
    assert result.outputs is None
    assert result.error.error.origin == execution_pb2.ExecutionError.USER
    assert result.error.error.kind == errors_pb2.ContainerError.NON_RECOVERABLE, "a refused input is not retried"
    assert "missing column 'Species'" in result.error.error.message
    assert "task 'flows.sample_flow.train_model': script exited with code 1" in result.error.error.message
    assert "flowjobs/job_runtime.py" in result.error.error.message, "the image's toolkit is the installed package"
