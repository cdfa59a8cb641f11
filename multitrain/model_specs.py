"""The branches of the multi-train flow and the settings they share, validated into typed objects.

flows/model_specs.yaml (or the file FLOWJOBS_MODEL_SPECS names) lists one spec per branch: algorithm, tier,
the file a local run writes into models/, and estimator parameters (a list is a grid axis). The flow loops
over the specs when it is defined, so adding or removing an entry adds or removes a branch (a node of the
DAG) without editing the flow. A file that does not validate fails the flow's definition with an error
naming the file and the key.

The flow's own inputs (C grid, max_iter, n_estimators, max_depth, H2O budget, ranking metric, names) are
`RunSettings`: checked once by the first task of the flow, again by each script that uses them.
"""

from __future__ import annotations

import argparse
import math
import os
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from flowjobs import config, tiers
from flowjobs.config import ConfigError
from flowjobs.errors import ScriptInputError
from multitrain.registry import METRICS

METRIC_DECIMALS = 4  # what is logged, ranked and shown is the same number: a tie on screen is a tie in the ranking

ENV_MODEL_SPECS = "FLOWJOBS_MODEL_SPECS"
PROJECT = Path(__file__).resolve().parent.parent  # the project this application is part of
MAX_GRID_POINTS = 100  # a branch's grid search (5-fold CV per point): past this a typo, not a search


class ModelSpecError(ConfigError):
    """A model specs file that does not validate; the message names the file and the key."""


class SettingsError(ScriptInputError):
    """A flow input that cannot be used; the message names the input and the value."""


@dataclass(frozen=True)
class Algorithm:
    """A model family: its script, default tier and model file, and the estimator parameters the flow sets.

    `settings` maps each of those parameters to the flow input setting it, which is also the name of the
    script's input; a spec's own params may not set them.
    """

    script: str
    tier: str
    model_file: str
    settings: dict[str, str]


TREE_SETTINGS = {"n_estimators": "n_estimators", "max_depth": "max_depth"}
ALGORITHMS: dict[str, Algorithm] = {
    "logistic_regression": Algorithm(
        "tasks/train_logreg.py", "Small", "sklearn_logreg.pkl", {"C": "c_grid", "max_iter": "max_iter"}
    ),
    "random_forest": Algorithm("tasks/train_random_forest.py", "Small", "sklearn_rf.pkl", TREE_SETTINGS),
    "xgboost": Algorithm("tasks/train_xgboost.py", "Small", "xgb_clf.pkl", TREE_SETTINGS),
    "h2o_automl": Algorithm(
        "tasks/train_h2o_automl.py",
        "Medium",
        "h2o_automl.bin",
        {"max_models": "h2o_max_models", "max_runtime_secs": "h2o_max_runtime_secs"},
    ),
}

Scalar = bool | int | float | str


def grid_points(params: dict[str, typing.Any]) -> int:
    """How many points a grid of params has (a list is an axis); ValueError past MAX_GRID_POINTS."""
    points = math.prod(len(value) if isinstance(value, list) else 1 for value in params.values())
    if points > MAX_GRID_POINTS:
        axes = " x ".join(str(len(value)) for value in params.values() if isinstance(value, list))
        raise ValueError(f"the grid has {points} points ({axes}), more than the {MAX_GRID_POINTS} allowed")
    return points


class ModelSpec(BaseModel):
    """One branch: `name` is an identifier (its task is `train_<name>`), `params` extra estimator parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    algorithm: typing.Literal[tuple(ALGORITHMS)]  # type: ignore[valid-type]
    tier: str = ""
    model_file: str = Field(default="", pattern=r"^[\w.-]*$")
    params: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)

    @field_validator("tier")
    @classmethod
    def _known_tier(cls, tier: str) -> str:
        if tier:
            tiers.get_tier(tier)
        return tier

    @field_validator("params")
    @classmethod
    def _not_a_flow_setting(cls, params: dict, info: ValidationInfo) -> dict:
        settings = ALGORITHMS[info.data["algorithm"]].settings if "algorithm" in info.data else {}
        for param in params:
            if param in settings:
                raise ValueError(f"{param!r} is set by the flow's input {settings[param]!r}, not here")
        return params

    @field_validator("params")
    @classmethod
    def _bounded_grid(cls, params: dict) -> dict:
        grid_points(params)
        return params

    @model_validator(mode="after")
    def _defaults(self) -> ModelSpec:
        family = ALGORITHMS[self.algorithm]
        object.__setattr__(self, "tier", self.tier or family.tier)
        object.__setattr__(self, "model_file", self.model_file or family.model_file)
        return self

    @property
    def family(self) -> Algorithm:
        return ALGORITHMS[self.algorithm]


class ModelSpecFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    models: list[ModelSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ModelSpecFile:
        for field in ("name", "model_file"):
            seen: dict[str, int] = {}
            for index, spec in enumerate(self.models):
                value = getattr(spec, field)
                if value in seen:
                    raise ValueError(f"models.{index}.{field}: {value!r} is already used by models.{seen[value]}")
                seen[value] = index
        return self


def specs_file() -> Path:
    """flows/model_specs.yaml of this project, or the file FLOWJOBS_MODEL_SPECS names."""
    return Path(os.environ.get(ENV_MODEL_SPECS) or PROJECT / "flows" / "model_specs.yaml")


def load_specs(path: Path | None = None) -> list[ModelSpec]:
    """The validated branch specs; ModelSpecError names the file and the key of the first problem."""
    return config.load(Path(path or specs_file()), ModelSpecFile, "model specs file", ModelSpecError).models


FLOW_NAME = "model_training_pipeline"
TRAIN_PARTITIONS = ["datasetA.csv", "datasetB.csv", "datasetC.csv"]  # of the snapshot iris@1: trained on
HOLDOUT_PARTITION = "datasetD.csv"  # held out: every branch is scored, and the champion judged, on it


NAME_LENGTH = 250  # MLflow keeps experiment and model names in 256-character columns


class RunSettings(BaseModel):
    """The flow's inputs that shape training, with their defaults (the flow's and the scripts' defaults).

    Every number has an upper bound as well: a value past it (a mistyped 10**30 trees) is refused at once,
    instead of a branch that never ends or runs out of memory.
    """

    model_config = ConfigDict(extra="forbid")
    experiment_name: str = Field(
        FLOW_NAME, min_length=1, max_length=NAME_LENGTH, description="MLflow experiment of the flow's runs"
    )
    model_name: str = Field(
        "iris-classifier", min_length=1, max_length=NAME_LENGTH, description="registered model the versions go to"
    )
    ranking_metric: str = Field("auc", description=f"metric that ranks the branches: {', '.join(METRICS)}")
    c_grid: list[float] = Field(
        [0.01, 0.1, 1.0, 10.0, 100.0], min_length=1, max_length=MAX_GRID_POINTS, description="C values to grid-search"
    )
    max_iter: int = Field(1000, gt=0, le=1_000_000, description="iterations of the logistic regression solver")
    n_estimators: int = Field(100, gt=0, le=10_000, description="trees of the random forest and of XGBoost")
    max_depth: int = Field(5, gt=0, le=1_000, description="depth of each tree (random forest, XGBoost)")
    h2o_max_models: int = Field(5, gt=0, le=1_000, description="models H2O AutoML may train")
    h2o_max_runtime_secs: int = Field(60, gt=0, le=86_400, description="seconds H2O AutoML may take")

    @field_validator("ranking_metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in METRICS:
            raise ValueError(f"unknown ranking metric; known: {', '.join(METRICS)}")
        return metric

    @field_validator("c_grid")
    @classmethod
    def _positive(cls, grid: list[float]) -> list[float]:
        if any(value <= 0 for value in grid):
            raise ValueError("every C must be positive")
        if not all(math.isfinite(value) for value in grid):
            raise ValueError("every C must be a finite number")
        return grid


DEFAULTS = RunSettings()


def setting_type(name: str) -> typing.Any:
    """The Python type of a setting as a flow input: str, int or List[float]."""
    annotation = RunSettings.model_fields[name].annotation
    return typing.List[typing.get_args(annotation)[0]] if typing.get_origin(annotation) is list else annotation


def add_setting_arguments(parser: argparse.ArgumentParser, names: typing.Iterable[str]) -> argparse.ArgumentParser:
    """A flag per setting (`--max-depth`), typed and defaulted as the flow's input of the same name."""
    for name in names:
        field = RunSettings.model_fields[name]
        kind = setting_type(name)
        many = typing.get_origin(kind) is list
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type=typing.get_args(kind)[0] if many else kind,
            nargs="+" if many else None,
            default=field.default,
            help=f"{field.description} (default: {field.default})",
        )
    return parser


def check_settings(**values: typing.Any) -> RunSettings:
    """Validate flow inputs by name; SettingsError names the input, e.g. `input 'max_depth': … (got 0)`."""
    try:
        return RunSettings.model_validate(values)
    except ValidationError as err:
        first = err.errors()[0]
        name, *item = first["loc"]
        where = f"input {name!r}" + (f" item {item[0]}" if item else "")
        message = first["msg"].removeprefix("Value error, ")
        got = repr(first["input"])
        if isinstance(first["input"], list | tuple) and len(got) > 80:  # a grid over the bound: its size, not its items
            got = f"{got[:60]}... ({len(first['input'])} items)"
        raise SettingsError(f"{where}: {message} (got {got})") from None


@dataclass
class BranchResult:
    """What a training branch hands the compare step: its run, its registered version, its held-out metrics."""

    branch: str
    algorithm: str
    run_id: str
    model_version: str
    metrics: typing.Dict[str, float]
    duration_seconds: float
    fit_seconds: float = 0.0  # of the duration: the model search and refit
    logging_seconds: float = 0.0  # the rest: MLflow runs, data, metrics, plots, the model and its version
