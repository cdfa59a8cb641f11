"""Multi-train flow: model families trained in parallel branches, tracked in MLflow, the best one champion.

    pyflyte run flows/multitrain_flow.py model_training_pipeline                  # Iris, the default data
    pyflyte run flows/multitrain_flow.py model_training_pipeline --data my.csv --target label \
        [--id_columns '["customer_id"]'] [--holdout_share 0.2 | --split_column split] [--retrain]
    pyflyte run flows/multitrain_flow.py model_training_pipeline --n_estimators 100 --max_iter 1000 --max_depth 5
    pyflyte run flows/multitrain_flow.py model_training_pipeline --c_grid '[0.1, 1.0, 10.0]' --h2o_max_models 2 \
        --h2o_max_runtime_secs 30 --ranking_metric log_loss --experiment_name iris --model_name iris-classifier
    pyflyte run --remote flows/multitrain_flow.py model_training_pipeline       # on a Flyte cluster

                              ┌─► train_logreg (Small) ───────────┐
                              ├─► train_h2o_automl (Medium) ──────┤
    prepare_data (Small) ─────┤                                    ├─► compare_models ─► beats the champion?
      --data, --target        ├─► train_random_forest (Small) ────┤     (Small)          yes ─► promote_champion
      (default iris@1)        └─► train_xgboost (Small) ──────────┘                      no ──► keep_champion

`data` is a CSV or Parquet file or a snapshot `name@version`; prepare_data checks it before anything trains
(tasks/table.py) and hands every step the table's description (`table`) beside the rows. Without `data` the
rows are Iris's (snapshot iris@1: A–C train, D held out). `model_name` and `experiment_name` default from the
data's name. A branch whose data, parameters and code are unchanged since a registered version reuses that
version (tasks/reuse.py); `retrain` trains again (`flowjobs run --fresh` only skips the runner's cache).

The branches are the entries of flows/model_specs.yaml (FLOWJOBS_MODEL_SPECS names another file): the body
loops over them when the flow is defined, so each branch is a node of the DAG before anything runs, and an
entry added or removed adds or removes a branch. Every branch gets the training and held-out data and the
parent run, logs a child run, registers a version, and returns a BranchResult; compare_models gets them all as
one list. Promotion is a Flyte conditional: the alias `champion` moves only when the winner beats it.
"""

from __future__ import annotations

import json
import typing
import warnings

from flytekit import conditional, task, workflow
from flytekit.types.file import FlyteFile

from flowjobs.jobs import DatasetSnapshot, Input, Output, run_job_task
from multitrain.model_specs import (
    DEFAULTS,
    HOLDOUT_PARTITION,
    TRAIN_PARTITIONS,
    BranchResult,
    ModelSpec,
    load_specs,
    setting_type,
)

# flytekit declares a bool input's flag twice (`--retrain/--no_retrain`, `--retrain/--no-retrain`) and click warns
# on every run; the flag works, the warning only hides what a run prints
warnings.filterwarnings("ignore", message=r"The parameter --retrain is used more than once", category=UserWarning)

CSV = FlyteFile[typing.TypeVar("csv")]
MD = FlyteFile[typing.TypeVar("md")]
IRIS = DatasetSnapshot("iris", 1)
DATA_INPUTS = {
    "data": str,
    "target": str,
    "id_columns": typing.List[str],
    "holdout_share": float,
    "split_column": str,
}
SPECS = load_specs()
BRANCH_TIMEOUT_SECONDS = 3600
BRANCH_RETRIES = 1  # a crashed branch (a lost node, a killed JVM) runs again once; a refused input fails at once


class MultiTrainResult(typing.NamedTuple):
    champion_version: str
    leaderboard: MD


class Champion(typing.NamedTuple):
    champion_version: str  # both branches of the conditional output this name


@task
def keep_champion(champion_version: str) -> Champion:
    """The conditional's other branch: the winner did not beat the champion, so the alias stays."""
    return Champion(champion_version)


def prepare_data(settings: dict[str, typing.Any], data: dict[str, typing.Any]) -> typing.Any:
    """Check the settings and the data, split it (iris@1: A–C train, D held out), open the execution's parent run."""
    return run_job_task(
        "prepare_data",
        "python tasks/prepare_data.py",
        "Small",
        inputs=[
            Input("train_partitions", typing.List[str], TRAIN_PARTITIONS),
            Input("holdout_partition", str, HOLDOUT_PARTITION),
            *(Input(name, setting_type(name), value) for name, value in settings.items()),
            *(Input(name, DATA_INPUTS[name], value) for name, value in data.items()),
        ],
        output_specs=[
            Output("train", CSV),
            Output("holdout", CSV),
            Output("parent_run_id", str),
            Output("table", str),
            Output("model_name", str),
        ],
        tracking=True,
        dataset_snapshots=[IRIS],
    )


def judging_inputs(prepared: typing.Any, ranking_metric: typing.Any) -> list[Input]:
    """What every branch and both judging steps get: the held-out rows and the table's description, the parent
    run, the model and metric."""
    return [
        Input("holdout", CSV, prepared["holdout"]),
        Input("table", str, prepared["table"]),
        Input("parent_run_id", str, prepared["parent_run_id"]),
        Input("model_name", str, prepared["model_name"]),
        Input("ranking_metric", str, ranking_metric),
    ]


def train_branch(
    spec: ModelSpec, train: typing.Any, judging: list[Input], settings: dict[str, typing.Any], retrain: typing.Any
) -> typing.Any:
    """One branch of flows/model_specs.yaml: a child run, a registered version, its BranchResult."""
    return run_job_task(
        f"train_{spec.name}",
        f"python {spec.family.script}",
        spec.tier,
        inputs=[
            Input("train", CSV, train),
            *judging,
            Input("branch", str, spec.name),
            Input("params", str, json.dumps(spec.params)),
            Input("model_file", str, spec.model_file),
            Input("retrain", bool, retrain),
            *(Input(name, setting_type(name), settings[name]) for name in spec.family.settings.values()),
        ],
        output_specs=[Output("result", BranchResult)],
        tracking=True,
        timeout=BRANCH_TIMEOUT_SECONDS,
        retries=BRANCH_RETRIES,
    )


def compare_models(results: list[typing.Any], judging: list[Input]) -> typing.Any:
    """The branches side by side; whether the winner beats the champion on the held-out rows."""
    return run_job_task(
        "compare_models",
        "python tasks/compare_models.py",
        "Small",
        inputs=[Input("results", typing.List[BranchResult], results), *judging],
        output_specs=[
            Output("beats_champion", bool),
            Output("winner_version", str),
            Output("champion_version", str),
            Output("leaderboard", MD),
        ],
        tracking=True,
    )


def promote_champion(winner_version: typing.Any, judging: list[Input]) -> typing.Any:
    """Move the alias `champion` to the winner (judged again, under the store's lock)."""
    return run_job_task(
        "promote_champion",
        "python tasks/promote_champion.py",
        "Small",
        inputs=[Input("winner_version", str, winner_version), *judging],
        output_specs=[Output("champion_version", str)],
        tracking=True,
    )


@workflow
def model_training_pipeline(
    n_estimators: int = DEFAULTS.n_estimators,
    max_iter: int = DEFAULTS.max_iter,
    max_depth: int = DEFAULTS.max_depth,
    c_grid: typing.List[float] = DEFAULTS.c_grid,
    h2o_max_models: int = DEFAULTS.h2o_max_models,
    h2o_max_runtime_secs: int = DEFAULTS.h2o_max_runtime_secs,
    ranking_metric: str = DEFAULTS.ranking_metric,
    experiment_name: str = DEFAULTS.experiment_name,  # with `data`: the data's name (prepare_data)
    model_name: str = "",
    data: str = "",
    target: str = "",
    id_columns: typing.List[str] = [],  # noqa: B006 (a flow input's default: Flyte copies it)
    holdout_share: float = 0.25,
    split_column: str = "",
    retrain: bool = False,
) -> MultiTrainResult:
    """Train every branch on a table, compare them on its held-out rows, promote the winner if it beats the champion.

    Args:
        data: a CSV or Parquet file (a relative path is under the project's root) or a snapshot name@version;
            empty: Iris (iris@1)
        target: the column to predict (a classification: strings, ints or bools)
        id_columns: columns to drop (ID-like and constant ones are dropped anyway, with a warning)
        holdout_share: share of the rows held out, stratified by the target
        split_column: a column saying train or test for each row (instead of holdout_share)
        model_name: the registered model; empty: <data's name>-classifier (Iris: iris-classifier)
        experiment_name: the MLflow experiment; with data, the default stands for the data's name
        retrain: train every branch even if its data, parameters and code are unchanged since a registered version
    """
    settings = {
        "n_estimators": n_estimators,
        "max_iter": max_iter,
        "max_depth": max_depth,
        "c_grid": c_grid,
        "h2o_max_models": h2o_max_models,
        "h2o_max_runtime_secs": h2o_max_runtime_secs,
        "ranking_metric": ranking_metric,
        "experiment_name": experiment_name,
        "model_name": model_name,
    }
    table = {
        "data": data,
        "target": target,
        "id_columns": id_columns,
        "holdout_share": holdout_share,
        "split_column": split_column,
    }
    prepared = prepare_data(settings, table)
    judging = judging_inputs(prepared, ranking_metric)
    results = [train_branch(spec, prepared["train"], judging, settings, retrain) for spec in SPECS]
    compared = compare_models(results, judging)
    champion = (
        conditional("promote_if_better")
        .if_(compared["beats_champion"].is_true())
        .then(promote_champion(compared["winner_version"], judging))
        .else_()
        .then(keep_champion(champion_version=compared["champion_version"]))
    )
    return champion, compared["leaderboard"]
