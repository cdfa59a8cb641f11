"""A real browser for the tests: Debian's chromium driven by Playwright for Python, nothing downloaded at run time.

Playwright's own browser builds are never installed (`playwright install` fetches from outside the package
registries): the tests use /usr/bin/chromium and install Debian's package when it is missing, once, under a
lock so that test sessions started at the same time do not race. Each browser gets a fresh profile folder.

    with open_browser(tmp_path / "profile") as browser:
        page = browser.open(html_file.as_uri())
        browser.screenshot(page, tmp_path / "dag.png")
        assert not browser.errors

Used by the DAG page tests; the MLflow UI and comparison report tests open their pages the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_LOCK = Path("/tmp/flowjobs-chromium-install.lock")
APT_LOCK_WAIT_SECONDS = 600


def _apt_get(*args: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "-o", f"DPkg::Lock::Timeout={APT_LOCK_WAIT_SECONDS}", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise RuntimeError(
            f"chromium install: `{' '.join(command)}` failed with exit code {result.returncode}:\n{tail}"
        )


def ensure_chromium() -> Path:
    """Debian's chromium, installed with apt-get when missing (the tests and CI run as root here)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise RuntimeError(f"{CHROMIUM} is missing; install it with: apt-get update && apt-get install -y chromium")
    with INSTALL_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not CHROMIUM.exists():
            print(f"installing Debian's chromium into {CHROMIUM} (apt-get)…", file=sys.stderr)
            _apt_get("update")
            _apt_get("install", "-y", "--no-install-recommends", "chromium", "fonts-dejavu-core")
    return CHROMIUM


@dataclass
class Browser:
    """One browser context; records the URLs it was asked to open, every request made, and script errors."""

    context: BrowserContext
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)

    def open(self, url: str) -> Page:
        self.opened.append(url)
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("console", lambda message: message.type == "error" and self.errors.append(f"console: {message.text}"))
        page.on("request", lambda request: self.requests.append(request.url))
        page.goto(url)
        return page

    def screenshot(self, page: Page, path: Path) -> Path:
        """A full-page PNG; its path is printed so a person can look at what the test saw."""
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path


@contextlib.contextmanager
def open_browser(profile: Path, width: int = 1400, height: int = 900) -> Iterator[Browser]:
    """Headless chromium with a fresh profile folder; closed, with its processes, on exit."""
    executable = ensure_chromium()
    profile.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(executable),
            headless=True,
            args=LAUNCH_ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            yield Browser(context)
        finally:
            context.close()
