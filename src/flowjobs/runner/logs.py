"""flytekit's log messages on stderr, so stdout carries only what `pyflyte run` prints there.

flytekit's rich log handler writes to a console on stdout; `pyflyte run` silences it unless asked (-v), while
the runner keeps the warnings (a type it cannot guess, a cache it skips) but moves them to stderr, beside its
own progress. Called in the runner's process and in each worker process.
"""

from __future__ import annotations

import logging
import sys

from rich.console import Console
from rich.logging import RichHandler

FLYTEKIT_LOGGERS = ("flytekit", "user_space", "developer")


def flytekit_logs_to_stderr() -> None:
    for name in FLYTEKIT_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, RichHandler) and not handler.console.stderr:
                handler.console = Console(stderr=True, width=handler.console.width)
            elif isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
                handler.setStream(sys.stderr)
