"""The machine's CPUs as a budget: a running task holds its tier's CPUs until its attempt ends.

Waiting tasks are admitted first come, first served, except that a later task that fits in CPUs the first in line
cannot use yet may pass it (backfilling, so a CPU does not sit idle while a big tier waits for two), at most
MAX_PASSES times per waiting task: a big tier is delayed by a few small tasks, never starved by a stream of them.
A tier asking more than the whole budget runs alone (it takes everything), with a warning.

The line is the scheduler's order: a node it starts takes its place at once (`reserve`), so nodes started together
are admitted in that order (bigger tiers first, flowjobs/runner/scheduler.py), whichever of their threads asks
first. A place not taken within RESERVED_SECONDS (the node was reused, or runs elsewhere) is given up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
import typing

from flowjobs.tiers import available_cpus as machine_cpus

if typing.TYPE_CHECKING:
    from flowjobs.job_spec import Attempt

log = logging.getLogger("flowjobs")


MAX_PASSES = 2  # how many later tasks may start before a waiting one
RESERVED_SECONDS = 1.0  # how long a node's place in line is kept for its attempt to take (a busy machine)


@dataclasses.dataclass(eq=False)
class _Waiting:
    cpus: float
    passed: int = 0  # later tasks that started before this one
    node: str | None = None  # a place reserved for this node's attempt, not taken yet
    since: float = dataclasses.field(default_factory=time.monotonic)


class Interrupted(Exception):
    """The run is being stopped: no new attempt may start."""


class CpuBudget:
    def __init__(self, total: float | None = None):
        self.total = float(total or machine_cpus())
        self.free = self.total
        self.stopped = False
        self._warned: set[str] = set()
        self._queue: list[_Waiting] = []
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
        from flowjobs.recorder import current_node

        attempt.echo = False
        asked = time.monotonic()
        node = current_node.get()
        cpus = self.share(attempt.tier.cpu_limit, attempt.spec.name, attempt.tier.name)
        with self.hold(cpus, node[0] if node else None):
            attempt.cpu_wait = time.monotonic() - asked
            yield

    def reserve(self, node: str, cpus: float) -> None:
        """Node `node`'s place in line, taken by its attempt's `hold` (or given up after RESERVED_SECONDS)."""
        with self._changed:
            self._queue.append(_Waiting(cpus, node=node))

    def give_up(self, node: str) -> None:
        """The node's place, if its attempt did not take it (it was reused, or failed before asking)."""
        with self._changed:
            self._queue = [waiting for waiting in self._queue if waiting.node != node]
            self._changed.notify_all()

    @contextlib.contextmanager
    def hold(self, cpus: float, node: str | None = None) -> typing.Iterator[None]:
        """Wait for `cpus` (at most the whole budget) to be free, in turn (see MAX_PASSES; `node`: in the place
        reserved for it); hold them while the block runs."""
        with self._changed:
            me = next((waiting for waiting in self._queue if node is not None and waiting.node == node), None)
            if me is None:
                me = _Waiting(cpus)
                self._queue.append(me)
            me.cpus, me.node = cpus, None
            try:
                while not (self.stopped or self._may_start(me)):
                    reserved = any(waiting.node is not None for waiting in self._queue)
                    self._changed.wait(RESERVED_SECONDS if reserved else None)
            finally:
                self._queue.remove(me)
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

    def _may_start(self, me: _Waiting) -> bool:
        """Its CPUs are free, and every task ahead of it cannot start now and may still be passed (which it then
        is): tasks that fit keep their order. A reserved place ahead counts as a task while it is kept."""
        now = time.monotonic()
        self._queue = [w for w in self._queue if w.node is None or now - w.since < RESERVED_SECONDS]
        ahead = self._queue[: self._queue.index(me)]
        if self.free < me.cpus:
            return False
        if any(waiting.cpus <= self.free or waiting.passed >= MAX_PASSES for waiting in ahead):
            return False
        for waiting in ahead:
            waiting.passed += 1
        return True

    def stop(self) -> None:
        """Refuse every waiting and future request (Ctrl-C)."""
        with self._changed:
            self.stopped = True
            self._changed.notify_all()
