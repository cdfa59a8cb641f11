"""The tracked flow run by `flowjobs run` (or stock `pyflyte run`) with its `train` task held mid-run, for the
fault and security tests.

    with held_execution(folder, uri) as held:    # returns once train's first attempt waits (tracked_step --hold)
        os.kill(held.train_pid, signal.SIGKILL)  # ... or stop the tracking server
        held.release()
        ran = held.wait(timeout=120)             # an Execution (tests/support/load.py): exit code, output, record

The process writes its stdout and stderr to `folder`/logs, so nothing it prints is lost to a pipe, and is stopped
like Ctrl-C (its scripts with it) if the test leaves before it ended.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flowjobs import records
from tests.support.load import Execution, flowjobs_run, pyflyte_run, tracked_env
from tests.support.project import PROJECT_ROOT

HELD_WITHIN_SECONDS = 300  # `flowjobs run` start, `prepare`, and `train` up to its hold, on a busy machine


def task(record: records.ExecutionRecord, name: str) -> records.TaskRecord:
    return next(entry for entry in record.tasks.values() if entry.name == name)


@dataclass
class Held:
    process: subprocess.Popen
    hold: Path
    logs: Path
    name: str

    @property
    def train_pid(self) -> int:
        return int((self.hold / "train.pid").read_text())

    def release(self) -> None:
        (self.hold / "train.go").touch()

    def output(self) -> tuple[str, str]:
        return (self.logs / f"{self.name}.out").read_text(), (self.logs / f"{self.name}.err").read_text()

    def wait(self, timeout: float) -> Execution:
        code = self.process.wait(timeout=timeout)
        return Execution(code, *self.output())


def run_tracked(folder: Path, uri: str, *args: str, name: str = "run", **env: str) -> Execution:
    """One `flowjobs run` of the tracked flow to its end, its output kept in `folder`/logs as well."""
    logs = _folders(folder)
    with (logs / f"{name}.out").open("w") as out, (logs / f"{name}.err").open("w") as err:
        code = subprocess.run(
            flowjobs_run(*args), cwd=PROJECT_ROOT, env=tracked_env(folder, uri, **env), stdout=out, stderr=err
        ).returncode
    return Execution(code, (logs / f"{name}.out").read_text(), (logs / f"{name}.err").read_text())


# A command started as from a terminal: the stop signals at their defaults whatever this test process inherited
# (a suite run under `nohup` ignores SIGHUP, and ignored signals stay ignored across exec), then `ignored` ignored.
AS_STARTED = (
    "import os, signal, sys; "
    "[signal.signal(sig, signal.SIG_DFL) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]; "
    "[signal.signal(int(sig), signal.SIG_IGN) for sig in sys.argv[1].split(',') if sig]; "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


@contextlib.contextmanager
def held_execution(
    folder: Path,
    uri: str,
    *args: str,
    name: str = "held",
    runner: str = "flowjobs run",
    ignored: tuple[int, ...] = (),
    **env: str,
) -> Iterator[Held]:
    """Start the tracked flow with `--hold` (by `flowjobs run`, or by stock `pyflyte run`), with the signals
    `ignored` ignored as `nohup` does; yield once `train`'s first attempt is waiting to be released."""
    logs = _folders(folder)
    hold = folder / "hold"
    hold.mkdir()
    command = (pyflyte_run if runner == "pyflyte run" else flowjobs_run)("--hold", str(hold), *args)
    command = [sys.executable, "-c", AS_STARTED, ",".join(str(int(sig)) for sig in ignored), *map(str, command)]
    with (logs / f"{name}.out").open("w") as out, (logs / f"{name}.err").open("w") as err:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=tracked_env(folder, uri, **env),
            stdout=out,
            stderr=err,
        )
    held = Held(process, hold, logs, name)
    try:
        deadline = time.monotonic() + HELD_WITHIN_SECONDS
        while not (hold / "train.pid").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"train never held (exit {process.poll()}):\n{held.output()[1][-3000:]}")
            time.sleep(0.1)
        yield held
    finally:
        _stop(held)


def _folders(folder: Path) -> Path:
    for made in ("logs", "tmp"):
        (folder / made).mkdir(parents=True, exist_ok=True)
    return folder / "logs"


def _stop(held: Held) -> None:
    """A run the test left behind is stopped as Ctrl-C stops it: its scripts first, then the runner."""
    if held.process.poll() is not None:
        return
    held.release()
    held.process.send_signal(signal.SIGINT)
    try:
        held.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        held.process.kill()
        held.process.wait()
