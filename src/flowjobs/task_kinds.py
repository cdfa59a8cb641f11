"""Task kinds: what the local runner and the DAG pictures need to know of a task, looked up in one registry.

A task type registers one `TaskKind` when its module is imported (the job task's: flowjobs/jobs.py); every
other task is PLAIN, a Python function flytekit runs. The runner and the pictures ask `kind_of(task)` and never
test a task's class, so a new task type is one registration saying what it provides:
  tier            the hardware tier whose CPUs it holds while it runs (None: a plain task's one CPU)
  version_parts   what its cached or resumed results depend on besides its name and cache version (its code)
  reports_own_attempts   its attempts record themselves (the runner marks a plain task running and done)
  runs_python     its own Python code runs in the runner's processes (a worker or a thread), not a subprocess
  runs_in_image   `flowjobs run --in-image` runs it in its environment's image
  tracked         its MLflow runs belong to the execution that made them, so a resumed run never reuses it
  reused          called when `flowjobs run` takes its outputs from the cache or a resumed run
  drawing         how a DAG picture shows it (None: as a plain task)
"""

from __future__ import annotations

import contextlib
import inspect
import typing
from dataclasses import dataclass, field


@dataclass
class Drawing:
    """What a DAG picture shows of a task besides its name (the picture formats it like a plain task's)."""

    node_kind: str  # the node's style in the picture ("job")
    type_label: str  # what the details panel calls its type
    tier: typing.Any = None  # its hardware tier (flowjobs.tiers.Tier)
    command: str = ""
    script: typing.Any = None  # the script the command runs (a Path), if any
    cache: bool = False
    cache_version: str = ""  # the version the flow gave (the hash the task adds is left out of pictures)
    retries: int = 0
    timeout_seconds: float | None = None
    more: dict[str, str] = field(default_factory=dict)  # further rows of the details panel
    inputs: dict[str, str] = field(default_factory=dict)  # name -> type token
    outputs: dict[str, str] = field(default_factory=dict)


def _function_source(task: typing.Any) -> tuple[str, ...]:
    function = getattr(task, "task_function", None)
    if callable(function):
        with contextlib.suppress(OSError, TypeError):
            return (inspect.getsource(function),)
    return ()


@dataclass(frozen=True)
class TaskKind:
    name: str
    matches: typing.Callable[[typing.Any], bool]
    tier: typing.Callable[[typing.Any], str | None] = lambda task: None
    version_parts: typing.Callable[[typing.Any], tuple[str, ...]] = _function_source
    reports_own_attempts: bool = False
    runs_python: bool = True
    runs_in_image: bool = False
    tracked: typing.Callable[[typing.Any], bool] = lambda task: False
    reused: typing.Callable[[typing.Any, typing.Any], None] = lambda task, outputs: None
    drawing: typing.Callable[[typing.Any], Drawing] | None = None


PLAIN = TaskKind("plain", matches=lambda task: True)
_KINDS: list[TaskKind] = []


def register(kind: TaskKind) -> TaskKind:
    """Add a kind (once per name); kinds registered later are asked first."""
    _KINDS[:] = [kind, *(known for known in _KINDS if known.name != kind.name)]
    return kind


def kind_of(task: typing.Any) -> TaskKind:
    return next((kind for kind in _KINDS if kind.matches(task)), PLAIN)
