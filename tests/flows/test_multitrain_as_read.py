"""The multi-train flow's records as a new user reads them in MLflow: the experiment opens on its model-training
view, the execution's run says who won and why, the champion is marked on its run and version, and every name a
list shows (grid points, logged models) says what it is. Read from the session run's store with MLflow's client.
"""

from __future__ import annotations

import re

import pytest

from flowjobs import records, tracking
from multitrain import registry
from multitrain.model_specs import DEFAULTS, load_specs
from tasks import decision_record
from tests.support.multitrain import PipelineRun

pytestmark = pytest.mark.slow
SPECS = load_specs()


@pytest.fixture(scope="module")
def done(multitrain_run: PipelineRun) -> PipelineRun:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-5000:]
    return multitrain_run


@pytest.fixture(scope="module")
def runs(done: PipelineRun) -> dict[str, list]:
    client = done.client()
    experiment = client.get_experiment_by_name(DEFAULTS.experiment_name)
    found = client.search_runs([experiment.experiment_id])
    roles = (tracking.ROLE_EXECUTION, tracking.ROLE_BRANCH, tracking.ROLE_GRID_POINT)
    return {role: [run for run in found if run.data.tags.get(tracking.TAG_ROLE) == role] for role in roles}


def ranked(branches: list) -> list:
    return sorted(
        branches, key=lambda r: (-r.data.metrics["auc"], r.data.metrics["log_loss"], r.data.tags[tracking.TAG_BRANCH])
    )


def test_the_experiment_opens_on_the_model_training_view(done: PipelineRun) -> None:
    experiment = done.client().get_experiment_by_name(DEFAULTS.experiment_name)
    assert experiment.tags[tracking.TAG_EXPERIMENT_KIND] == tracking.MODEL_TRAINING_KIND


def test_the_execution_run_carries_the_winner_its_metrics_the_ranking_and_the_tie_break(runs: dict) -> None:
    [parent] = runs[tracking.ROLE_EXECUTION]
    order = ranked(runs[tracking.ROLE_BRANCH])
    winner = order[0]
    params, metrics = parent.data.params, parent.data.metrics
    assert params["winner"] == winner.data.tags[tracking.TAG_BRANCH]
    assert params["ranking"] == " > ".join(run.data.tags[tracking.TAG_BRANCH] for run in order)
    second = order[1].data.metrics
    if second["auc"] != winner.data.metrics["auc"]:
        assert params["decided_by"] == "auc"
    elif second["log_loss"] != winner.data.metrics["log_loss"]:
        assert params["decided_by"].startswith("log_loss (auc tied at ")
    else:
        assert params["decided_by"].startswith("branch name")
    for name in registry.METRICS:
        assert metrics[name] == winner.data.metrics[name], name
    for place, run in enumerate(order, start=1):
        assert metrics[f"{decision_record.RANK_PREFIX}{run.data.tags[tracking.TAG_BRANCH]}"] == place
    note = parent.data.tags[tracking.TAG_NOTE]
    assert note.startswith(f"**Winner: {params['winner']}**") and f"decided by {params['decided_by']}" in note


def test_metrics_are_shown_rounded_to_four_decimals(runs: dict) -> None:
    for run in runs[tracking.ROLE_BRANCH] + runs[tracking.ROLE_GRID_POINT]:
        for name, value in run.data.metrics.items():
            if name in registry.METRICS or name.startswith("cv_"):
                assert value == round(value, 4), (run.info.run_name, name, value)


def test_the_winning_branch_run_and_the_champion_version_are_marked(done: PipelineRun, runs: dict) -> None:
    winner = ranked(runs[tracking.ROLE_BRANCH])[0]
    client = done.client()
    champion = str(client.get_registered_model(DEFAULTS.model_name).aliases[registry.CHAMPION])
    version = client.get_model_version(DEFAULTS.model_name, champion)
    assert version.run_id == winner.info.run_id and version.tags[registry.CHAMPION] == "true"
    assert winner.data.tags[decision_record.TAG_WINNER] == "true"
    assert winner.data.tags[decision_record.TAG_CHAMPION] == "true"
    others = [run for run in runs[tracking.ROLE_BRANCH] if run.info.run_id != winner.info.run_id]
    assert all(decision_record.TAG_CHAMPION not in run.data.tags for run in others)


def test_grid_points_are_named_by_their_parameters_and_logged_models_by_branch(done: PipelineRun, runs: dict) -> None:
    names = {run.info.run_name for run in runs[tracking.ROLE_GRID_POINT]}
    assert {f"logreg C={c:g}" for c in DEFAULTS.c_grid} <= names
    assert {"random_forest min_samples_leaf=1", "random_forest min_samples_leaf=3"} <= names
    h2o = [run for run in runs[tracking.ROLE_GRID_POINT] if "model_id" in run.data.params]
    assert h2o and all(run.info.run_name == run.data.params["model_id"] for run in h2o)
    client = done.client()
    for branch in runs[tracking.ROLE_BRANCH]:
        (model,) = client.search_logged_models(
            [branch.info.experiment_id], filter_string=f"source_run_id = '{branch.info.run_id}'"
        )
        assert model.name == branch.data.tags[tracking.TAG_BRANCH]


def test_every_branch_logs_the_same_metric_names_h2o_cv_included(runs: dict) -> None:
    cv = {f"cv_{name}" for name in registry.METRICS}
    named = {run.data.tags[tracking.TAG_BRANCH]: set(run.data.metrics) for run in runs[tracking.ROLE_BRANCH]}
    assert len({frozenset(names) for names in named.values()}) == 1, named
    assert all(cv | set(registry.METRICS) <= names for names in named.values())


def test_each_branch_run_keeps_its_logs_and_deck_and_so_does_the_record(done: PipelineRun, runs: dict) -> None:
    client = done.client()
    for branch in runs[tracking.ROLE_BRANCH]:
        listed = {item.path for item in client.list_artifacts(branch.info.run_id, "flowjobs/attempt-1")}
        assert {"flowjobs/attempt-1/stdout.log", "flowjobs/attempt-1/stderr.log"} <= listed
        assert "flowjobs/attempt-1/deck.html" in listed
    state = done.folder / "state" / "runs"  # the session run's own state folder
    [path] = state.glob(f"*/{records.RECORD_FILE}")
    record = records.load(path)
    for entry in record.tasks.values():
        assert entry.stdout_log.startswith(str(state)) and re.search(r"/attempt-\d+/stdout\.log$", entry.stdout_log)
        assert not entry.deck or entry.deck.startswith(str(state))
