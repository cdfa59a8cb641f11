"""Paths and subprocess helpers the tests share."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A console script installed beside the test interpreter (pyflyte, pyflyte-execute, mlflow, flowjobs)."""
    return str(BIN / name)


def fresh_copy(target: Path) -> Path:
    """The project's tracked files copied to `target`, as a fresh clone would have them."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = PROJECT_ROOT / name
        if source.is_file():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return target


def run(
    argv: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600, stdin: str | None = None
) -> subprocess.CompletedProcess:
    merged = {**os.environ, **(env or {})}
    merged["PATH"] = os.pathsep.join([str(BIN), merged.get("PATH", "")])
    if "COLUMNS" not in (env or {}):  # rich draws pyflyte's errors in a box: wide, so no path is cut in two
        merged["COLUMNS"] = "400"
    return subprocess.run(argv, cwd=cwd, env=merged, capture_output=True, text=True, timeout=timeout, input=stdin)


def wait_for(check, within: float) -> bool:
    """Whether `check()` came true within `within` seconds (asked every 0.2 s)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False
