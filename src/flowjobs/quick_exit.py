"""A script's exit without the interpreter's teardown, once its outputs are written and its runs ended.

A step that imported MLflow, scikit-learn and pandas holds thousands of modules; the interpreter's normal exit
clears each of them and collects the whole heap, about a second per task for nothing anyone reads. After
main() returns, `exit_now` does what matters of a normal exit (the atexit handlers: MLflow's, logging's, an
H2O session's; the standard streams flushed) and ends the process at once. When another non-daemon thread is
still running, a normal exit would wait for it, so the exit stays normal. A file the script left open is not
flushed here (finding it would mean walking the heap): scripts write their files in `with` blocks.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import typing


def _others_running() -> bool:
    return any(t is not threading.current_thread() and not t.daemon and t.is_alive() for t in threading.enumerate())


def exit_now(code: int = 0) -> None:
    """Run the atexit handlers, flush stdout and stderr, and end the process with `code`; returns only if another
    non-daemon thread runs (the caller then exits normally)."""
    if _others_running():
        return
    atexit._run_exitfuncs()
    end_at_once(code)


def end_at_once(code: int = 0) -> typing.NoReturn:
    """Flush stdout and stderr and end the process with `code`, running nothing else (no exit handler)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
