"""Tasks that leave processes behind, for the containment tests (tests/faults/test_nothing_outlives.py). Each
process they start writes `<kind>-<pid>` into the folder $RUNAWAY_PIDS, then sleeps for ten minutes.

appends          a plain task whose child waits `seconds`, then appends a line to `count_file` (its side effect)
daemons          a plain task that starts a setsid daemon and a double-forked grandchild, then succeeds
timed_out_child  a plain task that starts a child in a session of its own, then sleeps past its 3 s timeout
stripped         a job task whose script starts a child with a cleaned environment in a session of its own
confined_script  a job task whose script tries to write outside what it is meant to (tests/security)
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from flytekit import task, workflow

from flowjobs.jobs import Output, run_job_task

SLEEPER = (
    "import os, sys, time; open(os.path.join(sys.argv[1], sys.argv[2] + '-' + str(os.getpid())), 'w').close(); "
    "time.sleep(600)"
)


def pids() -> str:
    return os.environ["RUNAWAY_PIDS"]


def wait_for(kind: str) -> None:
    while not any(Path(pids()).glob(f"{kind}-*")):
        time.sleep(0.05)


APPENDER = "import sys, time; time.sleep(float(sys.argv[2])); open(sys.argv[1], 'a').write('appended\\n')"


@task
def append_later(count_file: str, seconds: float) -> int:
    """The side effect happens in a child of the worker (as a task's joblib or multiprocessing workers work)."""
    Path(pids(), f"task-{os.getpid()}").write_text("")
    subprocess.run([sys.executable, "-c", APPENDER, count_file, str(seconds)], check=True)
    return 1


@workflow
def appends(count_file: str, seconds: float = 8.0) -> int:
    return append_later(count_file=count_file, seconds=seconds)


@task
def leave_daemons() -> int:
    subprocess.Popen([sys.executable, "-c", SLEEPER, pids(), "daemon"], start_new_session=True)
    middle = os.fork()
    if middle == 0:  # a double fork: the grandchild's parent exits, leaving it an orphan
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", SLEEPER, pids(), "grandchild"])
        os._exit(0)
    os.waitpid(middle, 0)
    wait_for("daemon")
    wait_for("grandchild")
    return 1


@workflow
def daemons() -> int:
    return leave_daemons()


@task(timeout=dt.timedelta(seconds=3))
def hang_with_child() -> int:
    subprocess.Popen([sys.executable, "-c", SLEEPER, pids(), "child"], start_new_session=True)
    time.sleep(600)
    return 1


@workflow
def timed_out_child() -> int:
    return hang_with_child()


@workflow
def stripped() -> int:
    return run_job_task("strip_env", "python tests/scripts/runaway.py", "Small", output_specs=[Output("result", int)])


@workflow
def confined_script() -> str:
    """Our own job task's script trying to write where it may not, and to read another execution's state."""
    return run_job_task(
        "try_writes",
        "python tests/support/domino/scripts/try_writes.py",
        "Small",
        output_specs=[Output("report", str)],
    )
