"""The machine's CPUs as a budget: a running task holds its tier's CPUs until its attempt ends.

Waiting tasks are admitted first come, first served, so a big tier is not starved by a stream of small ones.
A tier asking more than the whole budget runs alone (it takes everything), with a warning.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
import typing

from helpers.tiers import available_cpus as machine_cpus

if typing.TYPE_CHECKING:
    from helpers.job_spec import Attempt

log = logging.getLogger("flowjobs")


class Interrupted(Exception):
    """The run is being stopped: no new attempt may start."""


class CpuBudget:
    def __init__(self, total: float | None = None):
        self.total = float(total or machine_cpus())
        self.free = self.total
        self.stopped = False
        self._warned: set[str] = set()
        self._tickets = itertools.count()
        self._queue: list[int] = []
        self._changed = threading.Condition()

    def share(self, cpus: float, task: str, tier: str) -> float:
        """What a task on a tier of `cpus` CPUs holds: its CPUs, or the whole budget when it asks for more."""
        if cpus <= self.total:
            return cpus
        if task not in self._warned:
            self._warned.add(task)
            log.warning(
                "task '%s': tier %s asks for %g CPUs, the budget is %g: it runs alone", task, tier, cpus, self.total
            )
        return self.total

    @contextlib.contextmanager
    def attempt_hook(self, attempt: Attempt) -> typing.Iterator[None]:
        """The runner's job-task attempt hook: hold the tier's CPUs; the script's output goes to its logs only."""
        attempt.echo = False
        asked = time.monotonic()
        with self.hold(self.share(attempt.tier.cpu_limit, attempt.spec.name, attempt.tier.name)):
            attempt.cpu_wait = time.monotonic() - asked
            yield

    @contextlib.contextmanager
    def hold(self, cpus: float) -> typing.Iterator[None]:
        """Wait for `cpus` (at most the whole budget) to be free, in turn; hold them while the block runs."""
        with self._changed:
            ticket = next(self._tickets)
            self._queue.append(ticket)
            try:
                self._changed.wait_for(lambda: self.stopped or (self._queue[0] == ticket and self.free >= cpus))
            finally:
                self._queue.remove(ticket)
                self._changed.notify_all()
            if self.stopped:
                raise Interrupted("the run was interrupted")
            self.free -= cpus
        try:
            yield
        finally:
            with self._changed:
                self.free += cpus
                self._changed.notify_all()

    def stop(self) -> None:
        """Refuse every waiting and future request (Ctrl-C)."""
        with self._changed:
            self.stopped = True
            self._changed.notify_all()
