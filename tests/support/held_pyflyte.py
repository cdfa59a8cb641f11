"""The tracked flow run by stock `pyflyte run` with its `train` task held mid-run, for the fault tests.

    with held_pyflyte(folder, uri) as (process, train_pid):   # returns once train's first attempt waits
        process.send_signal(signal.SIGINT)                      # ... or SIGKILL, SIGHUP

On leaving, train is released (a script still running would then go on) and a pyflyte still running is killed.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from tests.support.held_flow import HELD_WITHIN_SECONDS
from tests.support.load import tracked_env
from tests.support.project import PROJECT_ROOT, tool

FLOW = str(PROJECT_ROOT / "tests" / "support" / "tracked_flow.py")


@contextlib.contextmanager
def held_pyflyte(folder: Path, uri: str, *args: str) -> Iterator[tuple[subprocess.Popen, int]]:
    hold = folder / "hold"
    for made in (hold, folder / "tmp"):
        made.mkdir(parents=True, exist_ok=True)
    argv = [tool("pyflyte"), "run", FLOW, "tracked", "--hold", str(hold), *args]
    with (folder / "pyflyte.err").open("w") as err:
        process = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=tracked_env(folder, uri), stderr=err)
    try:
        deadline = time.monotonic() + HELD_WITHIN_SECONDS
        while not (hold / "train.pid").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"train never held:\n{(folder / 'pyflyte.err').read_text()[-3000:]}")
            time.sleep(0.1)
        yield process, int((hold / "train.pid").read_text())
    finally:
        (hold / "train.go").touch()
        if process.poll() is None:
            process.kill()
            process.wait()
