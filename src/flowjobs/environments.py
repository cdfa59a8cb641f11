"""Task environments: what a job task's `environment_name` runs with, by name or by an id another platform gives it
(Domino's EnvironmentId), from the project config's `environments` (or FLOWJOBS_ENVIRONMENTS's file).

    [tool.flowjobs.environments]
    gpu = "{{.image.gpu.fqn}}:{{.image.gpu.version}}"      # an image only: a cluster's pod and --in-image run it

    [tool.flowjobs.environments."Plots Environment"]
    ids = ["6650c2e4b2f1"]                   # the same environment by the id a Domino flow names it by
    image = "registry.example.com/plots:1"   # its image (a cluster, --in-image); optional
    requirements = ["seaborn==0.13.2"]       # its packages on a local run; or requirements_file = "envs/plots.txt"

Locally a task whose environment lists requirements runs with that environment's own Python, built once from the
list (flowjobs/local_environments.py); an environment without requirements runs with the toolkit's own Python.
"""

from __future__ import annotations

import hashlib
import typing
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flowjobs import config
from flowjobs.config import ConfigError
from flowjobs.settings import environments_source, project_root


class EnvironmentConfigError(ConfigError):
    """An environment name that is not defined, or an environments file that does not validate."""


class Environment(BaseModel):
    """One environment: an image, a local Python environment's requirements, or both; and the ids it goes by."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    image: str | None = None
    requirements: tuple[str, ...] = ()
    requirements_file: str | None = None  # relative to the project root
    ids: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _runs_somewhere(self) -> Environment:
        if self.image is not None and not self.image.strip():
            raise ValueError("image is empty")
        if self.image is None and not self.requirements and self.requirements_file is None:
            raise ValueError("needs an image, requirements or a requirements_file")
        return self

    @property
    def local(self) -> bool:
        """Whether a local run builds a Python environment of its own for it."""
        return bool(self.requirements) or self.requirements_file is not None

    def requirement_lines(self) -> list[str]:
        """Its requirements: the list, then the file's lines (without comments and blank lines)."""
        lines = list(self.requirements)
        if self.requirements_file is not None:
            path = project_root() / self.requirements_file
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as err:
                raise EnvironmentConfigError(f"requirements_file {path}: {err.strerror or err}") from None
            lines += [line.split(" #")[0].strip() for line in text.splitlines()]
        return [line for line in lines if line and not line.startswith("#")]


class EnvironmentFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    environments: dict[str, Environment] = Field(default_factory=dict)

    @field_validator("environments", mode="before")
    @classmethod
    def _images_by_name(cls, value: typing.Any) -> typing.Any:
        """`name: image` is shorthand for `name: {image: image}`."""
        if not isinstance(value, dict):
            return value
        empty = [name for name, item in value.items() if isinstance(item, str) and not item.strip()]
        if empty:
            raise ValueError(f"environment {empty[0]!r} has no image")
        return {name: {"image": item} if isinstance(item, str) else item for name, item in value.items()}

    @model_validator(mode="after")
    def _ids_name_one_environment(self) -> EnvironmentFile:
        seen: dict[str, str] = {}
        for name, environment in self.environments.items():
            for known in environment.ids:
                if (known in self.environments and known != name) or seen.get(known, name) != name:
                    raise ValueError(f"id {known!r} of environment {name!r} names another environment too")
                seen[known] = name
        return self


def load_environments() -> dict[str, Environment]:
    source = environments_source()
    return config.load_cached(
        source, EnvironmentFile, "environments file", EnvironmentConfigError, "environments"
    ).environments


def named(environment: str | None) -> str | None:
    """The environment's name, given its name or one of its ids; None when none is named."""
    if environment is None:
        return None
    environments = load_environments()
    if environment in environments:
        return environment
    by_id = next((name for name, item in environments.items() if environment in item.ids), None)
    if by_id is None:
        raise EnvironmentConfigError(
            f"unknown environment {environment!r}; environments: {', '.join(environments)} (in {environments_source()})"
        )
    return by_id


def get(environment: str | None) -> Environment | None:
    name = named(environment)
    return None if name is None else load_environments()[name]


def image_for(environment: str | None) -> str | None:
    """The image of a named environment; None (the default image) when none is named or it has no image."""
    found = get(environment)
    return found.image if found is not None else None


def fingerprint(environment: str | None) -> str:
    """What a task's results depend on of its environment: its image and its requirements."""
    found = get(environment)
    if found is None:
        return ""
    lines = found.requirement_lines() if found.local else []
    packages = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12] if lines else ""
    return f"{found.image or ''}|{packages}"


def python_for(environment: str | None) -> Path | None:
    """The Python a local run of a task in `environment` uses: its own (built once) when it lists requirements,
    else None (the toolkit's own)."""
    found = get(environment)
    if found is None or not found.local:
        return None
    from flowjobs import local_environments

    return local_environments.python(named(environment), found.requirement_lines())
