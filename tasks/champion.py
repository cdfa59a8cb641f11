"""Judging a registered version against the champion on the same held-out rows (compare and promote steps).

A version's metrics count only if they were computed on these very rows: its recorded metrics when its
held-out file had the same sha256, otherwise the version is loaded and scored on the rows now.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flowjobs import tracking
from helpers.flows import ScriptInputError, add_output_dir, get_param_from_args
from multitrain import model_files, registry
from multitrain.model_specs import RunSettings, add_setting_arguments, check_settings
from tasks.table import IRIS, TableSpec, read_rows, require_classes

TAG_DECISION = "flowjobs.champion."  # parent-run tags of the compare and promote steps' decision


class Holdout:
    """The held-out rows and the sha256 of their file."""

    def __init__(self, path: Path, table: TableSpec = IRIS):
        self.path, self.table = Path(path), table
        self.rows: pd.DataFrame = read_rows(self.path, table, "holdout")
        require_classes(self.rows, table, self.path, 1, "the held-out metrics")
        self.sha256 = hashlib.sha256(self.path.read_bytes()).hexdigest()


def score(model_uri: str, rows: pd.DataFrame, features: list[str] | None = None) -> pd.DataFrame:
    """The model's output for the rows (the table's features, default Iris'): its answer and proba_<class>."""
    import mlflow

    if model_uri.startswith("models:/"):
        model_files.require_files(*model_uri.removeprefix("models:/").split("/", 1))
    return mlflow.pyfunc.load_model(model_uri).predict(rows[features or IRIS.features])


def holdout_metrics(model_name: str, version: str, holdout: Holdout) -> dict[str, float]:
    """The version's five metrics on the held-out rows: recorded if computed on the same file, else scored now."""
    client = tracking.client()
    found = client.get_model_version(model_name, version)
    if found.tags.get(registry.TAG_HOLDOUT) == holdout.sha256:
        recorded = client.get_run(found.run_id).data.metrics
        if all(name in recorded for name in registry.METRICS):
            return {name: recorded[name] for name in registry.METRICS}
    from tasks import evaluation  # only to score a version again: matplotlib, scikit-learn, the pyfunc model
    from tasks.pyfunc_model import PROBA_PREFIX

    scored = score(f"models:/{model_name}/{version}", holdout.rows, holdout.table.features)
    columns = [column for column in scored.columns if column.startswith(PROBA_PREFIX)]
    classes = [column.removeprefix(PROBA_PREFIX) for column in columns]
    return evaluation.metrics(holdout.rows[holdout.table.target], scored[columns].to_numpy(dtype=float), classes)


def judge(model_name: str, challenger: str, metric: str, holdout: Holdout) -> registry.Decision:
    """Does version `challenger` beat the current champion on `metric` on these held-out rows?"""
    champion = registry.champion_version(model_name)
    champion_metrics = holdout_metrics(model_name, champion, holdout) if champion else None
    challenger_metrics = holdout_metrics(model_name, challenger, holdout)
    return registry.decide(metric, challenger, challenger_metrics, champion, champion_metrics)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The flags of a judging step (compare, promote): held-out data, the execution's run, model and metric."""
    parser.add_argument("--holdout", type=Path, required=True, help="the held-out CSV the branches were scored on")
    parser.add_argument("--parent-run-id", dest="parent_run_id", required=True, help="the flow execution's run")
    parser.add_argument("--table", default=IRIS.to_json(), help="the table's description (prepare_data's `table`)")
    add_setting_arguments(parser, ["model_name", "ranking_metric"])
    return add_output_dir(parser)


@dataclass
class Judging:
    settings: RunSettings
    holdout: Holdout
    parent_run_id: str


def read_arguments(parser: argparse.ArgumentParser) -> Judging:
    """The judging step's inputs, checked, with MLflow connected."""
    settings = check_settings(**{name: get_param_from_args(parser, name) for name in ("model_name", "ranking_metric")})
    table = TableSpec.from_json(get_param_from_args(parser, "table"))
    holdout = Holdout(get_param_from_args(parser, "holdout"), table)
    judging = Judging(settings, holdout, get_param_from_args(parser, "parent_run_id"))
    tracking.connect()
    tracking.require_run(judging.parent_run_id)
    return judging


def require_version(model_name: str, version: str, input_name: str) -> str:
    """A version a step is given must exist: else one line naming the input, the model and the version."""
    from mlflow.exceptions import MlflowException

    missing = ScriptInputError(f"input {input_name!r}: registered model {model_name!r} has no version {version!r}")
    if not re.fullmatch(r"[1-9][0-9]{0,17}", version):  # versions count from 1; a longer one overflows the store
        raise missing
    try:
        tracking.client().get_model_version(model_name, version)
    except MlflowException as err:
        if err.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        raise missing from None
    return version
