"""The MLflow UI as a new user reads it after the multi-train flow, in a real browser: the experiment opens on its
runs (the model-training view, not the GenAI overview), the execution's run says who won and why, the branches'
plots are whole (no clipped label), and a branch run keeps its logs. (MLflow's run comparison pane lays another
layer over its artifact list, so a person's click on a plot there does nothing: the branches side by side are
pictures on the parent run instead, test_mlflow_opens_on_runs.py.)

`flowjobs ui` runs on a copy of the session run's store, on 127.0.0.1 and a free port, with one worker.
"""

from __future__ import annotations

import urllib.parse

import pytest
from mlflow import MlflowClient
from playwright.sync_api import expect

from flowjobs import tracking
from multitrain.model_specs import DEFAULTS
from tests.browser.test_mlflow_ui import open_page, shown
from tests.support.browser import Browser

pytestmark = pytest.mark.slow
WAIT_MS = 90_000  # the UI is a single-page app: its data arrives after the page loaded
PLOTS = ("roc_curve.png", "confusion_matrix.png", "precision_recall.png")
# the share of an image's outermost pixels that are not background: a clipped label or title reaches the edge
EDGE_INK_JS = """async url => {
  const image = new Image(); image.src = url; await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
  const context = canvas.getContext("2d"); context.drawImage(image, 0, 0);
  const {data, width, height} = context.getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0, edge = 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    if (x > 1 && y > 1 && x < width - 2 && y < height - 2) continue;
    edge++; const i = 4 * (y * width + x);
    if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) ink++;
  }
  return {width, height, ink: ink / edge};
}"""


def runs_of(client: MlflowClient) -> tuple[str, dict[str, list]]:
    experiment = client.get_experiment_by_name(DEFAULTS.experiment_name)
    found = client.search_runs([experiment.experiment_id])
    roles = (tracking.ROLE_EXECUTION, tracking.ROLE_BRANCH)
    return experiment.experiment_id, {
        r: [run for run in found if run.data.tags.get(tracking.TAG_ROLE) == r] for r in roles
    }


def test_the_experiment_opens_on_its_runs_not_the_genai_overview(browser: Browser, ui, screenshot) -> None:
    """The experiment carries MLflow 3's kind tag; MLflow 3.17's UI lets a browser-wide switch (default GenAI)
    override it, so the links the project prints ask for the model-training view (`tracking.ui_link`)."""
    url, client = ui
    experiment_id, runs = runs_of(client)
    assert client.get_experiment(experiment_id).tags[tracking.TAG_EXPERIMENT_KIND] == tracking.MODEL_TRAINING_KIND
    link = tracking.ui_link(experiment_id, uri=url)
    assert link.startswith(f"{url}/#/experiments/{experiment_id}/runs?")
    page = open_page(browser, link)
    [parent] = runs[tracking.ROLE_EXECUTION]
    expect(page.get_by_role("link", name=parent.info.run_name)).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("Token usage")).to_have_count(0)
    screenshot(page, "mlflow-experiment-opens-on-runs")


def test_the_execution_run_says_who_won_and_why(browser: Browser, ui, screenshot) -> None:
    url, client = ui
    experiment_id, runs = runs_of(client)
    [parent] = runs[tracking.ROLE_EXECUTION]
    page = open_page(browser, tracking.ui_link(experiment_id, parent.info.run_id, uri=url))
    params = parent.data.params
    expect(page.get_by_text(f"Winner: {params['winner']}").first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text(f"decided by {params['decided_by']}", exact=False).first).to_be_visible()
    for name in ("winner", "ranking", "decided_by"):
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=name, exact=True))
        expect(row.first).to_contain_text(params[name][:40], timeout=WAIT_MS)
    for name in ("auc", "log_loss"):
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=name, exact=True))
        expect(row.first).to_contain_text(shown(parent.data.metrics[name]), timeout=WAIT_MS)
    screenshot(page, "mlflow-execution-run-winner")


def test_every_plot_of_every_branch_is_whole(browser: Browser, ui) -> None:
    url, client = ui
    _, runs = runs_of(client)
    page = browser.open(f"{url}/")
    for branch in runs[tracking.ROLE_BRANCH]:
        for plot in PLOTS:
            query = urllib.parse.urlencode({"run_id": branch.info.run_id, "path": plot})
            found = page.evaluate(EDGE_INK_JS, f"{url}/get-artifact?{query}")
            assert found["width"] > 300 and found["ink"] == 0, (branch.info.run_name, plot, found)


def test_a_branch_run_keeps_its_logs_and_deck(browser: Browser, ui, screenshot) -> None:
    url, client = ui
    experiment_id, runs = runs_of(client)
    branch = runs[tracking.ROLE_BRANCH][0]
    page = open_page(browser, f"{url}/#/experiments/{experiment_id}/runs/{branch.info.run_id}/artifacts")
    expect(page.get_by_text("flowjobs", exact=True).first).to_be_visible(timeout=WAIT_MS)
    for name in ("stdout.log", "stderr.log", "deck.html"):
        query = urllib.parse.urlencode({"run_id": branch.info.run_id, "path": f"flowjobs/attempt-1/{name}"})
        answer = page.request.get(f"{url}/get-artifact?{query}")
        assert answer.ok and answer.body(), name
    screenshot(page, "mlflow-branch-run-artifacts")
