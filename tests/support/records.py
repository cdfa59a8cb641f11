"""What a multi-train run leaves in MLflow, reduced to what must be the same on any store.

Two stores that received the same flow run (a SQLite file, a PostgreSQL-backed server) must give equal
summaries: the run hierarchy, tags, params, metric names, artifacts, model versions and the champion. Metric
values are kept for the branches whose training is deterministic (fixed seeds, one thread).
"""

from __future__ import annotations

import typing

from flowjobs import tracking
from multitrain import registry
from multitrain.model_specs import DEFAULTS

DETERMINISTIC = ("logreg", "random_forest", "xgboost")
VOLATILE_TAGS = {
    tracking.TAG_EXECUTION, tracking.TAG_WORK_DIR, tracking.TAG_GIT_COMMIT, "mlflow.parentRunId", "mlflow.user",
    "mlflow.source.name", "mlflow.source.type", "mlflow.runName", "mlflow.log-model.history", "mlflow.note.content",
}  # fmt: skip


def _timing(metric: str) -> bool:
    """A metric that measures time (a duration, a branch's fit seconds): never the same in two runs."""
    return "duration" in metric or metric.endswith("_seconds")


def _artifacts(client: typing.Any, run_id: str, path: str | None = None) -> set[str]:
    found = set()
    for item in client.list_artifacts(run_id, path):
        found |= _artifacts(client, run_id, item.path) if item.is_dir else {item.path}
    return found


def _run(client: typing.Any, run: typing.Any, with_values: bool) -> dict[str, typing.Any]:
    return {
        "status": run.info.status,
        "tags": {
            k: v for k, v in run.data.tags.items() if k not in VOLATILE_TAGS and not k.startswith("flowjobs.champion")
        },
        "params": sorted(run.data.params),
        "metrics": {k: round(v, 9) for k, v in run.data.metrics.items() if not _timing(k)}
        if with_values
        else sorted(run.data.metrics),
        "artifacts": sorted(p for p in _artifacts(client, run.info.run_id) if not p.startswith("model/")),
        "datasets": sorted(d.dataset.name for d in run.inputs.dataset_inputs),
    }


def summary(client: typing.Any) -> dict[str, typing.Any]:
    experiment = client.get_experiment_by_name(DEFAULTS.experiment_name)
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    by_id = {run.info.run_id: run for run in runs}
    role = lambda run: run.data.tags.get(tracking.TAG_ROLE)  # noqa: E731
    (parent,) = [run for run in runs if role(run) == tracking.ROLE_EXECUTION]
    branches = {run.data.tags[tracking.TAG_BRANCH]: run for run in runs if role(run) == tracking.ROLE_BRANCH}
    points = [run for run in runs if role(run) == tracking.ROLE_GRID_POINT]
    versions = client.search_model_versions(f"name = '{DEFAULTS.model_name}'")
    version_branch = {str(v.version): by_id[v.run_id].data.tags[tracking.TAG_BRANCH] for v in versions}
    model = client.get_registered_model(DEFAULTS.model_name)
    return {
        "parent": _run(client, parent, with_values=False),
        "parent_tags": sorted(k for k in parent.data.tags if k.startswith("flowjobs.")),
        "branches": {name: _run(client, run, name in DETERMINISTIC) for name, run in branches.items()},
        "all_children_of_parent": all(
            run.data.tags["mlflow.parentRunId"] == parent.info.run_id for run in branches.values()
        ),
        "grid_points": sorted(
            by_id[p.data.tags["mlflow.parentRunId"]].data.tags[tracking.TAG_BRANCH]
            for p in points
            if by_id[p.data.tags["mlflow.parentRunId"]].data.tags[tracking.TAG_BRANCH] != "h2o_automl"
        ),
        "versions": sorted(version_branch.values()),
        "version_tags": sorted({k for v in versions for k in v.tags}),
        "champion_is_a_version": str(model.aliases[registry.CHAMPION]) in version_branch,
        "moves": len([k for k in model.tags if k.startswith(registry.MOVE_TAG)]),
        "statuses": sorted({run.info.status for run in runs}),
    }
