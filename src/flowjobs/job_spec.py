"""What a job task is and what one attempt of it is, as data: the bottom of the job task's modules.

`JobSpec` is built once, when the flow is defined (flowjobs/jobs.py), and travels as JSON in the container's loader
args; it carries the hardware tier resolved at that moment, so a pod runs with the tier the task was registered
with, not with whatever a tiers file says there. `Attempt` is one run of the job's script as the attempt hooks
see it (flowjobs/job_runtime.py runs it; flowjobs/records.py and the local runner watch it).
"""

from __future__ import annotations

import sys
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from flowjobs import tiers
from flowjobs.script_process import ScriptRun

EARLIER_PLUGIN_FIELDS = {"domino": "domino"}  # a field of earlier specs -> the plugin whose settings it held


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
    plugin: str | None = None  # a job plugin's task (flowjobs/job_plugins.py): its name, e.g. "domino"
    plugin_settings: dict[str, typing.Any] | None = None  # what that plugin needs of this task, its own to validate

    @model_validator(mode="before")
    @classmethod
    def _earlier_plugin_fields(cls, data: typing.Any) -> typing.Any:
        """A spec written before its plugin's settings moved under `plugin_settings` (cache entries, records)."""
        if isinstance(data, dict):
            for field, plugin in EARLIER_PLUGIN_FIELDS.items():
                if field in data:
                    earlier = data[field]
                    data = {key: value for key, value in data.items() if key != field}
                    if earlier is not None:
                        data.update(plugin=plugin, plugin_settings=earlier)
        return data

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
    python: str = sys.executable  # the interpreter `python` in its command means: its environment's own, if any
    started_ahead: bool = False  # its script was started before its turn, its imports loaded (flowjobs run)


AttemptHook = typing.Callable[[Attempt], typing.ContextManager[None]]
