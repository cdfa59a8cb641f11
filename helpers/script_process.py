"""One attempt of a task's script: its own process group, a timeout, log files and the tail of its stderr.

The script runs in a new session, so a timeout, an interrupt or its own exit takes down everything it started:
nothing it spawned outlives the attempt. A child that leaves the session (H2O starts its JVM with `os.setsid`)
is still found by the tag every process of the attempt inherits in its environment (FLOWJOBS_PROCESS_TAG).
Live attempts are registered, so an interrupted runner can stop them all (`kill_all`).
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
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

STDERR_TAIL_LINES = 50
KILL_GRACE_SECONDS = 5.0
GONE_WAIT_SECONDS = 5.0
ENV_PROCESS_TAG = "FLOWJOBS_PROCESS_TAG"

_live: dict[int, str] = {}  # process group of each running script -> the tag its processes carry
_live_lock = threading.Lock()


@dataclass
class ScriptRun:
    returncode: int
    duration: float
    timed_out: bool
    stdout_log: Path
    stderr_log: Path
    stderr_tail: list[str] = field(default_factory=list)
    started_at: float = 0.0  # wall-clock times (epoch seconds) of the process's start and exit, for the time split
    exited_at: float = 0.0


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def tagged_processes(tag: str) -> list[int]:
    """Processes (of this user) whose environment carries the attempt's tag, wherever their session is."""
    marker = f"{ENV_PROCESS_TAG}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
    return found


def kill_tree(pgid: int, tag: str, sig: int = signal.SIGKILL) -> None:
    """The script's process group and every process that inherited its tag (a JVM in its own session too)."""
    kill_group(pgid, sig)
    for pid in tagged_processes(tag):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def kill_tree_and_wait(pgid: int, tag: str, wait: float = GONE_WAIT_SECONDS) -> None:
    """SIGKILL the tree and wait until every process of it has died.

    A signal is only queued when kill() returns; the process dies when the kernel next schedules it, so on a
    busy machine it can still be running a moment later. Waiting makes "the attempt is over" mean "nothing of
    it runs any more".
    """
    kill_group(pgid)
    pids: set[int] = set()
    deadline = time.monotonic() + wait
    while True:
        pids = {pid for pid in pids | set(tagged_processes(tag)) if _running(pid)}
        if not pids or time.monotonic() >= deadline:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def kill_all(sig: int = signal.SIGKILL) -> None:
    """Signal every running script and all it started (the local runner on Ctrl-C)."""
    with _live_lock:
        live = dict(_live)
    for pgid, tag in live.items():
        kill_tree(pgid, tag, sig)


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
    tag = uuid.uuid4().hex
    started, started_at = time.monotonic(), time.time()
    with stdout_log.open("ab") as out_file, stderr_log.open("ab") as err_file:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**env, ENV_PROCESS_TAG: tag},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        with _live_lock:
            _live[process.pid] = tag
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
        timed_out, finished, reaping = threading.Event(), threading.Event(), threading.Lock()

        def signal_unless_finished(sig: int) -> None:
            # Only while the leader is unreaped: once it is reaped its process group id may belong to others.
            with reaping:
                if not finished.is_set():
                    kill_tree(process.pid, tag, sig)

        def on_timeout() -> None:
            timed_out.set()
            signal_unless_finished(signal.SIGTERM)
            if not finished.wait(KILL_GRACE_SECONDS):
                signal_unless_finished(signal.SIGKILL)

        timer = threading.Timer(timeout, on_timeout) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            # Wait without reaping: while the leader is a zombie its process group id cannot be reused,
            # so killing the group afterwards reaches only what the script left behind.
            os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
            exited_at = time.time()
        except BaseException:
            kill_tree_and_wait(process.pid, tag)
            with reaping:
                finished.set()
            process.wait()
            raise
        finally:
            if timer:
                timer.cancel()
            with _live_lock:
                _live.pop(process.pid, None)
        kill_tree_and_wait(process.pid, tag)
        with reaping:
            finished.set()
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
        started_at=started_at,
        exited_at=exited_at,
    )
