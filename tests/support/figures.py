"""Figures the tests measure (load throughput, case counts, screenshot paths), listed at the end of the run.

Under xdist a worker's output never reaches the terminal, so tests append their lines to one file that the
controlling pytest process names in FLOWJOBS_TEST_FIGURES before its workers start, and prints in its summary.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV_FIGURES = "FLOWJOBS_TEST_FIGURES"


def start() -> None:
    """In the controlling process: a fresh file for this run's figures, inherited by the workers."""
    os.environ[ENV_FIGURES] = str(Path(tempfile.mkdtemp(prefix="flowjobs-test-figures-")) / "figures.tsv")


def record(section: str, line: str) -> None:
    """One line under `section` in the run's summary (one short write: lines of two workers never interleave)."""
    path = os.environ.get(ENV_FIGURES)
    if path:
        with open(path, "a", encoding="utf-8") as figures:
            figures.write(f"{section}\t{line}\n")


def sections() -> dict[str, list[str]]:
    path = Path(os.environ.get(ENV_FIGURES, ""))
    found: dict[str, list[str]] = {}
    if path.is_file():
        for row in path.read_text(encoding="utf-8").splitlines():
            section, _, line = row.partition("\t")
            found.setdefault(section, []).append(line)
    return found


ENV_SCREENSHOTS = "FLOWJOBS_SCREENSHOTS"  # a folder the CI run keeps (.ci/run: .ci-artifacts/screenshots)


def screenshot_taken(path: Path) -> Path:
    """List a browser test's screenshot in the run's summary, and copy it into FLOWJOBS_SCREENSHOTS when set
    (under its own name: the names say what each shows, e.g. ui-printed-link.png)."""
    record("browser screenshots", str(path))
    kept = os.environ.get(ENV_SCREENSHOTS)
    if kept:
        import shutil

        Path(kept).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(kept) / path.name)
    return path
