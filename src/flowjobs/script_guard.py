"""A guard process that stops a runner's scripts when the runner dies, however it dies.

Scripts run in sessions of their own (flowjobs/script_process.py), so a runner killed outright (SIGKILL, the OOM
killer, a closed terminal's SIGHUP to a stock `pyflyte run`) would leave them running unsupervised: still
training, still registering model versions for an execution nobody follows. PR_SET_PDEATHSIG would reach only a
script itself, not a JVM it started in a session of its own, and fires when the parent *thread* ends.

So the first script a process starts also starts one small guard (`python -m flowjobs.script_guard TAG`) in a
session of its own. Every script gets FLOWJOBS_RUNNER_TAG=TAG in its environment, and everything it starts
inherits it. The runner keeps the write end of a pipe whose read end is the guard's stdin; the kernel closes it
when the runner dies, the guard reads end-of-file, and sends SIGTERM (so tracked runs end FAILED), then SIGKILL,
to every process still carrying the tag. A runner that ends normally closes the pipe too, with nothing left.

The tag is something a process can shed (a child started with a cleaned environment), so the guard also watches
the runner's tree (flowjobs/process_tree.py): every process seen below the runner is remembered by pid and start
time, and when the runner has died, all of them still running are stopped and killed with what is below them:
workers, their forkserver, daemons and double forks of tasks (the runner is their subreaper, so they stay below it
while it lives). Given the runner's lease (`start(hold_fd=...)`), the guard holds the same open file until it has
ended them: the execution reads as alive, and is not resumed, while anything of it may still run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from flowjobs import process_tree

ENV_RUNNER_TAG = "FLOWJOBS_RUNNER_TAG"
GRACE_SECONDS = 5.0
GIVE_UP_SECONDS = 60.0

WATCH_SECONDS = 0.5

_guard: tuple[int, str] | None = None  # (the process that started it, its tag)
_guard_lock = threading.Lock()
_write_ends: list[int] = []


def runner_tag() -> str:
    """This process's tag for its scripts' environment; starts the guard on first use (again after a fork)."""
    with _guard_lock:
        if _guard is not None and _guard[0] == os.getpid():
            return _guard[1]
        return _start_guard(None)


def start(hold_fd: int | None = None) -> str:
    """A guard of its own for an execution starting now in this process, holding `hold_fd` (its lease) until what
    the execution started is gone; the guard before it (an earlier execution's) is told to end."""
    with _guard_lock:
        if _guard is not None and _guard[0] == os.getpid() and _write_ends:
            with contextlib.suppress(OSError):
                os.close(_write_ends.pop())  # this process lives: that guard stops only its tagged leftovers
        return _start_guard(hold_fd)


def _start_guard(hold_fd: int | None) -> str:
    global _guard
    tag = uuid.uuid4().hex
    read_end, write_end = os.pipe()  # both ends non-inheritable: no script holds the write end open
    root = str(Path(__file__).resolve().parent.parent)
    env = {key: value for key, value in os.environ.items() if key != ENV_RUNNER_TAG}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    runner = os.getpid()
    started = process_tree.start_ticks(runner) or 0
    try:
        subprocess.Popen(
            [sys.executable, "-m", "flowjobs.script_guard", tag, str(runner), str(started)],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
            pass_fds=() if hold_fd is None else (hold_fd,),
        )
    finally:
        os.close(read_end)
    _guard = (os.getpid(), tag)
    _write_ends.append(write_end)  # stays open, unused, while this process runs executions
    return tag


def tagged(tag: str) -> list[int]:
    """Processes whose environment carries the runner's tag."""
    marker = f"{ENV_RUNNER_TAG}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
    return found


def stop_tagged(tag: str) -> None:
    """SIGTERM to every tagged process, SIGKILL to those still there after the grace, until none is left."""
    started = time.monotonic()
    sig = signal.SIGTERM
    while pids := tagged(tag):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        waited = time.monotonic() - started
        if waited > GIVE_UP_SECONDS:
            return
        if waited > GRACE_SECONDS:
            sig = signal.SIGKILL
        time.sleep(0.1)


def main(tag: str, runner: int, started: int) -> None:
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    watch = process_tree.Watch(runner, every=WATCH_SECONDS)
    with contextlib.suppress(OSError):
        while sys.stdin.buffer.read(1 << 16):
            pass  # nobody writes: only the end of the pipe matters
    seen = watch.stop()
    if process_tree.alive(runner, started):  # the runner closed the pipe itself: only its scripts' leftovers
        stop_tagged(tag)
        return
    scripts = set(tagged(tag))
    process_tree.end(seen, spare=scripts)  # workers, forkserver, daemons: nothing of theirs to close
    stop_tagged(tag)  # scripts get SIGTERM first, so tracked runs end FAILED
    process_tree.end(seen)  # what the scripts started meanwhile


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
