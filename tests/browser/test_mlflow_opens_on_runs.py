"""`flowjobs ui` in a real browser with nothing saved, as a new user reaches the experiment: by the link it prints,
the experiment's plain URL, Home → the experiment, the experiments list → the experiment (real pointer clicks on
the visible links). Each way opens on the runs (the model-training view, not the GenAI overview), with the ranking
metrics as columns, the execution's branches shown under it and the winner marked in the `winner` column; a user's
own switch to GenAI is kept.

Screenshots (in each test's output folder, listed in the run's summary, and copied into FLOWJOBS_SCREENSHOTS, which
CI keeps): ui-printed-link.png, ui-plain-experiment-url.png, ui-home-to-experiment.png,
ui-experiments-list-to-experiment.png, ui-own-switch-kept.png, ui-parent-run-{roc_curves,confusion_matrices,
leaderboard}.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from flowjobs import mlflow_ui, tracking
from multitrain.model_specs import DEFAULTS
from tests.browser.conftest import UI
from tests.support import figures
from tests.support.browser import Browser

pytestmark = pytest.mark.slow
WAIT_MS = 90_000  # the UI is a single-page app: its data arrives after the page loaded
PRINTED = re.compile(r"^experiment (?P<name>\S+): (?P<link>\S+)$", re.M)


def save(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))  # the screen a person sees (1366×768), not the whole page
    return figures.screenshot_taken(path)


def expect_runs_with_metrics(page: Page, ui: UI) -> None:
    """The experiment's runs table: ranking metrics as columns, every branch of the newest execution shown, the
    winner's row marked; no GenAI overview."""
    experiment = ui.client.get_experiment_by_name(DEFAULTS.experiment_name)
    runs = ui.client.search_runs([experiment.experiment_id])
    [parent] = [run for run in runs if run.data.tags.get(tracking.TAG_ROLE) == tracking.ROLE_EXECUTION]
    branches = [run for run in runs if run.data.tags.get(tracking.TAG_ROLE) == tracking.ROLE_BRANCH]
    expect(page.get_by_role("link", name=parent.info.run_name)).to_be_visible(timeout=WAIT_MS)
    for branch in branches:  # the parent run expanded: its children are rows of the table
        expect(page.get_by_role("link", name=branch.info.run_name, exact=True)).to_be_visible(timeout=WAIT_MS)
    headers = page.get_by_role("columnheader")
    ranking = parent.data.params["ranking_metric"]
    for name in (ranking, parent.data.params["tie_break_metric"], "winner"):
        expect(headers.filter(has_text=re.compile(rf"^{name}$"))).to_be_visible()  # on a 1366 px screen
    [winner] = [run for run in branches if run.data.tags.get("winner") == "true"]
    row = page.locator(f"[role='row'][row-id='{winner.info.run_id}']")  # the grid draws a row in two parts
    expect(row.filter(has=page.get_by_role("gridcell", name="true", exact=True)).first).to_be_visible()
    expect(page.get_by_text("Token usage")).to_have_count(0)


def test_the_link_flowjobs_ui_prints_opens_on_the_runs(fresh_browser: Browser, flowjobs_ui: UI, tmp_path) -> None:
    printed = {found["name"]: found["link"] for found in PRINTED.finditer(flowjobs_ui.printed)}
    link = printed[DEFAULTS.experiment_name]
    assert link.startswith(f"{flowjobs_ui.url}/#/experiments/"), printed
    page = fresh_browser.open(link)
    expect_runs_with_metrics(page, flowjobs_ui)
    save(page, tmp_path, "ui-printed-link")


def test_the_plain_experiment_url_opens_on_the_runs(fresh_browser: Browser, flowjobs_ui: UI, tmp_path) -> None:
    experiment = flowjobs_ui.client.get_experiment_by_name(DEFAULTS.experiment_name)
    page = fresh_browser.open(f"{flowjobs_ui.url}/#/experiments/{experiment.experiment_id}")
    expect_runs_with_metrics(page, flowjobs_ui)
    save(page, tmp_path, "ui-plain-experiment-url")


def test_home_then_the_experiment_opens_on_the_runs(fresh_browser: Browser, flowjobs_ui: UI, tmp_path) -> None:
    page = fresh_browser.open(f"{flowjobs_ui.url}/")
    link = page.get_by_role("link", name=DEFAULTS.experiment_name, exact=True)
    expect(link).to_be_visible(timeout=WAIT_MS)
    link.click()  # a pointer's click where the link is drawn (Playwright checks that it is the element hit)
    expect_runs_with_metrics(page, flowjobs_ui)
    save(page, tmp_path, "ui-home-to-experiment")


def test_the_experiments_list_then_the_experiment_opens_on_the_runs(
    fresh_browser: Browser, flowjobs_ui: UI, tmp_path
) -> None:
    page = fresh_browser.open(f"{flowjobs_ui.url}/#/experiments")
    link = page.get_by_role("link", name=DEFAULTS.experiment_name, exact=True)
    expect(link).to_be_visible(timeout=WAIT_MS)
    link.click()
    expect_runs_with_metrics(page, flowjobs_ui)
    save(page, tmp_path, "ui-experiments-list-to-experiment")


def test_a_users_own_switch_to_genai_is_kept(fresh_browser: Browser, flowjobs_ui: UI, tmp_path) -> None:
    page = fresh_browser.open(f"{flowjobs_ui.url}/")
    genai = page.get_by_text("GenAI", exact=True).first
    expect(genai).to_be_visible(timeout=WAIT_MS)
    genai.click()
    stored = f"localStorage.getItem('{mlflow_ui.WORKFLOW_TYPE_KEY}')"
    assert page.evaluate(stored) == '"genai"'
    page.reload()  # the page served again, its script run again
    expect(page.get_by_text("GenAI", exact=True).first).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate(stored) == '"genai"'
    save(page, tmp_path, "ui-own-switch-kept")


@pytest.mark.parametrize("picture", ["roc_curves.png", "confusion_matrices.png", "leaderboard.png"])
def test_the_parent_run_shows_the_branches_side_by_side(
    fresh_browser: Browser, flowjobs_ui: UI, tmp_path, picture: str
) -> None:
    """The plots compared without MLflow's compare pane: on the execution's run, its artifacts, `comparison`, a
    picture, each opened by a real click on the visible name (the picture drawn in the page, whole)."""
    experiment = flowjobs_ui.client.get_experiment_by_name(DEFAULTS.experiment_name)
    runs = flowjobs_ui.client.search_runs([experiment.experiment_id])
    [parent] = [run for run in runs if run.data.tags.get(tracking.TAG_ROLE) == tracking.ROLE_EXECUTION]
    page = fresh_browser.open(f"{flowjobs_ui.url}/#/experiments/{experiment.experiment_id}/runs/{parent.info.run_id}")
    artifacts = page.get_by_role("tab", name=re.compile("Artifacts", re.I))
    expect(artifacts.first).to_be_visible(timeout=WAIT_MS)
    artifacts.first.click()
    folder = page.get_by_text("comparison", exact=True).first
    expect(folder).to_be_visible(timeout=WAIT_MS)
    folder.click()
    name = page.get_by_text(picture, exact=True).first
    expect(name).to_be_visible(timeout=WAIT_MS)
    name.click()
    shown = page.get_by_role("img", name=f"comparison/{picture}")
    expect(shown).to_be_visible(timeout=WAIT_MS)
    assert shown.evaluate("image => image.naturalWidth") > 300
    save(page, tmp_path, f"ui-parent-run-{picture.removesuffix('.png')}")
