"""The multi-train flow on a cluster, without one: a training branch runs exactly as its pod would.

The flows are packaged with FLOWJOBS_TRACKING_SECRET set, so every job task requests the tracking URI as a
Flyte secret; the branch then runs in the task image's layout with that secret injected the way Flyte injects
it (an environment variable) and a decoy MLFLOW_TRACKING_URI that must not be used.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2, security_pb2
from flytekit import FlyteContextManager
from flytekit.core.context_manager import SecretsManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import Literal
from mlflow import MlflowClient

from flowjobs.jobs import JobSpec
from flowjobs.snapshots import resolve
from flowjobs.value_types import from_token
from flows.multitrain_flow import CSV, DATA_INPUTS, IRIS, model_training_pipeline
from multitrain.model_specs import DEFAULTS, BranchResult, load_specs
from tasks.prepare_data import HOLDOUT_PARTITION, TRAIN_PARTITIONS
from tasks.table import IRIS as IRIS_TABLE
from tests.support.image import build_layout
from tests.support.multitrain import pipeline_env, prepare_alone
from tests.support.pod import literal_map, package, run_as_pod

IMAGE = "registry.example.com/flowjobs:multitrain"
SECRET = ("mlflow", "tracking-uri")
BRANCH = "random_forest"


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory):
    env = {"FLOWJOBS_TRACKING_SECRET": "/".join(SECRET)}
    return package(tmp_path_factory.mktemp("package"), IMAGE, env=env)


WORKFLOW_DEFAULTS = model_training_pipeline.python_interface.default_inputs_as_kwargs


def job_spec(template) -> JobSpec:
    args = list(template.container.args)
    return JobSpec.model_validate_json(args[args.index("job-spec") + 1])


def test_every_job_task_requests_the_tracking_secret(packaged) -> None:
    jobs = [spec for spec in packaged.tasks.values() if "job-spec" in spec.template.container.args]
    assert len(jobs) >= 8
    for spec in jobs:
        (secret,) = spec.template.security_context.secrets
        assert (secret.group, secret.key, secret.mount_requirement) == (*SECRET, security_pb2.Secret.ENV_VAR)


@pytest.mark.slow
def test_a_training_branch_runs_as_a_pod_and_tracks_to_the_secrets_server(packaged, tmp_path: Path) -> None:
    env = pipeline_env(tmp_path)
    store = env["MLFLOW_TRACKING_URI"]
    parent_run_id = prepare_alone(tmp_path, env)
    template = packaged.tasks[f"flows.multitrain_flow.train_{BRANCH}"].template
    spec = job_spec(template)
    branch = next(s for s in load_specs() if s.name == BRANCH)
    values = {
        "train": CSV(str(tmp_path / "p" / "train.csv")), "holdout": CSV(str(tmp_path / "p" / "holdout.csv")),
        "parent_run_id": parent_run_id, "model_name": "iris-classifier", "ranking_metric": "auc",
        "branch": BRANCH, "params": json.dumps(branch.params), "model_file": branch.model_file,
        "n_estimators": 20, "max_depth": 3, "table": IRIS_TABLE.to_json(), "retrain": False,
    }  # fmt: skip
    assert set(values) == set(spec.inputs)
    inputs = literal_map(values, {name: from_token(token) for name, token in spec.inputs.items()})
    secret_variable = SecretsManager().get_secrets_env_var(*SECRET)
    decoy = tmp_path / "decoy" / "mlflow.db"
    pod_env = {
        secret_variable: store, "MLFLOW_TRACKING_URI": f"sqlite:///{decoy}", "KUBERNETES_SERVICE_HOST": "10.0.0.1",
        "FLOWJOBS_MODELS_DIR": str(tmp_path / "models"),
    }  # fmt: skip
    result = run_as_pod(
        packaged.tasks[f"flows.multitrain_flow.train_{BRANCH}"],
        inputs,
        tmp_path / "pod",
        build_layout(tmp_path / "image"),
        env=pod_env,
    )
    assert result.returncode == 0 and result.error is None, result.log[-4000:]
    ctx = FlyteContextManager.current_context()
    literal = Literal.from_flyte_idl(result.outputs.literals["result"])
    branch_result = TypeEngine.to_python_value(ctx, literal, BranchResult)
    assert branch_result.branch == BRANCH and set(branch_result.metrics) >= {"auc", "log_loss", "f1"}
    client = MlflowClient(tracking_uri=store, registry_uri=store)
    run = client.get_run(branch_result.run_id)
    assert run.info.status == "FINISHED" and run.data.tags["mlflow.parentRunId"] == parent_run_id
    assert run.data.params["n_estimators"] == "20"
    version = client.get_model_version("iris-classifier", branch_result.model_version)
    assert version.run_id == branch_result.run_id
    assert not decoy.exists(), "the pod must track to the secret's server, not the environment's"
    assert not list((tmp_path / "models").glob("*")), "a pod writes no local model files"
    deck = (tmp_path / "pod" / "out" / "deck.html").read_text()
    assert f"Model version <b>{branch_result.model_version}</b>" in deck and deck.count("data:image/png;base64") == 3


def test_a_tracking_task_in_a_pod_without_a_tracking_uri_fails_at_once_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    (tmp_path / "package").mkdir()
    plain = package(tmp_path / "package", IMAGE)  # registered without FLOWJOBS_TRACKING_SECRET
    task = plain.tasks["flows.multitrain_flow.prepare_data"]
    spec = job_spec(task.template)
    values = {
        "train_partitions": list(TRAIN_PARTITIONS), "holdout_partition": HOLDOUT_PARTITION,
        **{name: getattr(DEFAULTS, name) for name in spec.inputs if hasattr(DEFAULTS, name)},
        IRIS.input_name: resolve(IRIS).ref,
        **{name: WORKFLOW_DEFAULTS[name] for name in DATA_INPUTS},  # Iris: no table of the user's
    }  # fmt: skip
    assert set(values) == set(spec.inputs)
    inputs = literal_map(values, {name: from_token(token) for name, token in spec.inputs.items()})
    result = run_as_pod(task, inputs, tmp_path / "pod", build_layout(tmp_path / "image"))
    assert result.returncode == 0 and result.outputs is None, "pyflyte-execute exits 0 on a task failure"
    assert result.error.error.kind == errors_pb2.ContainerError.NON_RECOVERABLE
    assert (
        "task 'flows.multitrain_flow.prepare_data': MLFLOW_TRACKING_URI is not set in this pod"
        in result.error.error.message
    )
    assert not list((tmp_path / "image").rglob("mlflow.db")), "no store was made inside the pod"
