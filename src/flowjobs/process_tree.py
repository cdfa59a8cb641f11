"""A process's whole tree, found and ended whatever its members did to leave it: a session of their own (setsid), a
double fork, an environment stripped of the variables that tag them.

A process group or an environment tag is something a process can shed; its place in the tree it cannot, as long
as whoever it was orphaned to is a *subreaper* (PR_SET_CHILD_SUBREAPER): the kernel then reparents an orphan to
the nearest subreaper above it instead of to init. `flowjobs run` and each plain-task worker are subreapers, so
a daemon a task starts stays below the worker while the worker lives, and below the runner after.

    become_subreaper()        this process keeps its orphaned descendants
    descendants(pid)          every living process below pid (from /proc/PID/task/*/children)
    end(processes)            stopped (SIGSTOP, so none forks meanwhile) with everything below them, then killed
    Watch(pid)                what was seen below pid, remembered by pid and start time, so processes reparented
                              away (the runner died; a script's child outlived it) are still found and ended

A process is named by (pid, start time) wherever it is remembered, so a pid the kernel reused is never signalled.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
POLL_SECONDS = 0.2
GONE_WAIT_SECONDS = 5.0

Known = dict[int, int]  # pid -> its start time (start_ticks)


def become_subreaper() -> bool:
    """Make this process the subreaper of everything below it; False where the kernel refuses (not Linux)."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children(pid: int) -> list[int]:
    """The direct children of `pid` (every thread's), from /proc; psutil's scan where the kernel lacks the file."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found: list[int] = []
    for tid in threads:
        try:
            found += [int(child) for child in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        except FileNotFoundError:
            import psutil  # only where the kernel lacks the file: the common path stays off its import

            with contextlib.suppress(psutil.Error):
                return [child.pid for child in psutil.Process(pid).children()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, parents before their children."""
    found: list[int] = []
    frontier = children(pid)
    while frontier:
        found += frontier
        frontier = [child for parent in frontier for child in children(parent) if child not in found]
    return found


def identify(pids: list[int]) -> Known:
    """Each pid with its start time (those already gone left out)."""
    known: Known = {}
    for pid in pids:
        started = start_ticks(pid)
        if started is not None:
            known[pid] = started
    return known


def start_ticks(pid: int) -> int | None:
    """The process's start time on this boot (field 22 of /proc/PID/stat, clock ticks since boot), None when it is
    gone or a zombie: with the pid, what names one process (a pid is reused, a pid with its start time is not)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in ("Z", "X") else int(fields[19])


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def end(known: Known, spare: set[int] = frozenset(), wait: float = GONE_WAIT_SECONDS) -> Known:
    """Kill the processes in `known` (those still the same) and everything below them, except `spare` (and this
    process): all stopped first, until no new one appears, so none forks or is reparented away meanwhile. The
    processes killed; those that were this process's children are reaped."""
    spare = set(spare) | {os.getpid()}
    stopped: Known = {}
    todo = {pid: started for pid, started in known.items() if pid not in spare}
    while todo:
        found: Known = {}
        for pid, started in todo.items():
            if not alive(pid, started):
                continue
            _signal(pid, signal.SIGSTOP)
            stopped[pid] = started
            found.update(identify([child for child in children(pid) if child not in spare]))
        todo = {pid: started for pid, started in found.items() if pid not in stopped}
    for pid in stopped:
        _signal(pid, signal.SIGKILL)
    gone_by = time.monotonic() + wait
    while any(alive(pid, started) for pid, started in stopped.items()) and time.monotonic() < gone_by:
        time.sleep(0.01)
    for pid in stopped:  # orphans a subreaper inherited (a Popen's own child is in `spare`: Popen reaps it)
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
    return stopped


def end_below(pid: int, wait: float = GONE_WAIT_SECONDS) -> None:
    """Kill everything below `pid` (not `pid` itself)."""
    below = children(pid)
    if below:
        end(identify(below), spare={pid}, wait=wait)


def end_with_tree(pid: int, wait: float = GONE_WAIT_SECONDS) -> None:
    """Kill `pid` and everything below it."""
    end(identify([pid]), wait=wait)


def alive(pid: int, started: int) -> bool:
    """The process `pid` is still the one that started at `started`, and has not exited."""
    return start_ticks(pid) == started


class Watch:
    """Remembers every process seen below `root` while it is watched, so what leaves the tree is still found."""

    def __init__(self, root: int, every: float = POLL_SECONDS, spare: set[int] = frozenset()):
        self.root, self.every, self.spare = root, every, set(spare)
        self.seen: Known = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._poll, name=f"watch-{root}", daemon=True)
        self._thread.start()

    def look(self) -> None:
        found = identify([pid for pid in descendants(self.root) if pid not in self.spare])
        with self._lock:
            self.seen.update(found)

    def _poll(self) -> None:
        self.look()
        while not self._stopped.wait(self.every):
            self.look()

    def stop(self) -> Known:
        """Stop watching; what was seen (and what is below the root now)."""
        self._stopped.set()
        self.look()
        with self._lock:
            return dict(self.seen)
