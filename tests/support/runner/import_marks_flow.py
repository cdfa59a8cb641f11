"""A flow that marks each process importing it (for the worker-process tests): with FLOWJOBS_TEST_IMPORT_MARKS set
to a folder, its import writes a file named by the process id there, reads a line of stdin and prints it, and the
exit handler it registers writes `atexit-<process id>`; with FLOWJOBS_TEST_IMPORT_FAILS set, its import fails.

whose_processes    four plain tasks side by side, each returning the id of the process it ran in
"""

from __future__ import annotations

import atexit
import os
import sys
import typing
from pathlib import Path

from flytekit import task, workflow

MARKS = os.environ.get("FLOWJOBS_TEST_IMPORT_MARKS")
if os.environ.get("FLOWJOBS_TEST_IMPORT_FAILS"):
    raise RuntimeError("this module refuses to be imported")
if MARKS:
    Path(MARKS, str(os.getpid())).touch()
    print(f"imported, read {sys.stdin.readline().strip()!r}")
    atexit.register(lambda: Path(MARKS, f"atexit-{os.getpid()}").touch())


@task
def where(x: int) -> int:
    return os.getpid() if x >= 0 else x


@workflow
def whose_processes() -> typing.List[int]:
    return [where(x=index) for index in range(4)]
