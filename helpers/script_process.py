"""One attempt of a task's script: its own process group, a timeout, log files and the tail of its stderr.

The script runs in a new session, so a timeout, an interrupt or its own exit takes down everything it started
(an H2O JVM included): nothing it spawned outlives the attempt.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

STDERR_TAIL_LINES = 50
KILL_GRACE_SECONDS = 5.0


@dataclass
class ScriptRun:
    returncode: int
    duration: float
    timed_out: bool
    stdout_log: Path
    stderr_log: Path
    stderr_tail: list[str] = field(default_factory=list)


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _pump(source: BinaryIO, log: BinaryIO, echo: BinaryIO | None, tail: collections.deque | None) -> None:
    for line in iter(source.readline, b""):
        log.write(line)
        log.flush()
        if echo is not None:
            echo.write(line)
            echo.flush()
        if tail is not None:
            tail.append(line.decode("utf-8", errors="replace").rstrip("\n"))
    source.close()


def _echo_stream(stream: object) -> BinaryIO | None:
    return getattr(stream, "buffer", None)


def run_script(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_dir: Path,
    timeout: float | None = None,
    echo: bool = True,
) -> ScriptRun:
    """Run argv (never through a shell) and wait for it, killing its whole process group at `timeout`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_log, stderr_log = log_dir / "stdout.log", log_dir / "stderr.log"
    tail: collections.deque = collections.deque(maxlen=STDERR_TAIL_LINES)
    started = time.monotonic()
    with stdout_log.open("ab") as out_file, stderr_log.open("ab") as err_file:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        pumps = [
            threading.Thread(
                target=_pump,
                args=(process.stdout, out_file, _echo_stream(sys.stdout) if echo else None, None),
                daemon=True,
            ),
            threading.Thread(
                target=_pump,
                args=(process.stderr, err_file, _echo_stream(sys.stderr) if echo else None, tail),
                daemon=True,
            ),
        ]
        for pump in pumps:
            pump.start()
        timed_out = threading.Event()

        def on_timeout() -> None:
            timed_out.set()
            kill_group(process.pid, signal.SIGTERM)
            time.sleep(KILL_GRACE_SECONDS)
            kill_group(process.pid)

        timer = threading.Timer(timeout, on_timeout) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            # Wait without reaping: while the leader is a zombie its process group id cannot be reused,
            # so killing the group afterwards reaches only what the script left behind.
            os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
        except BaseException:
            kill_group(process.pid)
            process.wait()
            raise
        finally:
            if timer:
                timer.cancel()
        kill_group(process.pid)
        returncode = process.wait()
        for pump in pumps:
            pump.join(timeout=10)
    return ScriptRun(
        returncode=returncode,
        duration=time.monotonic() - started,
        timed_out=timed_out.is_set(),
        stdout_log=stdout_log,
        stderr_log=stderr_log,
        stderr_tail=list(tail),
    )
