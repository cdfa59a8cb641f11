"""The pages a flow leaves for people, in a real browser: the comparison report (`flowjobs compare`) and a
task's deck page. Both must work offline: nothing is fetched, no script error."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from flowjobs import tracking
from multitrain.model_specs import DEFAULTS
from tests.support.browser import Browser
from tests.support.multitrain import PipelineRun, copy_store
from tests.support.project import PROJECT_ROOT, run, tool

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(multitrain_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PipelineRun]:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-5000:]
    folder = tmp_path_factory.mktemp("report")
    uri = copy_store(multitrain_run, folder)
    made = run([tool("flowjobs"), "compare", "-o", str(folder / "comparison.html")], cwd=PROJECT_ROOT,
               env={"MLFLOW_TRACKING_URI": uri})  # fmt: skip
    assert made.returncode == 0, made.stderr
    return folder / "comparison.html", multitrain_run


def offline(browser: Browser) -> None:
    """No script error, and nothing asked of any server: every page opened here works without a network."""
    assert not browser.errors, browser.errors
    assert all(url.startswith(("file:", "data:")) for url in browser.requests), browser.requests


def open_deck(browser: Browser, done: PipelineRun, task: str) -> Page:
    """The deck page the job task wrote for `task` in the session run's work folder."""
    [deck] = done.work.glob(f"{task}-attempt1-*/deck.html")
    return browser.open(deck.as_uri())


def test_the_comparison_report_shows_leaderboard_roc_curves_and_champion(browser: Browser, report, screenshot) -> None:
    path, done = report
    client = done.client()
    experiment = client.get_experiment_by_name(DEFAULTS.experiment_name)
    branches = client.search_runs(
        [experiment.experiment_id], filter_string=f"tags.`{tracking.TAG_ROLE}` = '{tracking.ROLE_BRANCH}'"
    )
    champion = str(client.get_registered_model(DEFAULTS.model_name).aliases["champion"])
    page = browser.open(path.as_uri())
    rows = page.locator("#leaderboard tbody tr")
    expect(rows).to_have_count(len(branches))
    expect(page.locator("#champion-version")).to_have_text(champion)
    expect(page.locator("#leaderboard tr.champion")).to_have_count(1)
    expect(page.locator("#leaderboard tr.champion td").nth(4)).to_have_text(champion)
    legend = page.locator("#roc svg text").all_text_contents()
    for branch in branches:
        assert any(text.startswith(f"{branch.data.tags[tracking.TAG_BRANCH]} · ") for text in legend), legend
    box = page.locator("#roc svg").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 200, "the ROC plot is drawn at a readable size"
    expect(page.locator("#champion-history tbody tr")).to_have_count(1)
    screenshot(page, "comparison-report")
    offline(browser)


def test_a_branch_deck_shows_its_metrics_and_its_plots(browser: Browser, report, screenshot) -> None:
    page = open_deck(browser, report[1], "train_random_forest")
    expect(page.get_by_text("Metrics", exact=True)).to_be_visible()
    expect(page.locator("table").first).to_contain_text("auc")
    screenshot(page, "deck-metrics")
    page.get_by_text("Plots", exact=True).click()
    images = page.locator("img[alt]")
    expect(images).to_have_count(3)
    expect(images.first).to_be_visible()
    assert all(width > 100 for width in images.evaluate_all("all => all.map(i => i.naturalWidth)"))
    screenshot(page, "deck-plots")
    offline(browser)


def test_the_data_step_deck_shows_the_data_summary(browser: Browser, report, screenshot) -> None:
    page = open_deck(browser, report[1], "prepare_data")
    expect(page.get_by_text("Data summary", exact=True)).to_be_visible()
    expect(page.get_by_text("class balance").first).to_be_visible()
    screenshot(page, "deck-data-summary")
    offline(browser)
