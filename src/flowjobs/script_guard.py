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

ENV_RUNNER_TAG = "FLOWJOBS_RUNNER_TAG"
GRACE_SECONDS = 5.0
GIVE_UP_SECONDS = 60.0

_guard: tuple[int, str] | None = None  # (the process that started it, its tag)
_guard_lock = threading.Lock()
_write_ends: list[int] = []


def runner_tag() -> str:
    """This process's tag for its scripts' environment; starts the guard on first use (again after a fork)."""
    global _guard
    with _guard_lock:
        if _guard is not None and _guard[0] == os.getpid():
            return _guard[1]
        tag = uuid.uuid4().hex
        read_end, write_end = os.pipe()  # both ends non-inheritable: no script holds the write end open
        root = str(Path(__file__).resolve().parent.parent)
        env = {key: value for key, value in os.environ.items() if key != ENV_RUNNER_TAG}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        try:
            subprocess.Popen(
                [sys.executable, "-m", "flowjobs.script_guard", tag],
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                env=env,
            )
        finally:
            os.close(read_end)
        _guard = (os.getpid(), tag)
        _write_ends.append(write_end)  # stays open, unused, for this process's life
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


def main(tag: str) -> None:
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        while sys.stdin.buffer.read(1 << 16):
            pass  # nobody writes: only the end of the pipe matters
    stop_tagged(tag)


if __name__ == "__main__":
    main(sys.argv[1])
