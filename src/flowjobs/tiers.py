"""Hardware tiers: named CPU/memory/GPU sizes, validated on load.

A tier becomes a task's Flyte requests and limits on a cluster; on a local run it becomes the CPU budget the
task holds and the thread counts its script's libraries use.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flowjobs import config
from flowjobs.config import ConfigError
from flowjobs.settings import hardware_tiers_source

ENV_TIER = "FLOWJOBS_TIER"
ENV_CPUS = "FLOWJOBS_CPUS"
ENV_MEMORY_MB = "FLOWJOBS_MEMORY_MB"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")

_CPU = re.compile(r"^(\d+(\.\d+)?)(m?)$")
_MEMORY = re.compile(r"^(\d+(\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$")
_MEMORY_FACTORS_MB = {
    None: 1 / 2**20,
    "Ki": 1 / 1024,
    "Mi": 1,
    "Gi": 1024,
    "Ti": 1024**2,
    "K": 1e3 / 2**20,
    "M": 1e6 / 2**20,
    "G": 1e9 / 2**20,
    "T": 1e12 / 2**20,
}


class TierError(ConfigError):
    """A tier that does not exist or a tiers file that does not validate."""


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, not the host's count: a container or `taskset` limits it)."""
    return len(os.sched_getaffinity(0))


def cpu_cores(quantity: str) -> float:
    match = _CPU.match(str(quantity))
    if not match:
        raise ValueError(f"not a CPU quantity: {quantity!r} (e.g. 2, 0.5, 500m)")
    value = float(match.group(1))
    return value / 1000 if match.group(3) else value


def memory_mb(quantity: str) -> float:
    match = _MEMORY.match(str(quantity))
    if not match:
        raise ValueError(f"not a memory quantity: {quantity!r} (e.g. 512Mi, 2Gi)")
    return float(match.group(1)) * _MEMORY_FACTORS_MB[match.group(3)]


class RequestLimit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    request: str
    limit: str

    @field_validator("request", "limit", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> str:
        return str(value)


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = ""
    cpu: RequestLimit
    memory: RequestLimit
    gpu: int = Field(default=0, ge=0)
    accelerator: str | None = None
    pod_template: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Tier:
        for what, parse in (("cpu", cpu_cores), ("memory", memory_mb)):
            pair: RequestLimit = getattr(self, what)
            request, limit = parse(pair.request), parse(pair.limit)
            if request <= 0:
                raise ValueError(f"{what}.request must be positive")
            if request > limit:
                raise ValueError(f"{what}.request {pair.request} exceeds {what}.limit {pair.limit}")
        if self.gpu and not self.accelerator:
            raise ValueError("a tier with gpu > 0 must name its accelerator")
        return self

    @property
    def cpu_limit(self) -> float:
        return cpu_cores(self.cpu.limit)

    @property
    def memory_limit_mb(self) -> int:
        return int(memory_mb(self.memory.limit))

    def local_cpus(self, machine_cpus: int | None = None) -> int:
        """Whole CPUs the task may use here: its limit, capped at what the machine has."""
        available = machine_cpus or available_cpus()
        return max(1, min(available, math.floor(self.cpu_limit)))

    def script_env(self) -> dict[str, str]:
        """Variables that size a script's thread pools (BLAS, OpenMP, scikit-learn, XGBoost, H2O) to the tier."""
        cpus = str(self.local_cpus())
        return {
            ENV_TIER: self.name,
            ENV_CPUS: cpus,
            ENV_MEMORY_MB: str(self.memory_limit_mb),
            **{variable: cpus for variable in THREAD_VARIABLES},
        }


class TierFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tiers: dict[str, Tier] = Field(min_length=1)


def load_tiers(path: Path | None = None) -> dict[str, Tier]:
    """The project's hardware tiers (flowjobs/settings.py says where they come from), or those of `path`."""
    source = path or hardware_tiers_source()
    parsed = config.load_cached(source, TierFile, "hardware tiers file", TierError, wrap="tiers")
    return {name: tier.model_copy(update={"name": name}) for name, tier in parsed.tiers.items()}


def get_tier(name: str, path: Path | None = None) -> Tier:
    tiers = load_tiers(path)
    if name not in tiers:
        raise TierError(f"unknown hardware tier {name!r}; valid tiers: {', '.join(tiers)}")
    return tiers[name]


def script_cpus() -> int:
    """The CPUs a script may use: its tier's budget inside a flow, the machine's CPUs when run alone."""
    return int(os.environ.get(ENV_CPUS) or available_cpus())


def script_memory_mb() -> int | None:
    """The memory limit of the script's tier in MB inside a flow; None when run alone."""
    value = os.environ.get(ENV_MEMORY_MB)
    return int(value) if value else None


def flyte_resources(tier: Tier) -> dict:
    """The tier as flytekit task arguments: requests, limits, the accelerator of GPU tiers and the name of the
    cluster's PodTemplate that places the tier on its node pool."""
    from flytekit import Resources
    from flytekit.extras.accelerators import GPUAccelerator

    gpu = str(tier.gpu) if tier.gpu else None
    return {
        "requests": Resources(cpu=tier.cpu.request, mem=tier.memory.request, gpu=gpu),
        "limits": Resources(cpu=tier.cpu.limit, mem=tier.memory.limit, gpu=gpu),
        "accelerator": GPUAccelerator(tier.accelerator) if tier.gpu else None,
        "pod_template_name": tier.pod_template,
    }
