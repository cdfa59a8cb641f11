"""The MLflow UI in a real browser, against the store the multi-train flow produced: the experiment's runs (the
execution, its branches under it), a branch's metrics, and the registered model with its champion alias.

`flowjobs ui` is started as a user starts it (on 127.0.0.1, a free port) on a copy of the session run's store.
"""

from __future__ import annotations

import re

import pytest
from mlflow import MlflowClient
from playwright.sync_api import Page, expect

from flowjobs import tracking
from multitrain.model_specs import DEFAULTS
from tests.support.browser import Browser

pytestmark = pytest.mark.slow
METRIC_NAMES = ("auc", "log_loss", "f1", "precision", "recall")
WAIT_MS = 60_000  # the UI is a single-page app: its data arrives after the page loaded


def experiment_runs(client: MlflowClient) -> tuple[str, list]:
    experiment = client.get_experiment_by_name(DEFAULTS.experiment_name)
    return experiment.experiment_id, client.search_runs([experiment.experiment_id])


def by_role(runs: list, role: str) -> list:
    return [run for run in runs if run.data.tags.get(tracking.TAG_ROLE) == role]


def shown(value: float) -> str:
    """A metric value as the UI prints it (JavaScript's shortest round-trip form: 1, 0.08394195171327018)."""
    return str(int(value)) if value.is_integer() else repr(value)


def open_page(browser: Browser, url: str) -> Page:
    page = browser.open(url)
    close = page.get_by_role("button", name=re.compile("close", re.I))
    if close.count():  # the assistant's side panel, where one opens, hides half the table
        close.first.click()
    return page


def test_the_experiment_lists_the_execution_with_its_branches_under_it(browser: Browser, ui, screenshot) -> None:
    url, client = ui
    experiment_id, runs = experiment_runs(client)
    page = open_page(browser, f"{url}/#/experiments/{experiment_id}/runs")
    expect(page.get_by_text(f"{len(runs)} matching runs")).to_be_visible(timeout=WAIT_MS)
    [parent] = by_role(runs, tracking.ROLE_EXECUTION)
    expect(page.get_by_role("link", name=parent.info.run_name)).to_be_visible()  # expanded: `flowjobs ui`'s default
    for branch in by_role(runs, tracking.ROLE_BRANCH):
        expect(page.get_by_role("link", name=branch.info.run_name, exact=True)).to_be_visible(timeout=WAIT_MS)
    screenshot(page, "mlflow-ui-runs")


def test_the_execution_run_shows_how_long_each_task_took(browser: Browser, ui, screenshot) -> None:
    url, client = ui
    experiment_id, runs = experiment_runs(client)
    [parent] = by_role(runs, tracking.ROLE_EXECUTION)
    page = open_page(browser, f"{url}/#/experiments/{experiment_id}/runs/{parent.info.run_id}")
    seconds = {k: v for k, v in parent.data.metrics.items() if k.startswith("task_seconds.")}
    assert len(seconds) >= 7, "prepare, four branches, compare, promote"
    for name, value in seconds.items():
        row = page.get_by_role("row").filter(has=page.get_by_text(name, exact=True))
        expect(row.first).to_contain_text(shown(value), timeout=WAIT_MS)
    screenshot(page, "mlflow-ui-execution-run")


def test_a_branch_run_shows_its_five_held_out_metrics(browser: Browser, ui, screenshot) -> None:
    url, client = ui
    experiment_id, runs = experiment_runs(client)
    branch = max(by_role(runs, tracking.ROLE_BRANCH), key=lambda run: run.data.metrics["auc"])
    page = open_page(browser, f"{url}/#/experiments/{experiment_id}/runs/{branch.info.run_id}")
    expect(page.get_by_text(branch.info.run_name).first).to_be_visible(timeout=WAIT_MS)
    for name in METRIC_NAMES:
        row = page.get_by_role("row").filter(has=page.get_by_text(name, exact=True))
        expect(row.first).to_contain_text(shown(branch.data.metrics[name]), timeout=WAIT_MS)
    screenshot(page, "mlflow-ui-branch-run")


def test_the_registered_model_shows_every_version_and_the_champion_alias(browser: Browser, ui, screenshot) -> None:
    url, client = ui
    model = client.get_registered_model(DEFAULTS.model_name)
    versions = client.search_model_versions(f"name = '{DEFAULTS.model_name}'")
    champion = str(model.aliases["champion"])
    page = open_page(browser, f"{url}/#/models/{DEFAULTS.model_name}")
    for version in versions:
        expect(page.get_by_role("row").filter(has_text=f"Version {version.version}").first).to_be_visible(
            timeout=WAIT_MS
        )
    champion_row = page.get_by_role("row").filter(has_text=f"Version {champion}")
    expect(champion_row.first).to_contain_text("champion")
    others = [v.version for v in versions if str(v.version) != champion]
    for version in others:
        expect(page.get_by_role("row").filter(has_text=f"Version {version}").first).not_to_contain_text("champion")
    screenshot(page, "mlflow-ui-registered-model")
