"""The multi-train flow end to end with stock `pyflyte run`: what MLflow holds afterwards, read with its client.

One run (the session fixture `multitrain_run`, fresh SQLite store) serves most tests; a second, cheaper run
on a copy of its store checks that a weaker winner leaves the champion alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from flowjobs import records, tracking
from flowjobs.snapshots import DatasetSnapshot, resolve
from multitrain import registry
from multitrain.model_specs import DEFAULTS, load_specs
from tests.support.multitrain import PipelineRun, java_processes_under

pytestmark = pytest.mark.slow
SPECS = load_specs()


def runs_by_role(run: PipelineRun, role: str) -> list:
    client = run.client()
    experiment = client.get_experiment_by_name(DEFAULTS.experiment_name)
    return client.search_runs([experiment.experiment_id], filter_string=f"tags.`{tracking.TAG_ROLE}` = '{role}'")


@pytest.fixture(scope="module")
def done(multitrain_run: PipelineRun) -> PipelineRun:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-5000:]
    return multitrain_run


@pytest.fixture(scope="module")
def parent(done: PipelineRun):
    (found,) = runs_by_role(done, tracking.ROLE_EXECUTION)
    return found


@pytest.fixture(scope="module")
def branches(done: PipelineRun) -> dict:
    return {run.data.tags[tracking.TAG_BRANCH]: run for run in runs_by_role(done, tracking.ROLE_BRANCH)}


def test_one_experiment_with_its_artifacts_beside_the_store(done: PipelineRun) -> None:
    experiment = done.client().get_experiment_by_name(DEFAULTS.experiment_name)
    assert experiment.artifact_location == (done.store / "mlruns" / experiment.experiment_id).as_uri()


def test_the_parent_run_stands_for_the_execution(done: PipelineRun, parent) -> None:
    tags = parent.data.tags
    assert parent.info.status == "FINISHED"
    assert tags[tracking.TAG_FLOW] == "model_training_pipeline"
    assert tags[tracking.TAG_EXECUTION].startswith("local-")
    assert re.fullmatch(r"model_training_pipeline \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", parent.info.run_name)
    assert len(tags[tracking.TAG_GIT_COMMIT]) == 40
    assert tags[f"{tracking.TAG_SNAPSHOT}iris"] == resolve(DatasetSnapshot("iris", 1)).ref
    assert parent.data.params["max_depth"] == str(DEFAULTS.max_depth)
    assert parent.data.params["h2o_max_models"] == "2"
    assert parent.data.params["holdout_partition"] == "datasetD.csv"


def test_the_parent_run_shows_each_task_of_the_execution(done: PipelineRun, parent) -> None:
    """Stock `pyflyte run` records the execution's tasks on its parent run, where the MLflow UI shows them."""
    client = done.client()
    record_file = client.download_artifacts(parent.info.run_id, "flowjobs/record.json", str(done.folder / "tmp"))
    record = records.load(Path(record_file))
    assert record.execution_id == parent.data.tags[tracking.TAG_EXECUTION] and record.status == "succeeded"
    names = {entry.name for entry in record.tasks.values()}
    assert names == {"prepare_data", *(f"train_{spec.name}" for spec in SPECS), "compare_models", "promote_champion"}
    for entry in record.tasks.values():
        assert parent.data.tags[f"flowjobs.task_status.{entry.name}"] == "done"
        assert parent.data.metrics[f"task_seconds.{entry.name}"] == round(entry.duration, 1)  # shown rounded
    page = Path(client.download_artifacts(parent.info.run_id, "flowjobs/tasks.html", str(done.folder / "tmp")))
    for entry in record.tasks.values():
        assert f"<tr><td>{entry.name}</td><td>done</td><td>1</td><td>{entry.tier}</td>" in page.read_text()
        split = entry.attempts[-1].time_split  # every step marks its main() and its tracking (flowjobs/phases.py)
        assert split is not None and split.start_up > 0 and split.teardown >= 0 and split.work >= 0, entry.name
        assert split.tracking > 0, f"{entry.name} records to MLflow"
    assert "time went (seconds; overhead = start-up + teardown)" in page.read_text(), "the split, as status shows it"


def test_a_child_run_per_branch_with_tier_duration_and_the_same_five_metrics(parent, branches: dict) -> None:
    assert set(branches) == {spec.name for spec in SPECS}
    for spec in SPECS:
        child = branches[spec.name]
        assert child.info.status == "FINISHED"
        assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert child.data.tags[tracking.TAG_TIER] == spec.tier
        assert child.data.metrics["duration_seconds"] > 0
        assert 0 < child.data.metrics["fit_seconds"] < child.data.metrics["duration_seconds"], "the fit, of the branch"
        assert set(registry.METRICS) <= set(child.data.metrics), spec.name
        assert 0.8 <= child.data.metrics["auc"] <= 1.0 and child.data.metrics["log_loss"] > 0
        assert child.data.params["algorithm"] == spec.algorithm


def test_each_branch_logs_plots_the_model_and_its_training_data(done: PipelineRun, branches: dict) -> None:
    client = done.client()
    for name, child in branches.items():
        plots = {item.path for item in client.list_artifacts(child.info.run_id) if item.path.endswith(".png")}
        assert plots == {"roc_curve.png", "confusion_matrix.png", "precision_recall.png"}, name
        contexts = {item.tags[0].value for item in child.inputs.dataset_inputs}
        assert contexts == {"training", "evaluation"}, name
        (model,) = client.search_logged_models(
            [child.info.experiment_id], filter_string=f"source_run_id = '{child.info.run_id}'"
        )
        folder = Path(model.artifact_location.removeprefix("file://"))
        described = yaml.safe_load((folder / "MLmodel").read_text())
        assert json.loads(described["signature"]["inputs"])[0]["name"] == "SepalLengthCm"
        assert described["saved_input_example_info"]["type"] == "dataframe"
        assert (folder / "input_example.json").is_file()


def test_a_grandchild_run_per_grid_point(done: PipelineRun, branches: dict) -> None:
    points = runs_by_role(done, tracking.ROLE_GRID_POINT)
    under = {
        name: [p for p in points if p.data.tags["mlflow.parentRunId"] == run.info.run_id]
        for name, run in branches.items()
    }
    assert len(under["logreg"]) == len(DEFAULTS.c_grid)
    assert sorted(float(p.data.params["C"]) for p in under["logreg"]) == sorted(DEFAULTS.c_grid)
    assert len(under["random_forest"]) == 2  # min_samples_leaf: [1, 3] in the specs
    assert len(under["xgboost"]) == 1
    assert len(under["h2o_automl"]) >= 1
    for point in points:
        assert point.info.status == "FINISHED" and "cv_log_loss" in point.data.metrics


def test_one_new_version_per_branch_tagged_with_algorithm_and_parent(done: PipelineRun, parent, branches: dict) -> None:
    versions = done.client().search_model_versions(f"name = '{DEFAULTS.model_name}'")
    assert len(versions) == len(SPECS)
    by_run = {version.run_id: version for version in versions}
    for name, child in branches.items():
        version = by_run[child.info.run_id]
        assert version.tags[registry.TAG_ALGORITHM] == child.data.params["algorithm"], name
        assert version.tags[registry.TAG_PARENT_RUN] == parent.info.run_id


def test_the_best_version_by_auc_became_champion_and_the_move_was_recorded(
    done: PipelineRun, parent, branches: dict
) -> None:
    versions = {v.run_id: v.version for v in done.client().search_model_versions(f"name = '{DEFAULTS.model_name}'")}
    ranked = sorted(
        branches.values(),
        key=lambda r: (-r.data.metrics["auc"], r.data.metrics["log_loss"], r.data.tags[tracking.TAG_BRANCH]),
    )
    best = str(versions[ranked[0].info.run_id])
    model = done.client().get_registered_model(DEFAULTS.model_name)
    assert str(model.aliases[registry.CHAMPION]) == best == done.champion
    (move,) = [registry.Move.from_json(value) for key, value in model.tags.items() if key.startswith(registry.MOVE_TAG)]
    assert (move.from_version, move.to_version, move.metric) == (None, best, "auc")
    assert move.to_value == pytest.approx(ranked[0].data.metrics["auc"])
    assert move.execution_id == parent.data.tags[tracking.TAG_EXECUTION]
    assert parent.data.tags["flowjobs.champion.beats_champion"] == "true"


def test_the_leaderboard_is_on_the_parent_run(done: PipelineRun, parent) -> None:
    client = done.client()
    assert {item.path for item in client.list_artifacts(parent.info.run_id)} >= {"leaderboard.md", "leaderboard.html"}
    board = Path(client.download_artifacts(parent.info.run_id, "leaderboard.md", str(done.folder / "tmp"))).read_text()
    for spec in SPECS:
        assert f"| {spec.name} " in board
    assert "winner" in board


def test_local_runs_write_each_branch_model_file(done: PipelineRun) -> None:
    (execution,) = done.models.iterdir()  # a folder per execution: executions at once never share files
    assert {path.name for path in execution.iterdir()} == {spec.model_file for spec in SPECS}


def test_nothing_is_left_running(done: PipelineRun) -> None:
    client = done.client()
    experiments = [e.experiment_id for e in client.search_experiments()]
    assert not client.search_runs(experiments, filter_string="attributes.status = 'RUNNING'")
    assert not java_processes_under(done.folder)


def test_a_winner_that_does_not_beat_the_champion_leaves_the_alias(done: PipelineRun, weaker_run: PipelineRun) -> None:
    assert weaker_run.returncode == 0, weaker_run.stderr[-5000:]
    client = weaker_run.client()
    model = client.get_registered_model(DEFAULTS.model_name)
    assert str(model.aliases[registry.CHAMPION]) == done.champion == weaker_run.champion
    assert len([key for key in model.tags if key.startswith(registry.MOVE_TAG)]) == 1
    assert len(client.search_model_versions(f"name = '{DEFAULTS.model_name}'")) == len(SPECS) + 1
    (latest,) = sorted(runs_by_role(weaker_run, tracking.ROLE_EXECUTION), key=lambda r: r.info.start_time)[-1:]
    assert latest.data.tags["flowjobs.champion.beats_champion"] == "false"
    assert latest.info.status == "FINISHED"
    children = [
        r
        for r in runs_by_role(weaker_run, tracking.ROLE_BRANCH)
        if r.data.tags["mlflow.parentRunId"] == latest.info.run_id
    ]
    assert [r.data.tags[tracking.TAG_BRANCH] for r in children] == ["weak_logreg"], (
        "the spec file alone decides the branches"
    )
