"""Job plugins: what a kind of job task adds to a plain one, behind extension points the job core calls by name.

A job task's spec may name a plugin (`JobSpec.plugin`) with its settings (`JobSpec.plugin_settings`, the plugin's
own to validate). The job core never names a plugin: it looks the spec's plugin up here and calls its hooks —
  host_command    when the flow is defined: the command as this machine has it, for the check that its script exists
  prepare         before the script starts: its argv, working folder and environment (a view of the attempt's folders)
  collect         after the script ended: what it wrote outside the attempt's outputs folder, brought in
  publish         after its outputs were read: what the plugin keeps of them (Domino's artifacts)
  publish_reused  a node whose outputs `flowjobs run` took from its cache or a resumed run, published the same way
  sections        rows the plugin adds below an execution's tasks (`flowjobs status`, the parent run's page)

Plugins register themselves like the command's subcommands do: an entry point of the group `flowjobs.job_plugins`
naming a `JobPlugin` instance (the toolkit's own: `domino = "flowjobs.domino.plugin:PLUGIN"`). A second plugin
uses the same points.
"""

from __future__ import annotations

import functools
import importlib.metadata
import typing
from dataclasses import dataclass, field
from pathlib import Path

if typing.TYPE_CHECKING:
    from flowjobs.job_spec import Attempt, JobSpec
    from flowjobs.records import ExecutionRecord

GROUP = "flowjobs.job_plugins"


class JobPluginError(ValueError):
    """A spec names a plugin that is not installed here."""


@dataclass
class Section:
    """Rows a plugin shows below an execution's tasks: a title and rows of column -> text (`widths`: the terminal's
    column widths, adding up to 80 with the borders)."""

    title: str
    rows: list[dict[str, str]]
    widths: dict[str, int] = field(default_factory=dict)


class JobPlugin:
    """The hooks, each doing nothing: a plugin overrides those it needs."""

    name = ""

    def host_command(self, command: str) -> str:
        return command

    def prepare(
        self, attempt: Attempt, env: dict[str, str], inputs: Path, outputs: Path
    ) -> tuple[list[str], Path, dict[str, str]] | None:
        """The script's argv, working folder and environment; None keeps the job task's own."""
        return None

    def collect(self, attempt: Attempt, outputs: Path) -> None:
        return None

    def publish(self, attempt: Attempt, results: dict[str, typing.Any]) -> None:
        return None

    def publish_reused(self, spec: JobSpec, outputs: typing.Any) -> None:
        return None

    def sections(self, record: ExecutionRecord) -> list[Section]:
        return []


@functools.cache
def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {entry.name: entry for entry in importlib.metadata.entry_points(group=GROUP)}


@functools.cache
def get(name: str) -> JobPlugin:
    """The plugin registered under `name`, loaded on first use."""
    entry = _entry_points().get(name)
    if entry is None:
        known = ", ".join(sorted(_entry_points())) or "none"
        raise JobPluginError(f"job plugin {name!r} is not installed here (installed: {known})")
    return entry.load()


def of(spec: JobSpec) -> JobPlugin | None:
    """The plugin a task's spec names, or None for a plain job task."""
    return get(spec.plugin) if spec.plugin else None


def installed() -> list[JobPlugin]:
    return [get(name) for name in sorted(_entry_points())]
