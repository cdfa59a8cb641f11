"""What the workers' forkserver does as it starts, imported there by name (forkserver.py preloads it):

- it imports the flow file's module, so every worker forked from it starts with the module loaded instead of
  importing it again, pandas and all (about a third of a second per worker, on the first node's path);
- it ends without the interpreter's teardown. The forkserver holds the runner's stdout and stderr, so a caller
  reading them (a pipe, a CI log, a benchmark) waits for its end; tearing down flytekit and pandas took about a
  seventh of a second after the runner had exited.

The file comes in FLOWJOBS_PRELOAD_FILE, set for the forkserver alone. A module that fails here is left alone:
the runner imports it too and reports the error, and a worker imports it itself. What the import prints goes
nowhere, and it reads nothing from stdin: `pyflyte run` imports a flow once, and the runner's own import has
printed (and read) it already. Only the forkserver imports this module, for those effects.
"""

from __future__ import annotations

import atexit
import contextlib
import os

from flowjobs import quick_exit
from flowjobs.runner.forkserver import PRELOAD_FILE
from flowjobs.runner.workers import import_quietly


def preload(file: str) -> None:
    from flowjobs.workflow_files import module_of

    import_quietly(*module_of(file))


def _exit_at_once(pid: int) -> None:
    """The forkserver's exit, run before any other exit handler: its streams flushed, then the end. The flow's own
    exit handlers are the runner's to run (once, as under `pyflyte run`); multiprocessing's have nothing to do
    in a forkserver, whose workers are plain forks."""
    if os.getpid() == pid:  # not in a process forked from it
        quick_exit.end_at_once(0)


def _stdin_from_nowhere() -> None:
    """The forkserver's stdin is the runner's: a module reading it as it is imported here would take what was meant
    for the runner (a gate's answer). multiprocessing closes it only after the preload."""
    with contextlib.suppress(OSError):
        nowhere = os.open(os.devnull, os.O_RDONLY)
        os.dup2(nowhere, 0)
        os.close(nowhere)


_file = os.environ.pop(PRELOAD_FILE, None)
if _file:
    _stdin_from_nowhere()
    with contextlib.suppress(Exception, SystemExit):
        preload(_file)
atexit.register(_exit_at_once, os.getpid())  # last registered, first run
