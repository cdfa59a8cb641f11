"""`flowjobs ui`: MLflow's own app on the project's store, opening on the runs with their metrics.

What MLflow 3's UI shows first is decided in the browser, from its localStorage (read from the JavaScript MLflow
ships, mlflow/server/js/build; the UI stores a value as JSON under `<key>_v<version>`):
- `mlflow.workflowType_v1`: "genai" (the default: an experiment opens on traces, tokens and cost) or
  "machine_learning" (it opens on its runs); a `workflowType` URL parameter overrides it for that page only. The
  experiment's `mlflow.experimentKind` tag is not read.
- `mlflow.assistant.fab.autoOpenedOnFirstLoad_v1`: false (unset) opens the assistant's side panel on a first visit.
- `MLflowLocalStorage-1.1-ExperimentPage-["<experiment id>"]-ReactComponentState`: the runs table of that
  experiment: `selectedColumns` ("metrics.`auc`", "tags.`winner`"; with none saved: Source, Models, Dataset) and
  `runsExpanded` ({run id: true}; with none saved, parents are collapsed).
MLflow's index page is served here with a small script before the app's own, writing these where the browser has
none saved: the model-training view, each model-training experiment's ranking metrics and marker tags (`winner`,
`champion`) as columns, its executions' parent runs expanded. What a user switched is
kept: the UI saves it under the same keys, and a parent run the user folded stays folded.

`mlflow server --app-name flowjobs` runs this app (the entry point group `mlflow.app`), so every option of
`mlflow server` still applies; `flowjobs ui` starts it on the project's store.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import typing
from pathlib import Path

from flowjobs import tracking, tracking_store

APP_NAME = "flowjobs"  # pyproject: [project.entry-points."mlflow.app"]
WORKFLOW_TYPE_KEY = "mlflow.workflowType_v1"
MODEL_TRAINING = "machine_learning"
# written only where a browser has none: the model-training view; the assistant's panel not opened on a first visit
# (it takes a third of a 1366 px screen from the runs table)
UNSET_DEFAULTS = {WORKFLOW_TYPE_KEY: MODEL_TRAINING, "mlflow.assistant.fab.autoOpenedOnFirstLoad_v1": True}
RUNS_TABLE_KEY = "MLflowLocalStorage-1.1-ExperimentPage-{ids}-ReactComponentState"
MOST_METRICS = 4  # with two marker tags, what 1366 px show beside the run names; the rest: the column picker
RECENT_RUNS = 200  # per experiment: what the defaults are read from
SCRIPT = """<script>/* flowjobs ui: MLflow's model-training view and runs table by default (flowjobs/mlflow_ui.py) */
(function (defaults) {
  try {
    var store = window.localStorage;
    Object.keys(defaults.unset).forEach(function (key) {
      if (store.getItem(key) === null) store.setItem(key, JSON.stringify(defaults.unset[key]));
    });
    defaults.experiments.forEach(function (experiment) {
      var saved = store.getItem(experiment.key), state = saved ? JSON.parse(saved) : {};
      if (!state.selectedColumns) state.selectedColumns = experiment.columns;
      var expanded = state.runsExpanded || {};
      experiment.parents.forEach(function (id) { if (!(id in expanded)) expanded[id] = true; });
      state.runsExpanded = expanded;
      store.setItem(experiment.key, JSON.stringify(state));
    });
  } catch (error) { /* no storage (a private window): MLflow's own defaults */ }
})(%s);
</script>"""


def metric_column(name: str) -> str:
    return f"metrics.`{name}`"


def tag_column(name: str) -> str:
    return f"tags.`{name}`"


def experiment_defaults(client: typing.Any, experiment_id: str) -> dict[str, typing.Any]:
    """The runs table's defaults for one experiment, its executions' parent runs expanded and as columns: the
    metrics the newest parent shares with the branches (the winner's, under the same names), those its params
    name first (`ranking_metric`, `tie_break_metric`), and the plain tags marking some branch runs but not all
    (`winner`, `champion`: the rarest first)."""
    role = f"tags.`{tracking.TAG_ROLE}`"
    parents = client.search_runs([experiment_id], f"{role} = '{tracking.ROLE_EXECUTION}'", max_results=RECENT_RUNS)
    branches = client.search_runs([experiment_id], f"{role} = '{tracking.ROLE_BRANCH}'", max_results=RECENT_RUNS)
    named = {value for run in parents[:1] for key, value in run.data.params.items() if key.endswith("_metric")}
    measured = {name for run in branches for name in run.data.metrics}
    shared = {name for run in parents for name in run.data.metrics} & measured  # the winner's, on its parent
    metrics = sorted(shared or measured, key=lambda name: (name not in named, name))[:MOST_METRICS]
    carried = collections.Counter(name for run in branches for name in run.data.tags if "." not in name)
    markers = sorted((name for name, count in carried.items() if count < len(branches)), key=carried.get)
    return {
        "key": RUNS_TABLE_KEY.format(ids=json.dumps([experiment_id])),
        "columns": [metric_column(name) for name in metrics] + [tag_column(name) for name in markers],
        "parents": [run.info.run_id for run in parents],
    }


def model_training_experiments(client: typing.Any) -> list:
    """The store's experiments of the model-training kind (a client, or a store's URI)."""
    if isinstance(client, str):
        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=client)
    kind = f"tags.`{tracking.TAG_EXPERIMENT_KIND}` = '{tracking.MODEL_TRAINING_KIND}'"
    return client.search_experiments(filter_string=kind, max_results=100)


def browser_defaults(client: typing.Any) -> dict[str, typing.Any]:
    """What the index page's script writes where a browser has nothing saved, for every model-training experiment."""
    experiments = model_training_experiments(client)
    return {
        "unset": UNSET_DEFAULTS,
        "experiments": [experiment_defaults(client, found.experiment_id) for found in experiments],
    }


def index_page(html: str, defaults: dict[str, typing.Any]) -> str:
    """MLflow's index page with the defaults' script first in its head (before the app's own script runs)."""
    script = SCRIPT % json.dumps(defaults).replace("</", "<\\/")
    return html.replace("<head>", "<head>" + script, 1)


def app() -> typing.Any:
    """The ASGI app `mlflow server --app-name flowjobs` runs (a factory: uvicorn calls it once per worker):
    MLflow's FastAPI app, its index page served by `serve_index`."""
    from mlflow.server import app as flask_app
    from mlflow.server.fastapi_app import app as mlflow_app

    flask_app.view_functions["serve"] = serve_index
    return mlflow_app


def serve_index() -> typing.Any:
    """MLflow's `serve` view for "/" with the browser defaults written in, read from the store on each load."""
    from flask import Response
    from mlflow import MlflowClient
    from mlflow.server import BACKEND_STORE_URI_ENV_VAR
    from mlflow.server import app as flask_app

    html = (Path(flask_app.static_folder) / "index.html").read_text(encoding="utf-8")
    try:
        defaults = browser_defaults(MlflowClient(tracking_uri=os.environ[BACKEND_STORE_URI_ENV_VAR]))
    except Exception as err:  # noqa: BLE001 (the page must open even when the store cannot be read)
        print(f"flowjobs ui: no runs table defaults: {err}", file=sys.stderr)
        defaults = {"unset": UNSET_DEFAULTS, "experiments": []}
    return Response(index_page(html, defaults), mimetype="text/html", headers={"Cache-Control": "no-cache"})


def server_environment() -> dict[str, str]:
    """The server's environment: no job executor (its workers run GenAI's scorers; they would take a CPU each
    for nothing here) unless the user's environment says otherwise."""
    return {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", **os.environ}


def server_command(host: str, port: int, workers: int, store_uri: str | None = None) -> list[str]:
    """`mlflow server` running this app on the store (the project's by default), as `mlflow ui` would be run."""
    uri = store_uri or tracking_store.tracking_uri()
    return [sys.executable, "-m", "mlflow", "server", "--app-name", APP_NAME, "--backend-store-uri", uri,
            "--host", host, "--port", str(port), "--workers", str(workers)]  # fmt: skip
