"""Real-browser fixtures: Debian's chromium (installed here when missing), one browser per test module.

Screenshots go to each test's own output folder (pytest's tmp_path); their paths are listed at the end of
the run, so they are easy to find and look at.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.support import figures
from tests.support.browser import Browser, ensure_chromium, open_browser
from tests.support.multitrain import PipelineRun, copy_store
from tests.support.project import tool
from tests.support.servers import free_port, running


@pytest.fixture(scope="session")
def chromium() -> Path:
    return ensure_chromium()


@pytest.fixture(scope="module")
def browser(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with open_browser(tmp_path_factory.mktemp("chromium-profile")) as opened:
        yield opened


@pytest.fixture
def screenshot(browser: Browser, tmp_path: Path) -> Callable[[Page, str], Path]:
    """Save a full-page screenshot as <tmp_path>/<name>.png and list it in the run's summary."""

    def save(page: Page, name: str) -> Path:
        return figures.screenshot_taken(browser.screenshot(page, tmp_path / f"{name}.png"))

    return save


@pytest.fixture
def fresh_browser(chromium: Path, tmp_path: Path) -> Iterator[Browser]:
    """A browser as a new user's: a profile of its own (nothing saved), a 1366×768 screen."""
    with open_browser(tmp_path / "fresh-profile", width=1366, height=768) as opened:
        yield opened


@dataclass
class UI:
    url: str
    client: typing.Any
    printed: str  # what `flowjobs ui` printed (its log): the experiments' links first


@pytest.fixture(scope="module")
def flowjobs_ui(multitrain_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UI]:
    """`flowjobs ui` as a user starts it (127.0.0.1, a free port) on a copy of the session run's store."""
    from mlflow import MlflowClient  # only the MLflow tests pay for the import

    assert multitrain_run.returncode == 0, multitrain_run.stderr[-5000:]
    folder = tmp_path_factory.mktemp("mlflow-ui")
    uri = copy_store(multitrain_run, folder)
    port = free_port()
    argv = [tool("flowjobs"), "ui", "--host", "127.0.0.1", "--port", str(port), "--backend-store-uri", uri]
    with running(argv, port, folder / "ui.log", timeout=300) as server:
        printed = server.log.read_text(encoding="utf-8")
        yield UI(server.url, MlflowClient(tracking_uri=uri, registry_uri=uri), printed)


@pytest.fixture(scope="module")
def ui(flowjobs_ui: UI) -> tuple[str, typing.Any]:
    """The UI's address and a client of its store."""
    return flowjobs_ui.url, flowjobs_ui.client
