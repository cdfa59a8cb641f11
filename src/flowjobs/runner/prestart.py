"""Job tasks' Python scripts started ahead of their turn on CPUs the budget leaves idle: their imports off the path.

A step's start-up is mostly its imports (pandas, scikit-learn: about half a second here), and on a flow's longest
path it is paid at every node. A node whose every upstream node is running or done runs next; its first attempt
is held (flowjobs/job_runtime.py `hold`, flowjobs/held_start.py): its folder, environment and confined process made,
its imports loaded, waiting for its inputs. When the node runs, its job task lets that process run; its time
starts there. A node that is reused, skipped or stopped has its held attempt discarded.

Held imports use idle CPUs only: one loads only while the running nodes' tiers leave a CPU of the budget free
and the machine has had a CPU idle since the last look (/proc/stat: the runner, its MLflow process, another
user's work count too), so no running task is crowded; and at most as many wait held as the budget has CPUs
(each holds its interpreter's memory). While a node waits to be held or a held script loads,
the scheduler looks again every POLL_SECONDS. FLOWJOBS_START_AHEAD=0 turns it off (for a script whose imports
read its inputs, say).
"""

from __future__ import annotations

import os
import typing

from flowjobs import held_attempts, job_runtime
from flowjobs.jobs import JobTask
from flowjobs.runner.budget import CpuBudget

ENV_START_AHEAD = "FLOWJOBS_START_AHEAD"
POLL_SECONDS = 0.05  # how often the scheduler looks again while a node waits to be held or a held script loads
IDLE_ENOUGH = 0.75  # CPUs left idle (of the budget and of the machine) for a held script to load its imports
MIN_JIFFIES = 4  # per CPU (1/100 s each): a shorter span says too little about what was idle


class Prestart:
    def __init__(self, budget: CpuBudget):
        self.budget = budget
        self.loading: set[str] = set()  # nodes whose held script is loading its imports
        self.tried: set[str] = set()
        self.pending = False  # a node waits to be held, or a held script is loading
        self.enabled = os.environ.get(ENV_START_AHEAD, "1") != "0"
        self.cpu_times: tuple[int, int] | None = None  # (idle, total) jiffies at the last look
        self.idle_cpus = 0.0

    def may_hold(self, key: str, task: typing.Any) -> bool:
        """Whether node `key` (running `task`) is one to hold, when it runs next: a job task's, not tried yet."""
        return self.enabled and key not in self.tried and isinstance(task, JobTask)

    def offer(self, upcoming: list[tuple[str, typing.Any]], running_cpus: float) -> None:
        """Hold the first attempts of the `upcoming` nodes (key, task; see `may_hold`), as the CPUs the running
        nodes hold or wait for (`running_cpus`) and the machine leave idle."""
        if not self.enabled:
            return
        self.loading = {key for key in self.loading if (held := held_attempts.get(key)) and not held.process.warmed()}
        wanted = [(key, task) for key, task in upcoming if self.may_hold(key, task)]
        if wanted:
            free = self.budget.total - running_cpus - len(self.loading)
            idle = min(free, self._idle_cpus())
            for key, task in wanted:
                if idle < IDLE_ENOUGH or len(held_attempts.held_keys()) >= max(1, int(self.budget.total)):
                    break  # no CPU idle, or as many held as the budget runs at once (each holds its memory)
                self.tried.add(key)
                if job_runtime.hold(task.spec, key):
                    self.loading.add(key)
                    idle -= 1
        self.pending = bool(self.loading) or any(key not in self.tried for key, _ in wanted)

    def _idle_cpus(self) -> float:
        """CPUs the machine left idle since the last look (kept when too little time passed to tell)."""
        try:
            with open("/proc/stat") as stat:
                lines = stat.read().splitlines()
        except OSError:
            return self.budget.total  # no /proc: the budget alone decides
        cpus = sum(1 for line in lines if line.startswith("cpu") and line[3:4].isdigit())
        jiffies = [int(value) for value in lines[0].split()[1:9]]
        now = (jiffies[3] + jiffies[4], sum(jiffies))  # idle and iowait; every state but guest time
        last, self.cpu_times = self.cpu_times, now
        if last is not None and now[1] - last[1] >= MIN_JIFFIES * cpus:
            self.idle_cpus = (now[0] - last[0]) / (now[1] - last[1]) * cpus
        elif last is not None:
            self.cpu_times = last  # too soon: measured over a longer span at the next look
        return self.idle_cpus

    def poll_seconds(self) -> float | None:
        return POLL_SECONDS if self.pending else None

    @staticmethod
    def given_up(key: str) -> None:
        """The node will not run its script (reused, skipped): its held attempt ends."""
        held_attempts.discard(key)

    @staticmethod
    def close() -> None:
        held_attempts.discard_all()
