"""What a job task is and what one attempt of it is, as data: the bottom of the job task's modules.

`JobSpec` is built once, when the flow is defined (helpers/jobs.py), and travels as JSON in the container's loader
args; it carries the hardware tier resolved at that moment, so a pod runs with the tier the task was registered
with, not with whatever a tiers file says there. `Attempt` is one run of the job's script as the attempt hooks
see it (helpers/job_runtime.py runs it; helpers/records.py and the local runner watch it).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from helpers import tiers
from helpers.domino_layout import DominoLayout
from helpers.script_process import ScriptRun


class JobSpec(BaseModel):
    """Everything needed to rebuild a job task in a pod; travels as JSON in the container's loader args."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    command: str
    tier: str
    inputs: dict[str, str]
    outputs: dict[str, str]
    snapshot_inputs: tuple[str, ...] = ()
    cache: bool = False
    cache_version: str = ""
    retries: int = 0
    timeout_seconds: float | None = None
    environment_name: str | None = None
    tracking_secret: str | None = None
    tracking: bool = False
    resolved_tier: tiers.Tier | None = None  # the tier's sizes when the task was defined (None: look `tier` up)
    domino: DominoLayout | None = None  # a task made through helpers.domino: Domino's folders and variables

    def hardware_tier(self) -> tiers.Tier:
        """The tier the task was defined with; a spec without it (written before it was carried) looks it up."""
        return self.resolved_tier or tiers.get_tier(self.tier)


@dataclass
class Attempt:
    """One attempt of a job's script as the attempt hooks see it: what runs where, then how it ended."""

    spec: JobSpec
    tier: tiers.Tier
    number: int
    attempts: int
    folder: Path
    echo: bool = True  # a hook may stop echoing the script's output; its log files are written either way
    run: ScriptRun | None = None  # set once the script has ended
    deck: Path | None = None  # a local run's copy of the task's deck page, once the attempt succeeded with a report
    cpu_wait: float = 0.0  # seconds the attempt waited for its tier's CPUs before it started (flowjobs run)


AttemptHook = typing.Callable[[Attempt], typing.ContextManager[None]]
