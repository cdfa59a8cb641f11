"""The worker processes' forkserver, started before the runner imports flytekit, so both imports overlap.

Worker processes (workers.py) are forked from a forkserver that imported flytekit once. Started as the command
begins, it does that import on another core while the runner does its own, instead of after it, and then imports
the flow file's module, so a worker starts with it loaded (in_forkserver.py); a workflow file that declares no
plain Python task (`@task`, `@dynamic`, `map_task`) starts none. Nothing here imports flytekit.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.util
import os
import re
import tempfile
from pathlib import Path

PLAIN_TASKS = re.compile(r"@(task|dynamic)\b|\bmap_task\(")
PRELOAD = ["flytekit", "flowjobs.runner.in_forkserver"]  # what the forkserver imports as it starts
PRELOAD_FILE = "FLOWJOBS_PRELOAD_FILE"  # the flow file it imports then (in_forkserver.py)


def start_early(file: str) -> None:
    """The forkserver started now, if FILE declares plain Python tasks (once started, a second call does nothing)."""
    try:
        source = Path(file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return  # the runner reports a missing file
    if PLAIN_TASKS.search(source):
        multiprocessing.set_forkserver_preload(PRELOAD)
        socket_folder()
        os.environ[PRELOAD_FILE] = str(Path(file).resolve())
        try:
            multiprocessing.forkserver.ensure_running()
        finally:
            os.environ.pop(PRELOAD_FILE, None)  # for the forkserver alone


def socket_folder() -> None:
    """Multiprocessing's temp folder made once for this process, short enough for the forkserver's socket."""
    with _short_temp_dir():
        multiprocessing.util.get_temp_dir()


SOCKET_DIR_MAX = 60  # a socket's path may have 107 bytes; the forkserver's is <temp dir>/pymp-…/listener-…


@contextlib.contextmanager
def _short_temp_dir():
    """The system's temp folder while multiprocessing makes its own, when TMPDIR is too deep for a socket's path."""
    saved = tempfile.tempdir
    if len(tempfile.gettempdir()) > SOCKET_DIR_MAX:
        tempfile.tempdir = "/tmp"
    try:
        yield
    finally:
        tempfile.tempdir = saved
