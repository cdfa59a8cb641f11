"""Real-browser fixtures: Debian's chromium (installed here when missing), one browser per test module.

Screenshots go to each test's own output folder (pytest's tmp_path); their paths are listed at the end of
the run, so they are easy to find and look at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.support import figures
from tests.support.browser import Browser, ensure_chromium, open_browser


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
        path = browser.screenshot(page, tmp_path / f"{name}.png")
        figures.record("browser screenshots", str(path))
        return path

    return save
