"""What every training branch does around its own model search, so that all branches record the same things.

A branch script (tasks/train_*.py) reads its inputs with `read_branch` and calls `run_branch` with a `fit`
function that searches its grid and writes its estimator file. `run_branch` does the rest, once for all:
the child run under the execution's parent run and a grandchild per grid point, the params, the training
data as an MLflow dataset, the five held-out metrics, three plots and the ROC curves' data, the model (with
signature and input example) as a new version of the registered model, on a local run the estimator file in
models/, and the task's report (decks "Metrics" and "Plots").

    python tasks/train_random_forest.py --train outputs/train.csv --holdout outputs/holdout.csv
Output `result`: a BranchResult (JSON) for the compare step.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
import typing
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd

from flowjobs import phases, reports, tracking, tracking_store
from helpers.flows import (
    ScriptInputError,
    add_output_dir,
    boolean,
    file_name,
    get_output_location,
    get_param_from_args,
    handle_outputs,
    is_workflow_job,
)
from multitrain import model_specs, registry
from multitrain.model_specs import (
    ALGORITHMS,
    FLOW_NAME,
    BranchResult,
    add_setting_arguments,
    check_settings,
)
from tasks import reuse
from tasks.table import IRIS, TableSpec, read_rows, require_classes

ENV_MODELS_DIR = "FLOWJOBS_MODELS_DIR"
MODELS_DIR = Path(__file__).resolve().parent.parent / "models"  # this project's models/
PYFUNC_CODE = Path(__file__).with_name("pyfunc_model.py")
REQUIREMENTS = ("mlflow", "pandas", "numpy", "scikit-learn", "joblib", "xgboost-cpu", "h2o")
SEED = 42
CV_FOLDS = 5
BRANCH_NAME_MAX = 100


@dataclass
class GridPoint:
    """One candidate of a branch's search: its parameters and its cross-validated metrics."""

    params: dict[str, typing.Any]
    metrics: dict[str, float]


@dataclass
class Fitted:
    """A branch's best model: its estimator file (kind as in tasks/pyfunc_model.py), classes and search."""

    kind: str
    path: Path
    classes: list[str]
    best_params: dict[str, typing.Any]
    grid: list[GridPoint] = field(default_factory=list)
    best: int = 0  # the chosen grid point's index: its CV metrics are also the branch run's

    @property
    def best_cv(self) -> dict[str, float]:
        return self.grid[self.best].metrics if self.grid else {}


@dataclass
class Branch:
    """A branch's inputs: data, identity, where it records, and its parameters (settings and spec params)."""

    algorithm: str
    name: str
    train: pd.DataFrame
    holdout: pd.DataFrame
    holdout_sha256: str
    params: dict[str, typing.Any]
    parent_run_id: str
    experiment_name: str
    model_name: str
    ranking_metric: str
    model_file: str
    scratch: Path
    table: TableSpec = IRIS
    register: bool = True  # in a flow, or asked with --register; a script run alone only reports
    retrain: bool = False  # train even when an earlier execution registered this very branch (tasks/reuse.py)
    train_sha256: str = ""


def build_parser(algorithm: str, description: str) -> argparse.ArgumentParser:
    """The flags every branch takes, plus the flow settings its algorithm uses (e.g. `--max-depth`)."""
    family = ALGORITHMS[algorithm]
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--train", type=Path, required=True, help="training CSV (from tasks/prepare_data.py)")
    parser.add_argument("--holdout", type=Path, required=True, help="held-out CSV the metrics are computed on")
    parser.add_argument("--branch", default=algorithm, help="the branch's name (its run's name)")
    parser.add_argument("--params", type=json.loads, default={}, help="more estimator parameters as JSON")
    parser.add_argument("--parent-run-id", dest="parent_run_id", default="", help="the flow execution's run")
    parser.add_argument("--model-file", dest="model_file", default=family.model_file, help="file name in models/")
    parser.add_argument("--table", default=IRIS.to_json(), help="the table's description (prepare_data's `table`)")
    parser.add_argument("--register", type=boolean, default=False, help="register a version (a flow always does)")
    parser.add_argument("--retrain", type=boolean, default=False, help="train even if this branch was registered")
    add_setting_arguments(parser, ["experiment_name", "model_name", "ranking_metric", *family.settings.values()])
    return add_output_dir(parser)


def read_branch(parser: argparse.ArgumentParser, algorithm: str, scratch: Path) -> Branch:
    """The branch's inputs, checked: bad settings or data stop it before anything is recorded."""
    family = ALGORITHMS[algorithm]
    parent_run_id = get_param_from_args(parser, "parent_run_id")
    alone = [] if parent_run_id else ["experiment_name"]  # in a flow, the parent run names the experiment
    names = ["model_name", "ranking_metric", *family.settings.values(), *alone]
    settings = check_settings(**{name: get_param_from_args(parser, name) for name in names})
    params = get_param_from_args(parser, "params")
    if not isinstance(params, dict):
        raise ScriptInputError(f"input 'params': expected a JSON object, got {params!r}")
    table = TableSpec.from_json(get_param_from_args(parser, "table"))
    holdout_path, train_path = get_param_from_args(parser, "holdout"), get_param_from_args(parser, "train")
    train, holdout = read_rows(train_path, table, "train"), read_rows(holdout_path, table, "holdout")
    require_classes(train, table, "train", CV_FOLDS, f"{CV_FOLDS}-fold CV")
    require_classes(holdout, table, "holdout", 1, "the held-out metrics")
    branch = Branch(
        algorithm=algorithm,
        name=branch_name(get_param_from_args(parser, "branch")),
        train=train,
        holdout=holdout,
        holdout_sha256=hashlib.sha256(Path(holdout_path).read_bytes()).hexdigest(),
        params=bounded_grid({**params, **{param: getattr(settings, name) for param, name in family.settings.items()}}),
        parent_run_id=parent_run_id,
        experiment_name=settings.experiment_name,
        model_name=settings.model_name,
        ranking_metric=settings.ranking_metric,
        model_file=file_name(get_param_from_args(parser, "model_file"), "model_file"),
        scratch=scratch,
        table=table,
        register=is_workflow_job() or get_param_from_args(parser, "register"),
        retrain=get_param_from_args(parser, "retrain"),
        train_sha256=hashlib.sha256(Path(train_path).read_bytes()).hexdigest(),
    )
    if parent_run_id:
        tracking.connect()
        tracking.require_run(parent_run_id)
    return branch


def bounded_grid(params: dict[str, typing.Any]) -> dict[str, typing.Any]:
    """The branch's grid, refused before any training when it has more than MAX_GRID_POINTS points."""
    try:
        model_specs.grid_points(params)
    except ValueError as err:
        raise ScriptInputError(f"input 'params': {err}") from None
    return params


def branch_name(name: str) -> str:
    """A branch names its run and its task (`train_<name>`), so it is an identifier, as in the model specs."""
    if not name.isidentifier() or len(name) > BRANCH_NAME_MAX:
        rule = f"letters, digits, _; at most {BRANCH_NAME_MAX}"
        raise ScriptInputError(f"input 'branch': {name!r} is not a name ({rule})")
    return name


def models_dir() -> Path | None:
    """Where a local run puts its model files: FLOWJOBS_MODELS_DIR (default models/), a folder per execution
    (`alone` for a script run alone), so executions at once never share them; None in a pod."""
    if "KUBERNETES_SERVICE_HOST" in os.environ:
        return None
    return Path(os.environ.get(ENV_MODELS_DIR) or MODELS_DIR) / (tracking.current_execution_id() or "alone")


def _requirements() -> list[str]:
    """Pinned to what trained the model, so a served model scores as it did here."""
    return [f"{name}=={metadata.version(name)}" for name in REQUIREMENTS]


if typing.TYPE_CHECKING:
    import numpy as np

Proba = typing.Callable[[pd.DataFrame], "np.ndarray"]


def _log_model(branch: Branch, fitted: Fitted, proba: Proba) -> str:
    """Log the model (signature, input example) and register it as a new version; returns the version."""
    import mlflow
    from mlflow.models import infer_signature

    from tasks.pyfunc_model import predictions

    table = branch.table
    example = branch.train[table.features].head(2)
    config = {"kind": fitted.kind, "classes": fitted.classes, "features": table.features}
    config |= {"categorical": table.categorical, "prediction": table.prediction, "label_type": table.label_type}
    answer = predictions(proba(example), fitted.classes, table.prediction, table.label_type)
    info = mlflow.pyfunc.log_model(
        name=branch.name,  # the MLflow UI lists logged models by name: the branch, not "model" for all
        python_model=str(PYFUNC_CODE),
        artifacts={"estimator": str(fitted.path)},
        model_config=config,
        signature=infer_signature(example, answer),
        input_example=example,
        pip_requirements=_requirements(),
    )
    if not branch.register:
        return ""
    tags = {
        registry.TAG_ALGORITHM: branch.algorithm,
        registry.TAG_BRANCH: branch.name,
        registry.TAG_PARENT_RUN: branch.parent_run_id,
        registry.TAG_EXECUTION: tracking.current_execution_id(),
        registry.TAG_HOLDOUT: branch.holdout_sha256,
        **reuse.tags(branch),
    }
    return registry.register(info.model_uri, branch.model_name, tags)


def _log_data(branch: Branch) -> None:
    """The training and held-out data as the run's dataset inputs. Branches running side by side log the same
    datasets: MLflow's SQLite store makes a dataset's row with a check-then-insert, so two branches at once can both
    insert it and one fails (UNIQUE constraint). The store's lock makes that step one branch at a time."""
    import mlflow

    table = branch.table
    for frame, context in ((branch.train, "training"), (branch.holdout, "evaluation")):
        columns = [*table.features, table.target]
        dataset = mlflow.data.from_pandas(frame[columns], name=f"{table.name}-{context}", targets=table.target)
        with tracking_store.store_lock(tracking_store.tracking_uri()):
            mlflow.log_input(dataset, context=context)


def _log_evaluation(branch: Branch, fitted: Fitted, proba: Proba, run_id: str) -> tuple[dict[str, float], str]:
    """The five metrics, three plots and the ROC curves' data on the held-out data, scored through the model's
    own loader; returns the metrics and the plots as report HTML."""
    import mlflow
    from matplotlib import pyplot as plt

    from tasks import evaluation

    truth, scores = branch.holdout[branch.table.target], proba(branch.holdout[branch.table.features])
    metrics = evaluation.metrics(truth, scores, fitted.classes)
    best = {f"best.{k}": v for k, v in fitted.best_params.items()}
    tracking.log_values(run_id, params=best, metrics={**metrics, **fitted.best_cv})
    mlflow.log_dict(evaluation.roc_curves(truth, scores, fitted.classes), tracking.ROC_DATA)
    images = []
    for name, figure in evaluation.plots(truth, scores, fitted.classes).items():
        # at the artifacts' root, the same names on every branch: MLflow's run comparison shows only those
        mlflow.log_figure(figure, name, save_kwargs={"bbox_inches": "tight"})
        images.append(reports.figure(figure, name))
        plt.close(figure)
    return metrics, "".join(images)


def publish_report(branch: Branch, fitted: Fitted, metrics: dict[str, float], version: str, plots: str) -> None:
    """The branch task's decks: "Metrics" (held-out metrics, best parameters, the searched grid) and "Plots"."""
    summary = f"<p>Model version <b>{version}</b> of {branch.model_name}, {len(branch.holdout)} held-out rows.</p>"
    reports.publish(
        "Metrics",
        reports.heading(f"{branch.name} ({branch.algorithm})")
        + summary
        + reports.table([{"metric": name, "held-out value": value} for name, value in metrics.items()])
        + reports.table([{"parameter": k, "value": v} for k, v in fitted.best_params.items()], "best parameters")
        + reports.table([{**point.params, **point.metrics} for point in fitted.grid], f"{CV_FOLDS}-fold CV search"),
    )
    reports.publish("Plots", plots)


def run_branch(branch: Branch, fit: typing.Callable[[Branch], Fitted]) -> BranchResult:
    """Fit, record and register one branch; its runs end FAILED if anything here fails.

    The result keeps the fit's seconds apart from the rest of the branch (logging, plots, the model's version)."""
    from tasks.pyfunc_model import h2o_column_types, load_estimator

    started = time.monotonic()
    with phases.tracking():
        tracking.connect()
        earlier = reuse.registered(branch) if branch.register and not branch.retrain else None
        if earlier is not None:
            return earlier
        alone = not branch.parent_run_id  # run alone, the branch makes the parent run, and so ends it
        branch.parent_run_id = branch.parent_run_id or tracking.parent_run(branch.experiment_name, FLOW_NAME)
    with (
        tracking.flow_step(branch.parent_run_id, finishes=alone),
        tracking.branch_run(branch.parent_run_id, branch.name, {registry.TAG_ALGORITHM: branch.algorithm}) as run_id,
    ):
        with phases.tracking():
            if branch.register:
                registry.ensure_model(branch.model_name)
            params = {"algorithm": branch.algorithm, **branch.params, **_table_params(branch)}
            tracking.log_values(run_id, params=params)
            _log_data(branch)
        fit_started = time.monotonic()
        fitted = fit(branch)
        fit_seconds = round(time.monotonic() - fit_started, 1)  # seconds to a tenth, as every duration is shown
        with phases.tracking():
            for point, name in zip(fitted.grid, grid_point_names(branch.name, fitted.grid), strict=True):
                tracking.grid_point_run(name, point.params, point.metrics)
            types = h2o_column_types(branch.table.numeric, branch.table.categorical)
            proba = load_estimator(fitted.kind, str(fitted.path), types)
            metrics, plots = _log_evaluation(branch, fitted, proba, run_id)
            version = _log_model(branch, fitted, proba)
            tracking.log_values(run_id, metrics={"fit_seconds": fit_seconds})
    publish_report(branch, fitted, metrics, version, plots)
    target = models_dir()
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fitted.path, target / branch.model_file)
    made = f"version {version}" if version else "not registered (run alone; --register registers it)"
    print(f"{branch.name}: {made}, " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    took = time.monotonic() - started
    return BranchResult(branch.name, branch.algorithm, run_id, version, metrics, took, fit_seconds, took - fit_seconds)


def _table_params(branch: Branch) -> dict[str, typing.Any]:
    """What the run was trained on: the table, its target, classes and how the class metrics are averaged."""
    from tasks.evaluation import AVERAGE

    table = branch.table
    return {"data": table.name, "target": table.target, "n_classes": len(table.classes), "metrics_average": AVERAGE}


def grid_point_names(branch: str, grid: list[GridPoint]) -> list[str]:
    """The grid points' run names: the branch and the parameters that vary between the points (all of them when
    none varies); an H2O AutoML model is named by its model id."""
    varying = [name for name in grid[0].params if len({repr(p.params.get(name)) for p in grid}) > 1] if grid else []
    names = []
    for point in grid:
        if "model_id" in point.params:
            names.append(str(point.params["model_id"]))
            continue
        shown = " ".join(f"{k}={_short(v)}" for k, v in point.params.items() if k in varying or not varying)
        names.append(f"{branch} {shown}"[: BRANCH_NAME_MAX * 2])
    return names


def _short(value: typing.Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def branch_main(
    algorithm: str,
    description: str,
    fit: typing.Callable[[Branch], Fitted],
    session: typing.Callable[[Branch], typing.ContextManager] | None = None,
) -> None:
    """A branch script's main(): read, run (inside `session`, e.g. an H2O cluster), write the result."""
    parser = build_parser(algorithm, description)
    get_output_location("result")  # an output folder that cannot be made fails now, not after the training
    with tempfile.TemporaryDirectory(prefix=f"{algorithm}-") as scratch:
        branch = read_branch(parser, algorithm, Path(scratch))
        with session(branch) if session else contextlib.nullcontext():
            result = run_branch(branch, fit)
    write_result(result)


def write_result(result: BranchResult) -> None:
    handle_outputs({"result": asdict(result)})
