"""Each attempt's logs and deck, kept with the execution's record, so they outlive the temp folder they ran in.

A job task's attempt runs in a folder under the temp folder (flowjobs/job_runtime.py), which the system may clean.
When an attempt ends, its stdout/stderr logs and its deck page are copied beside the execution's record:

    <state>/runs/<execution id>/tasks/<task key>/attempt-<n>/stdout.log, stderr.log, deck.html

and the record, `flowjobs status` and the MLflow parent run's task table point at the copies. A copy that cannot
be made is a warning: the attempt's outcome is what counts.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
from pathlib import Path

from flowjobs.settings import execution_dir

LOG_FILES = ("stdout.log", "stderr.log")
DECK_FILE = "deck.html"
log = logging.getLogger("flowjobs")


def attempt_dir(execution_id: str, key: str, number: int) -> Path:
    """Where an attempt's files are kept; a node key such as `n2/n1` becomes `n2-n1`."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-.") or "task"
    return execution_dir(execution_id) / "tasks" / safe / f"attempt-{number}"


def keep(execution_id: str, key: str, number: int, folder: Path, deck: Path | None) -> dict[str, Path]:
    """Copy the attempt's logs (from `folder`/logs) and deck; returns the copies by name (`stdout.log`, …)."""
    target = attempt_dir(execution_id, key, number)
    sources = {name: Path(folder) / "logs" / name for name in LOG_FILES}
    if deck is not None:
        sources[DECK_FILE] = Path(deck)
    kept: dict[str, Path] = {}
    for name, source in sources.items():
        if not source.is_file():
            continue
        try:
            target.mkdir(parents=True, exist_ok=True)
            kept[name] = Path(shutil.copyfile(source, target / name))
        except OSError as err:
            with contextlib.suppress(OSError):
                (target / name).unlink(missing_ok=True)  # a full disk: no partial copy left behind
            log.warning("%s of %s attempt %d not kept in %s: %s", name, key, number, target, err)
    return kept
