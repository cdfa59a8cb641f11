"""Whether an execution's runner lives: a lock held on an open file, and the runner's process by pid and start time.

A record's `status` says what the runner last wrote, not whether the runner still lives: a runner killed with
SIGKILL leaves `running` behind, and a second execution started beside a live one sees `running` too. Two signs
tell them apart, and either one means alive:

    the lease     `<state>/runs/<execution id>/lease`, a regular file the runner (`flowjobs run`, or a stock
                  `pyflyte run` process) locks (flock) before it writes the record; its guard process
                  (flowjobs/script_guard.py) holds the same open file until every process of the execution is
                  gone, so the kernel drops the lock only then, however the runner died
    its process   the runner's pid, its start time and the boot, written into the record (`Runner`): a lease
                  deleted, or a state folder deleted and made again, mid-run does not make a live runner look dead

A lease in a wrong shape (a folder, a symlink, a device) is never opened: `shape_problem` names it in one line and
liveness comes from the process alone. A second lock, `resumed-by`, is held by the one execution that resumes an
ended one, so two executions started at once never both take the same results.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from flowjobs import process_tree

LEASE_FILE = "lease"
RESUMED_BY_FILE = "resumed-by"


class Runner(BaseModel):
    """A process as the kernel knows it: a pid is reused, a pid with its start time (clock ticks since boot,
    flowjobs/process_tree.py's identity of a process) on one boot is not."""

    pid: int
    started: int
    boot: str

    def alive(self) -> bool:
        return self.boot == _boot_id() and process_tree.alive(self.pid, self.started)

    def gone(self) -> bool:
        """Provably ended: on this boot, and no process with its pid and start time (another machine's: unknown)."""
        return self.boot == _boot_id() and not process_tree.alive(self.pid, self.started)


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def this_process() -> Runner | None:
    started = process_tree.start_ticks(os.getpid())
    return None if started is None else Runner(pid=os.getpid(), started=started, boot=_boot_id())


@dataclass
class Lock:
    """A lock held on an open file; `fd` may be handed to another process to hold it as long as it lives."""

    path: Path
    fd: int


def _open_regular(path: Path, create: bool) -> int:
    """A descriptor of `path` when it is a regular file (made when `create`); OSError naming it otherwise."""
    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | (os.O_CREAT if create else 0)
    fd = os.open(path, flags, 0o644)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return fd


def _take(path: Path, create: bool = True) -> Lock | None:
    """The lock on `path`, None when another holds it or it cannot be opened as a regular file."""
    try:
        fd = _open_regular(path, create)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return Lock(path, fd)


def hold(folder: Path) -> Lock | None:
    """Take the lease of the execution whose state folder is `folder`; held until released or every holder ends.
    None when the folder cannot be written (the record cannot be either: the recorder warns about that)."""
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    return _take(folder / LEASE_FILE)


def shape_problem(folder: Path) -> str | None:
    """One line naming a lease that is not a regular file (its lock cannot say anything), else None."""
    path = Path(folder) / LEASE_FILE
    try:
        mode = path.lstat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    shape = "a symlink" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode) else "not a regular file"
    return f"the lease {path} is {shape}, not a lock file: whether its runner lives is told by its process alone"


def _locked(path: Path) -> bool:
    """Whether a holder (this process included) has the lock on the regular file `path`."""
    try:
        fd = _open_regular(path, create=False)
    except OSError:
        return False  # missing or in a wrong shape: no lock to tell by
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops the probe's own lock
    return False


def held(folder: Path, runner: Runner | None = None) -> bool:
    """Whether the execution in `folder` lives: its lease is locked, or its recorded runner process runs."""
    return _locked(Path(folder) / LEASE_FILE) or (runner is not None and runner.alive())


def wait_released(folder: Path, seconds: float) -> bool:
    """Wait up to `seconds` for the lease to be free (a dead runner's guard still ending its processes)."""
    deadline = time.monotonic() + seconds
    while _locked(Path(folder) / LEASE_FILE):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def claim(folder: Path, runner: Runner | None = None) -> Lock | None:
    """The right to resume the ended execution in `folder`, held until released or this process ends; None when
    its runner lives or another execution is resuming it."""
    if held(folder, runner):
        return None
    return _take(Path(folder) / RESUMED_BY_FILE)


def release(lock: Lock | None) -> None:
    """Unlock (for every process holding the same open file) and close."""
    if lock is None or lock.fd < 0:
        return
    with contextlib.suppress(OSError):
        fcntl.flock(lock.fd, fcntl.LOCK_UN)
    with contextlib.suppress(OSError):
        os.close(lock.fd)
    lock.fd = -1
