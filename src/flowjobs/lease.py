"""An execution's lease: a file lock its runner process holds for the execution's whole life.

A record's `status` says what the runner last wrote, not whether the runner still lives: a runner killed with
SIGKILL leaves `running` behind, and a second execution started beside a live one sees `running` too. The
lease tells them apart. The runner (`flowjobs run`, or a stock `pyflyte run` process) locks
`<state>/runs/<execution id>/lease` (flock) before it writes the record and keeps the lock until it exits; the
kernel drops the lock when the process dies, however it dies. So:

    held(folder)       the execution's runner is alive: its results, MLflow runs and record are its own
    not held           the execution has really ended; a record still saying `running` was killed

A second lock, `resumed-by`, is held by the one execution that resumes an ended one, so two executions started
at once never both take the same results.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import filelock

Lock = filelock.BaseFileLock
LEASE_FILE = "lease"
RESUMED_BY_FILE = "resumed-by"


def hold(folder: Path) -> Lock | None:
    """Take the lease of the execution whose state folder is `folder`; held until released or the process ends.
    None when the folder cannot be written (the record cannot be either: the recorder warns about that)."""
    lease = filelock.FileLock(folder / LEASE_FILE, thread_local=False)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lease.acquire(timeout=0)
    except OSError:
        return None
    return lease


def _locked(path: Path) -> bool:
    """Whether another holder (this process included) has the lock on `path`."""
    if not path.exists():
        return False
    probe = filelock.FileLock(path, thread_local=False)
    try:
        probe.acquire(timeout=0)
    except filelock.Timeout:
        return True
    except OSError:  # a lock file we may not open: not ours to take over
        return True
    probe.release()
    return False


def held(folder: Path) -> bool:
    """Whether the runner of the execution in `folder` is alive (a record from before leases: not held)."""
    return _locked(Path(folder) / LEASE_FILE)


def claim(folder: Path) -> Lock | None:
    """The right to resume the ended execution in `folder`, held until released or this process ends; None when
    its runner lives or another execution is resuming it."""
    if held(folder):
        return None
    claimed = filelock.FileLock(Path(folder) / RESUMED_BY_FILE, thread_local=False)
    try:
        claimed.acquire(timeout=0)
    except (filelock.Timeout, OSError):
        return None
    return claimed


def release(lock: Lock | None) -> None:
    if lock is not None:
        with contextlib.suppress(OSError):
            lock.release()
