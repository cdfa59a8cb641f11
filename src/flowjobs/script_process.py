"""One attempt of a task's script: its own process group, a timeout, log files and the tail of its stderr.

The script runs in a new session, so a timeout, an interrupt or its own exit takes down everything it started:
nothing it spawned outlives the attempt. A child that leaves the session (H2O starts its JVM with `os.setsid`)
is still found by the tag every process of the attempt inherits in its environment (FLOWJOBS_PROCESS_TAG), and
one that sheds the tag too by its place below the script, watched while the script runs (flowjobs/process_tree.py).
Live attempts are registered, so an interrupted runner can stop them all (`kill_all`); a runner that dies
outright has its scripts stopped by its guard process (flowjobs/script_guard.py).

A Python script may also be started ahead of its turn (`hold`, flowjobs/held_start.py): its process, logs and
registration are made at once and its imports load; `run_script(held=…)` then lets it run, and its time starts
there. A held script never let run is ended by `Held.discard`.
"""

from __future__ import annotations

import collections
import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flowjobs import process_tree
from flowjobs.script_guard import ENV_RUNNER_TAG, runner_tag

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
    log_error: str | None = None  # a log that could not be written (a full disk): its path and why


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


def _wait_unreaped(pid: int, seconds: float) -> None:
    """Wait until the child has exited, leaving it unreaped; TimeoutExpired after `seconds`."""
    deadline = time.monotonic() + seconds
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is None:
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(str(pid), seconds)
        time.sleep(0.05)


def kill_all(sig: int = signal.SIGKILL) -> None:
    """Signal every running script and all it started (the local runner on Ctrl-C)."""
    with _live_lock:
        live = dict(_live)
    for pgid, tag in live.items():
        kill_tree(pgid, tag, sig)


def _pump(
    source: BinaryIO, log: BinaryIO, echo: BinaryIO | None, tail: collections.deque | None, failed: list[str]
) -> None:
    """Copy the script's stream to its log (and the terminal). A log that cannot be written (a full disk) is noted
    in `failed` and the stream is still drained, so the script never blocks on a full pipe."""
    for line in iter(source.readline, b""):
        if not failed:
            try:
                log.write(line)
                log.flush()
            except OSError as err:
                failed.append(f"{log.name}: {err.strerror}")
        if echo is not None:
            echo.write(line)
            echo.flush()
        if tail is not None:
            tail.append(line.decode("utf-8", errors="replace").rstrip("\n"))
    source.close()


def _echo_stream(stream: object) -> BinaryIO | None:
    return getattr(stream, "buffer", None)


def _start(argv: list[str], cwd: Path, env: dict[str, str], tag: str, ready: int | None = None) -> subprocess.Popen:
    """The script in a session of its own, registered as live under its tag (a held one: waiting on its input)."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**env, ENV_PROCESS_TAG: tag, ENV_RUNNER_TAG: runner_tag()},
        stdin=subprocess.DEVNULL if ready is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        pass_fds=() if ready is None else (ready,),
    )
    with _live_lock:
        _live[process.pid] = tag
    return process


def _start_pump(
    source: BinaryIO, log: BinaryIO, echo: object | None, tail: collections.deque | None, failed: list[str]
) -> threading.Thread:
    pump = threading.Thread(
        target=_pump, args=(source, log, _echo_stream(echo) if echo is not None else None, tail, failed), daemon=True
    )
    pump.start()
    return pump


class _Reaper:
    """Ends an attempt's process tree: at its timeout (SIGTERM, then SIGKILL after a grace), and when it is over;
    with it every process seen below the script (`watch`), whatever session or environment it took."""

    def __init__(self, process: subprocess.Popen, tag: str):
        self.process, self.tag = process, tag
        self.watch = process_tree.Watch(process.pid)
        self.timed_out, self.finished, self.reaping = threading.Event(), threading.Event(), threading.Lock()

    def signal_unless_finished(self, sig: int) -> None:
        # Only while the leader is unreaped: once it is reaped its process group id may belong to others.
        with self.reaping:
            if not self.finished.is_set():
                kill_tree(self.process.pid, self.tag, sig)

    def on_timeout(self) -> None:
        self.timed_out.set()
        self.signal_unless_finished(signal.SIGTERM)
        if not self.finished.wait(KILL_GRACE_SECONDS):
            self.signal_unless_finished(signal.SIGKILL)

    def finish(self) -> int:
        """Kill what the script left behind, then reap the leader; its exit code."""
        kill_tree_and_wait(self.process.pid, self.tag)
        process_tree.end(self.watch.stop(), spare={self.process.pid})  # a child that shed its session and tag
        with self.reaping:
            self.finished.set()
        return self.process.wait()


def _wait(process: subprocess.Popen, tag: str, timeout: float | None) -> _Reaper:
    """Wait for the script's leader to exit (killing its tree at `timeout`); it is reaped by `_Reaper.finish`."""
    reaper = _Reaper(process, tag)
    timer = threading.Timer(timeout, reaper.on_timeout) if timeout else None
    if timer:
        timer.daemon = True
        timer.start()
    try:
        # Wait without reaping: while the leader is a zombie its process group id cannot be reused,
        # so killing the group afterwards reaches only what the script left behind.
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    except BaseException:  # Ctrl-C of the runner: SIGTERM first, so tracked runs end FAILED, not RUNNING
        with contextlib.suppress(BaseException):
            kill_tree(process.pid, tag, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                _wait_unreaped(process.pid, KILL_GRACE_SECONDS)
        reaper.finish()
        raise
    finally:
        if timer:
            timer.cancel()
        with _live_lock:
            _live.pop(process.pid, None)
    return reaper


HELD_START = str(Path(__file__).with_name("held_start.py"))


class _Logs:
    """An attempt's two log files and the pumps filling them (and the terminal, with `echo`)."""

    def __init__(self, log_dir: Path, echo: bool):
        log_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_log, self.stderr_log = log_dir / "stdout.log", log_dir / "stderr.log"
        self.echo = echo
        self.tail: collections.deque = collections.deque(maxlen=STDERR_TAIL_LINES)
        self.failed: list[str] = []
        # unbuffered: a line a full disk refused is not written again when the file is closed
        self.files = (self.stdout_log.open("ab", buffering=0), self.stderr_log.open("ab", buffering=0))
        self.pumps: list[threading.Thread] = []

    def pump(self, process: subprocess.Popen) -> None:
        out_file, err_file = self.files
        self.pumps = [
            _start_pump(process.stdout, out_file, sys.stdout if self.echo else None, None, self.failed),
            _start_pump(process.stderr, err_file, sys.stderr if self.echo else None, self.tail, self.failed),
        ]

    def close(self) -> None:
        for pump in self.pumps:
            pump.join(timeout=10)
        for file in self.files:
            file.close()


@dataclass(eq=False)
class Held:
    """A Python script's process started ahead of its turn: its imports loading, then waiting to be let run."""

    process: subprocess.Popen
    tag: str
    logs: _Logs
    ready: int  # readable once its imports are loaded (a byte, or the end when it died); -1 once closed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def warmed(self, timeout: float = 0.0) -> bool:
        """Whether its imports are loaded (or it is gone, or let run), waiting at most `timeout` seconds."""
        with self.lock:
            return self.ready < 0 or bool(select.select([self.ready], [], [], timeout)[0])

    def close_ready(self) -> None:
        with self.lock:
            if self.ready >= 0:
                os.close(self.ready)
                self.ready = -1

    def discard(self) -> None:
        """Never let run: it ends at the end of its input (killed with its tree if it does not at once)."""
        self.close_ready()
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            _wait_unreaped(self.process.pid, KILL_GRACE_SECONDS)
        kill_tree_and_wait(self.process.pid, self.tag)  # its group id is still its own: it is not reaped yet
        self.process.wait()
        with _live_lock:
            _live.pop(self.process.pid, None)
        self.logs.close()


def hold(
    argv: list[str], command_at: int, *, cwd: Path, env: dict[str, str], log_dir: Path, echo: bool = False
) -> Held:
    """Start `python script.py args` (argv[command_at:], inside a confining command before it) held before its
    script runs."""
    readable, writable = os.pipe()
    held_argv = [*argv[: command_at + 1], HELD_START, str(writable), *argv[command_at + 1 :]]
    logs = _Logs(log_dir, echo)
    tag = uuid.uuid4().hex
    try:
        process = _start(held_argv, cwd, env, tag, ready=writable)
    except BaseException:
        logs.close()
        os.close(readable)
        raise
    finally:
        os.close(writable)
    logs.pump(process)
    return Held(process, tag, logs, readable)


def run_script(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_dir: Path,
    timeout: float | None = None,
    echo: bool = True,
    held: Held | None = None,
) -> ScriptRun:
    """Run argv (never through a shell) and wait for it, killing its whole process group at `timeout`; or let the
    `held` one run (argv, cwd, env: what it was held with)."""
    started, started_at = time.monotonic(), time.time()
    if held is None:
        logs, tag = _Logs(log_dir, echo), uuid.uuid4().hex
        try:
            process = _start(argv, cwd, env, tag)
        except BaseException:
            logs.close()
            raise
        logs.pump(process)
    else:
        process, tag, logs = held.process, held.tag, held.logs
        held.close_ready()
        with contextlib.suppress(OSError):  # one that died while held exits with its own code, below
            process.stdin.write(b"go\n")
            process.stdin.close()
    try:
        reaper = _wait(process, tag, timeout)
        exited_at = time.time()  # the leader's exit, before what it left behind is ended
        returncode = reaper.finish()
    finally:
        logs.close()
    return ScriptRun(
        returncode=returncode,
        duration=time.monotonic() - started,
        timed_out=reaper.timed_out.is_set(),
        stdout_log=logs.stdout_log,
        stderr_log=logs.stderr_log,
        stderr_tail=list(logs.tail),
        started_at=started_at,
        exited_at=exited_at,
        log_error=logs.failed[0] if logs.failed else None,
    )
