"""A Python script started ahead of its turn: its imports loaded while its task waits, then run as `python script.py`.

Most of a step's start-up is its imports (pandas, scikit-learn: about half a second here), paid on the flow's
longest path at every node. `flowjobs run` starts the next nodes' scripts this way on CPUs the budget leaves idle
(flowjobs/runner/prestart.py), in their final process: the same interpreter, environment, working folder and
confinement as `python script.py` would get. This file is run by path with the standard library alone, so any
task environment's interpreter can run it:

    python held_start.py READY_FD /abs/script.py [args...]

1. the script's own top-level imports are imported (an import that fails is left for the script to meet);
2. one byte on READY_FD says so, and the process waits for a line on its standard input;
3. "go": standard input becomes /dev/null, as a script's is, and the script runs as `__main__` with its argv;
   anything else, or the end of the input (the node was reused, the run stopped, the runner died): it exits 0
   without running anything.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import os
import runpy
import sys


def top_level_imports(script: str) -> list[str]:
    """The absolute modules the script imports at its top level (inside `if`/`try` too, not in functions)."""
    try:
        with open(script, "rb") as source:
            tree = ast.parse(source.read(), script)
    except (OSError, SyntaxError, ValueError):
        return []
    found: list[str] = []
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module != "__future__":
            found.append(node.module)
        elif isinstance(node, ast.If | ast.Try):
            pending += [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])]
            pending += [part for handler in getattr(node, "handlers", []) for part in handler.body]
    return found


def warm(script: str) -> None:
    for name in top_level_imports(script):
        with contextlib.suppress(BaseException):  # SystemExit too: the script meets it again, in its own run
            importlib.import_module(name)


def run(script: str) -> None:
    """The script as `python script.py` runs it; a traceback shows the script's frames, not this file's."""
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as error:
        trace = error.__traceback__
        while trace is not None and trace.tb_frame.f_code.co_filename != script:
            trace = trace.tb_next
        error = error.with_traceback(trace or error.__traceback__)
        sys.excepthook(type(error), error, error.__traceback__)
        sys.exit(1)


def main() -> None:
    ready, script = int(sys.argv[1]), sys.argv[2]
    sys.argv = sys.argv[2:]
    sys.path[0] = os.path.dirname(script)  # as for `python script.py`: the script's folder first
    warm(script)
    with contextlib.suppress(OSError):  # the runner stopped listening (it let the script run before this): fine
        os.write(ready, b"w")
    os.close(ready)
    if sys.stdin.readline() != "go\n":
        os._exit(0)
    quiet = os.open(os.devnull, os.O_RDONLY)
    os.dup2(quiet, 0)
    os.close(quiet)
    run(script)


if __name__ == "__main__":
    main()
