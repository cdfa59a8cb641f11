"""Outside the checkout: the toolkit's wheel built from it, a fresh virtual environment holding that wheel alone (and
pytest), and commands run there with nothing of the checkout or of the test session's settings in their way."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.project import BIN, PROJECT_ROOT

SESSION_SETTINGS = (  # what tests/conftest.py points at the session's temp tree: a user's project has its own
    "FLOWJOBS_STATE_DIR",
    "FLOWJOBS_WORK_DIR",
    "FLOWJOBS_MODELS_DIR",
    "FLOWJOBS_PROJECT_ROOT",
    "MLFLOW_TRACKING_URI",
    "PYTHONPATH",
)


def build_wheel(target: Path) -> Path:
    """The toolkit's wheel, built from the checkout as `uv build` builds it for a release."""
    done = subprocess.run(
        [str(BIN / "uv"), "build", "--wheel", "--out-dir", str(target), str(PROJECT_ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return next(target.glob("flowjobs-*.whl"))


def top_level_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name.split("/")[0] for name in archive.namelist()}


def fresh_environment(folder: Path, wheel: Path) -> Path:
    """A new virtual environment with only the wheel (its dependencies) and pytest; returns its bin folder."""
    made = subprocess.run([sys.executable, "-m", "venv", str(folder)], capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    python = folder / "bin" / "python"
    env = {**os.environ, "UV_COMPILE_BYTECODE": "1"}
    installed = subprocess.run(
        [str(BIN / "uv"), "pip", "install", "--quiet", "--python", str(python), str(wheel), "pytest"],
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    return folder / "bin"


def outside_env(bin_folder: Path) -> dict[str, str]:
    """The environment of a user working in their own project with that virtual environment active."""
    env = {key: value for key, value in os.environ.items() if key not in SESSION_SETTINGS}
    env["PATH"] = os.pathsep.join([str(bin_folder), "/usr/local/bin", "/usr/bin", "/bin"])
    env["VIRTUAL_ENV"] = str(bin_folder.parent)
    return env


def run_outside(bin_folder: Path, cwd: Path, tool: str, *args: str) -> subprocess.CompletedProcess:
    """`tool` of the fresh environment (python, flowjobs, pyflyte), or of the machine (bash), run in `cwd`."""
    argv = [str(bin_folder / tool) if (bin_folder / tool).exists() else tool, *args]
    return subprocess.run(argv, cwd=cwd, env=outside_env(bin_folder), capture_output=True, text=True, timeout=1800)


NOT_RUN = "<!-- not run by the README test:"  # the line before a command block the tests do not run, and why


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    skipped_because: str  # "" for a block the tests run

    @property
    def first_line(self) -> str:
        return self.text.splitlines()[0] if self.text else ""


def blocks(markdown: Path) -> list[Block]:
    """The fenced code blocks of a markdown file, each with the reason it is not run (from the line before it)."""
    found, lines = [], markdown.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```") and len(line) > 3:
            end = lines.index("```", index + 1)
            before = lines[index - 1] if index else ""
            why = before.removeprefix(NOT_RUN).removesuffix("-->").strip() if before.startswith(NOT_RUN) else ""
            found.append(Block(line[3:].strip(), "\n".join(lines[index + 1 : end]), why))
            index = end
        index += 1
    return found


def run_block(block: Block, cwd: Path, bin_folder: Path) -> subprocess.CompletedProcess:
    """A bash block run as written, line after line, stopping at the first that fails."""
    script = f"set -euo pipefail\n{block.text}\n"
    env = outside_env(bin_folder)
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=3600)
