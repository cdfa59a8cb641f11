"""The model registry: a version per branch, the alias `champion`, and the record of every alias move.

Versions are ranked by a metric (default AUC; ties by log loss, then by branch name). The alias moves only
when the winner beats the current champion on the same held-out data. Each move is kept on the registered
model itself, as a tag `champion_move.<UTC time>` holding JSON (when, from version, to version, the metric,
both values, the execution id): the history travels with the model, shows in the MLflow UI, and "which
version was champion at X" is one call (`champion_at`) and one command (`flowjobs champion --at X`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import typing
from dataclasses import asdict, dataclass

from flowjobs import tracking
from flowjobs.errors import ScriptInputError

# The held-out metrics every branch logs, and whether higher is better.
METRICS: dict[str, bool] = {"auc": True, "log_loss": False, "f1": True, "precision": True, "recall": True}
TIE_BREAKER = "log_loss"
CHAMPION = "champion"
MOVE_TAG = "champion_move."
TAG_ALGORITHM = "algorithm"
TAG_BRANCH = "branch"
TAG_PARENT_RUN = "parent_run_id"
TAG_EXECUTION = tracking.TAG_EXECUTION  # one spelling for a version and a run: `flowjobs.execution_id`
TAG_HOLDOUT = "holdout_sha256"
RUN_THE_FLOW = "run the multi-train flow first (pyflyte run flows/multitrain_flow.py model_training_pipeline)"


class RegistryError(ScriptInputError):
    """A registry request that cannot be met (no such model, no champion yet); names the model."""


def _missing(err: Exception) -> bool:
    return getattr(err, "error_code", "") == "RESOURCE_DOES_NOT_EXIST"


def ensure_model(name: str, description: str = "") -> None:
    """Create the registered model once, before branches add versions to it at the same time."""
    from mlflow.exceptions import MlflowException

    try:
        tracking.client().create_registered_model(name, description=description or None)
    except MlflowException as err:
        if err.error_code != "RESOURCE_ALREADY_EXISTS":
            raise


def register(model_uri: str, name: str, tags: dict[str, str]) -> str:
    """A new version of `name` for the logged model; returns its version number."""
    import mlflow

    with contextlib.redirect_stderr(io.StringIO()):  # MLflow's "Registered model … already exists" on every
        # version but the first (the model is made once, by `ensure_model`), and its "Created version …"
        return str(mlflow.register_model(model_uri, name, tags=tags).version)


# --- ranking -------------------------------------------------------------------------------------------------


def score_key(metrics: dict[str, float], metric: str) -> tuple[float, float]:
    """Smaller is better: the ranking metric (negated when higher is better), then log loss."""
    value = metrics[metric]
    return (-value if METRICS[metric] else value, metrics[TIE_BREAKER])


def rank(candidates: typing.Iterable[typing.Any], metric: str) -> list:
    """Candidates with `.metrics` and `.branch`, best first: by the metric, then log loss, then branch name."""
    return sorted(candidates, key=lambda c: (*score_key(c.metrics, metric), c.branch))


def decided_by(ranked: list, metric: str) -> str:
    """What put the first branch above the second: the metric, the tie-breaker, or the branch name."""
    if len(ranked) < 2:
        return f"{metric} (one branch)"
    first, tied = ranked[0], [b for b in ranked if b.metrics[metric] == ranked[0].metrics[metric]]
    if len(tied) == 1:
        return metric
    names = ", ".join(b.branch for b in tied)
    tie = f"{metric} tied at {first.metrics[metric]:.4f} between {names}"
    if metric != TIE_BREAKER and first.metrics[TIE_BREAKER] != tied[1].metrics[TIE_BREAKER]:
        return f"{TIE_BREAKER} ({tie})"
    return f"branch name ({tie}, and on {TIE_BREAKER})"


def margin(ranked: list, metric: str) -> str:
    """How far the winner is ahead of the runner-up, on what decided it (4 decimals, as every value is shown)."""
    if len(ranked) < 2:
        return "none (one branch)"
    first, second = ranked[0], ranked[1]
    for name in dict.fromkeys((metric, TIE_BREAKER)):
        gap = abs(first.metrics[name] - second.metrics[name])
        if gap:
            shown = f"{gap:.4f}" if gap >= 0.00005 else "< 0.0001"
            return f"{shown} {name} over {second.branch}"
    return f"none (tied with {second.branch} on {metric} and {TIE_BREAKER}; first by name)"


def verdict(ranked: list, metric: str) -> str:
    """The one sentence that says who won and why, the same on the parent run, in the compare deck, and in
    `flowjobs compare` and `flowjobs champion` (which read it back from the parent run's param `verdict`)."""
    winner = ranked[0]
    return (
        f"Winner {winner.branch} ({winner.algorithm}, version {winner.model_version}): {metric} "
        f"{winner.metrics[metric]:.4f} on the held-out data; decided by {decided_by(ranked, metric)}; "
        f"margin {margin(ranked, metric)}."
    )


@dataclass(frozen=True)
class Decision:
    """Whether the challenger beats the champion on `metric`; champion fields are None when there is none."""

    metric: str
    challenger: str
    challenger_value: float
    champion: str | None
    champion_value: float | None
    beats: bool


def decide(
    metric: str,
    challenger: str,
    challenger_metrics: dict[str, float],
    champion: str | None,
    champion_metrics: dict[str, float] | None,
) -> Decision:
    """The challenger must be strictly better (metric, then log loss); a tie keeps the champion."""
    beats = champion is None or score_key(challenger_metrics, metric) < score_key(champion_metrics, metric)
    champion_value = champion_metrics[metric] if champion_metrics else None
    return Decision(metric, challenger, challenger_metrics[metric], champion, champion_value, beats)


# --- the champion and its history ----------------------------------------------------------------------------


def registered_model(name: str):
    """The RegisteredModel (with its aliases and tags); RegistryError naming it when there is none."""
    from mlflow.exceptions import MlflowException

    try:
        return tracking.client().get_registered_model(name)
    except MlflowException as err:
        if _missing(err):
            raise RegistryError(f"there is no registered model {name!r}: {RUN_THE_FLOW}") from None
        raise


def champion_version(name: str) -> str | None:
    """The version the alias points at, or None."""
    version = registered_model(name).aliases.get(CHAMPION)
    return str(version) if version is not None else None


def require_champion(name: str) -> str:
    """The champion's version; RegistryError naming the model when there is none yet."""
    version = champion_version(name)
    if version is None:
        raise RegistryError(f"registered model {name!r} has no champion yet: {RUN_THE_FLOW}")
    return version


@dataclass(frozen=True)
class Move:
    """One move of the alias: when (UTC), from which version (None: the first) to which, on which values."""

    at: dt.datetime
    from_version: str | None
    to_version: str
    metric: str
    from_value: float | None
    to_value: float
    execution_id: str

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "at": self.at.isoformat()})

    @classmethod
    def from_json(cls, text: str) -> Move:
        fields = json.loads(text)
        return cls(**{**fields, "at": dt.datetime.fromisoformat(fields["at"])})


def promote(name: str, decision: Decision, execution_id: str, at: dt.datetime | None = None) -> Move:
    """Point the alias at the challenger and record the move on the registered model."""
    at = at or dt.datetime.now(dt.UTC)
    move = Move(
        at=at,
        from_version=decision.champion,
        to_version=decision.challenger,
        metric=decision.metric,
        from_value=decision.champion_value,
        to_value=decision.challenger_value,
        execution_id=execution_id,
    )
    client = tracking.client()
    client.set_registered_model_alias(name, CHAMPION, decision.challenger)
    client.set_registered_model_tag(name, f"{MOVE_TAG}{at:%Y%m%dT%H%M%S.%fZ}", move.to_json())
    return move


def history(name: str) -> list[Move]:
    """Every move of the alias, oldest first (one registry call)."""
    tags = registered_model(name).tags
    moves = (Move.from_json(value) for key, value in tags.items() if key.startswith(MOVE_TAG))
    return sorted(moves, key=lambda move: move.at)


def champion_at(name: str, when: dt.datetime) -> Move | None:
    """The move that made the champion of `when` (naive times are UTC), or None if there was none yet."""
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    earlier = [move for move in history(name) if move.at <= when]
    return earlier[-1] if earlier else None


def champion_story(name: str, version: str) -> list[str]:
    """The champion as `flowjobs champion` tells it: version, branch and algorithm, since when and by which
    execution (its id in full), its held-out metrics, and the verdict of the execution that made it."""
    client = tracking.client()
    moves = [move for move in history(name) if move.to_version == version]
    run_id = client.get_model_version(name, version).run_id
    run = client.get_run(run_id) if run_id else None  # a version registered from a run (every branch's is)
    lines = [f"Champion of {name}: version {version}"]
    if run is not None:
        branch = run.data.tags.get(tracking.TAG_BRANCH, run.info.run_name)
        lines[0] += f" ({branch}, {run.data.params.get('algorithm', '-')})"
    if moves:
        lines.append(f"  since {moves[-1].at:%Y-%m-%d %H:%M:%S} UTC, execution {moves[-1].execution_id}")
    if run is not None:
        metrics = run.data.metrics
        lines.append("  " + " · ".join(f"{metric} {metrics[metric]:.4f}" for metric in METRICS if metric in metrics))
        parent_id = run.data.tags.get("mlflow.parentRunId")
        told = client.get_run(parent_id).data.params.get("verdict") if parent_id else None
        lines += [f"  {told}"] if told else []
    return lines
