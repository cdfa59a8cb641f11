"""The worker processes' forkserver, started before the runner imports flytekit, so both imports overlap.

Worker processes (workers.py) are forked from a forkserver that imported flytekit once. Started as the command
begins, it does that import on another core while the runner does its own, instead of after it; a workflow file
that declares no plain Python task (`@task`, `@dynamic`, `map_task`) starts none. Nothing here imports flytekit.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import re
from pathlib import Path

PLAIN_TASKS = re.compile(r"@(task|dynamic)\b|\bmap_task\(")


def start_early(file: str) -> None:
    try:
        source = Path(file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return  # the runner reports a missing file
    if PLAIN_TASKS.search(source):
        multiprocessing.set_forkserver_preload(["flytekit"])
        multiprocessing.forkserver.ensure_running()
