"""What `flowjobs compare` compares, read from MLflow: the latest executions of an experiment and their branches.

An execution is a parent run (tag `flowjobs.role = execution`), its branches are its child runs (`branch`): their
held-out metrics, the registered version each logged, and the ROC curves' data each branch logs
(`evaluation/roc_curve.json`, see tasks/training.py). The champion and its history come from the registry.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import typing
from dataclasses import dataclass, field
from pathlib import Path

from flowjobs import tracking, tracking_store
from flowjobs.errors import ScriptInputError
from multitrain import registry
from multitrain.model_specs import DEFAULTS

TAG_PARENT = "mlflow.parentRunId"


class CompareError(ScriptInputError):
    """Nothing to compare (no such experiment, no execution in it, a bad --last); the message says which."""


@dataclass
class BranchRun:
    """One branch of one execution: its child run, metrics, registered version and ROC curves (None if unlogged)."""

    execution: str
    branch: str
    algorithm: str
    status: str
    run_id: str
    metrics: dict[str, float]
    version: str | None = None
    roc: dict[str, typing.Any] | None = None
    confusion: bytes | None = None  # its confusion matrix as it logged it (PNG)

    @property
    def scored(self) -> bool:
        """Whether it has every held-out metric, so it can be ranked."""
        return set(registry.METRICS) <= set(self.metrics)


@dataclass
class Execution:
    """One flow execution (its parent run): when, how it ended, its settings and its branches."""

    execution_id: str
    run_id: str
    status: str
    start: dt.datetime
    end: dt.datetime | None
    params: dict[str, str]
    tags: dict[str, str]
    branches: list[BranchRun] = field(default_factory=list)


@dataclass
class Comparison:
    """The latest executions of an experiment, newest first, with the model's champion and its history."""

    experiment: str
    uri: str
    model_name: str
    ranking_metric: str
    executions: list[Execution]
    champion: str | None
    moves: list[registry.Move]

    def ranked(self) -> list[BranchRun]:
        """Every scored branch of these executions, best first (ranking metric, then log loss, then name)."""
        return registry.rank([b for e in self.executions for b in e.branches if b.scored], self.ranking_metric)


def _time(millis: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC) if millis else None


CONFUSION_PLOT = "confusion_matrix.png"  # a branch run's, at its artifacts' root (tasks/training.py)


def _roc(client: typing.Any, run_id: str, scratch: Path) -> dict[str, typing.Any] | None:
    """The branch's ROC curves' data, or None when it logged none (a run from before it was logged, a failure)."""
    folder = tracking.ROC_DATA.rsplit("/", 1)[0]
    if not any(item.path == tracking.ROC_DATA for item in client.list_artifacts(run_id, folder)):
        return None
    local = client.download_artifacts(run_id, tracking.ROC_DATA, str(scratch))
    return json.loads(Path(local).read_text())


def _picture(client: typing.Any, run_id: str, name: str, scratch: Path) -> bytes | None:
    """A picture the branch logged at its artifacts' root, or None."""
    if not any(item.path == name for item in client.list_artifacts(run_id)):
        return None
    (scratch / run_id).mkdir(parents=True, exist_ok=True)
    return Path(client.download_artifacts(run_id, name, str(scratch / run_id))).read_bytes()


def _versions(client: typing.Any, model_name: str) -> dict[str, str]:
    """Registered version by the run that logged it."""
    found = client.search_model_versions(f"name = '{model_name}'")
    return {version.run_id: str(version.version) for version in found}


def _champion(model_name: str) -> tuple[str | None, list[registry.Move]]:
    try:
        return registry.champion_version(model_name), registry.history(model_name)
    except registry.RegistryError:  # no registered model yet: a flow that failed before registering
        return None, []


def _execution(client: typing.Any, parent: typing.Any, versions: dict[str, str], scratch: Path) -> Execution:
    """One execution from its parent run, with its branch runs (their metrics, versions, ROC data and confusion
    matrix picture)."""
    role = f"tags.`{tracking.TAG_ROLE}`"
    execution = Execution(
        execution_id=parent.data.tags.get(tracking.TAG_EXECUTION, parent.info.run_name),
        run_id=parent.info.run_id,
        status=parent.info.status,
        start=_time(parent.info.start_time),
        end=_time(parent.info.end_time),
        params=parent.data.params,
        tags=parent.data.tags,
    )
    children = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.`{TAG_PARENT}` = '{parent.info.run_id}' and {role} = '{tracking.ROLE_BRANCH}'",
        order_by=["attributes.start_time ASC"],
    )
    for child in children:
        branch = BranchRun(
            execution=execution.execution_id,
            branch=child.data.tags.get(tracking.TAG_BRANCH, child.info.run_name),
            algorithm=child.data.params.get("algorithm", "-"),
            status=child.info.status,
            run_id=child.info.run_id,
            metrics={k: v for k, v in child.data.metrics.items() if k in registry.METRICS},
            version=versions.get(child.info.run_id),
            roc=_roc(client, child.info.run_id, scratch),
            confusion=_picture(client, child.info.run_id, CONFUSION_PLOT, scratch),
        )
        execution.branches.append(branch)
    return execution


def execution_of(parent_run_id: str, model_name: str) -> Execution:
    """One execution by its parent run (the compare step's own, as it ends)."""
    client = tracking.client()
    with tempfile.TemporaryDirectory() as scratch:
        return _execution(client, client.get_run(parent_run_id), _versions(client, model_name), Path(scratch))


def collect(experiment: str, last: int) -> Comparison:
    """The `last` newest executions of `experiment` with their branches; CompareError when there is nothing."""
    if last < 1:
        raise CompareError(f"--last must be 1 or more, got {last}")
    uri = tracking_store.require_store()
    client = tracking.client()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        names = ", ".join(sorted(e.name for e in client.search_experiments())) or "none"
        store = tracking_store.redacted(uri)
        raise CompareError(f"there is no experiment {experiment!r} in {store} (experiments: {names})")
    role = f"tags.`{tracking.TAG_ROLE}`"
    parents = client.search_runs(
        [found.experiment_id],
        filter_string=f"{role} = '{tracking.ROLE_EXECUTION}'",
        order_by=["attributes.start_time DESC"],
        max_results=last,
    )
    if not parents:
        raise CompareError(f"experiment {experiment!r} has no flow executions yet: run the flow first")
    newest = parents[0].data.params
    model_name = newest.get("model_name", DEFAULTS.model_name)
    versions = _versions(client, model_name)
    with tempfile.TemporaryDirectory() as scratch:
        executions = [_execution(client, parent, versions, Path(scratch)) for parent in parents]
    champion, moves = _champion(model_name)
    metric = newest.get("ranking_metric", DEFAULTS.ranking_metric)
    return Comparison(experiment, tracking_store.redacted(uri), model_name, metric, executions, champion, moves)
