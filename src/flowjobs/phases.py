"""Where a step's time goes, as the script itself sees it: when its main() began and ended, and its tracking.

A node's time splits into start-up (the interpreter and the script's imports, until main() begins), the step's
own work, tracking (MLflow calls, MLflow's own imports included, inside `tracking()` blocks) and teardown (from
main()'s end until the process is gone). The script writes its marks to the file the job task names
(FLOWJOBS_MARKS_FILE); the job task adds the process's start and end, and the execution record keeps the split
(`flowjobs status EXECUTION` shows it). Run alone, nothing is written. Light, like flowjobs/script.py: stdlib only.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import typing
from pathlib import Path

ENV_MARKS_FILE = "FLOWJOBS_MARKS_FILE"
MARKS_FILE = "marks.json"  # beside the attempt's log files

_tracking_seconds = 0.0
_depth = 0
_main_start: float | None = None


def main_started() -> None:
    """main() begins now: everything before was start-up."""
    global _main_start
    _main_start = time.time()


@contextlib.contextmanager
def tracking() -> typing.Iterator[None]:
    """Count the block as tracking; nested blocks count once."""
    global _depth, _tracking_seconds
    started = time.perf_counter()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            _tracking_seconds += time.perf_counter() - started


def main_ended() -> None:
    """main() returned, its outputs written: write the marks for the job task (inside a flow only)."""
    target = os.environ.get(ENV_MARKS_FILE)
    if not target or _main_start is None:
        return
    marks = {"main_start": _main_start, "main_end": time.time(), "tracking_seconds": round(_tracking_seconds, 4)}
    with contextlib.suppress(OSError):
        Path(target).write_text(json.dumps(marks))


def read(path: Path) -> dict[str, float] | None:
    """A script's marks, or None when it wrote none (it failed, or is not a run_main script)."""
    try:
        marks = json.loads(Path(path).read_text())
        return {key: float(marks[key]) for key in ("main_start", "main_end", "tracking_seconds")}
    except (OSError, ValueError, KeyError, TypeError):
        return None
