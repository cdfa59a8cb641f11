"""Launch plans from config: scheduled runs of a workflow and who hears when they fail.

flows/launch_plans.yaml (or FLOWJOBS_LAUNCH_PLANS) names each launch plan's workflow, cron schedule, inputs
and notifications; `create_all()` turns them into Flyte LaunchPlans, registered with the flows.
"""

from __future__ import annotations

import importlib
import typing
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from flowjobs import config
from flowjobs.config import ConfigError
from flowjobs.settings import launch_plans_source

Phase = typing.Literal["FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED"]


class LaunchPlanError(ConfigError):
    """A launch plans file that does not validate, or names a workflow that does not exist."""


class Notify(BaseModel):
    model_config = ConfigDict(extra="forbid")
    when: list[Phase] = Field(min_length=1)
    email: list[str] = Field(default_factory=list)
    slack: list[str] = Field(default_factory=list)
    pagerduty: list[str] = Field(default_factory=list)

    @field_validator("email", "slack", "pagerduty")
    @classmethod
    def _addresses(cls, addresses: list[str]) -> list[str]:
        bad = [a for a in addresses if "@" not in a]
        if bad:
            raise ValueError(f"not an email address: {bad[0]!r}")
        return addresses


class LaunchPlanSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workflow: str = Field(pattern=r"^[\w.]+\.\w+$")
    schedule: str | None = None
    default_inputs: dict[str, typing.Any] = Field(default_factory=dict)
    active: bool = False
    notify: list[Notify] = Field(default_factory=list)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, schedule: str | None) -> str | None:
        if schedule is not None and len(schedule.split()) != 5 and not schedule.startswith("@"):
            raise ValueError(f"not a cron expression of five fields: {schedule!r}")
        return schedule


class LaunchPlanFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    launch_plans: dict[str, LaunchPlanSpec]


def load(path: Path | None = None) -> dict[str, LaunchPlanSpec]:
    source = path or launch_plans_source()
    if source is None:
        return {}
    return config.load(source, LaunchPlanFile, "launch plans file", LaunchPlanError, wrap="launch_plans").launch_plans


def _notifications(notify: list[Notify]) -> list:
    from flytekit import Email, PagerDuty, Slack, WorkflowExecutionPhase

    made = []
    for rule in notify:
        phases = [getattr(WorkflowExecutionPhase, phase) for phase in rule.when]
        for kind, recipients in ((Email, rule.email), (Slack, rule.slack), (PagerDuty, rule.pagerduty)):
            if recipients:
                made.append(kind(phases=phases, recipients_email=recipients))
    return made


def create_all(path: Path | None = None) -> dict[str, typing.Any]:
    """Every configured launch plan as a flytekit LaunchPlan, by name."""
    from flytekit import CronSchedule, LaunchPlan

    created = {}
    for name, spec in load(path).items():
        module_name, workflow_name = spec.workflow.rsplit(".", 1)
        try:
            workflow = getattr(importlib.import_module(module_name), workflow_name)
        except (ImportError, AttributeError) as err:
            raise LaunchPlanError(f"launch plan {name!r}: workflow {spec.workflow!r} not found ({err})") from None
        unknown = set(spec.default_inputs) - set(workflow.python_interface.inputs)
        if unknown:
            raise LaunchPlanError(f"launch plan {name!r}: {spec.workflow} has no input {sorted(unknown)[0]!r}")
        created[name] = LaunchPlan.get_or_create(
            workflow,
            name=name,
            default_inputs=spec.default_inputs or None,
            schedule=CronSchedule(schedule=spec.schedule) if spec.schedule else None,
            notifications=_notifications(spec.notify),
            auto_activate=spec.active,
        )
    return created
