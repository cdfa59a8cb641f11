"""Task environments: Domino's `environment_name` as a named container image, validated on load."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

ENV_ENVIRONMENTS = "FLOWJOBS_ENVIRONMENTS"


class EnvironmentConfigError(ValueError):
    """An environment name that is not defined, or an environments file that does not validate."""


class EnvironmentFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    environments: dict[str, str]

    @field_validator("environments")
    @classmethod
    def _images_are_named(cls, value: dict[str, str]) -> dict[str, str]:
        empty = [name for name, image in value.items() if not image.strip()]
        if empty:
            raise ValueError(f"environment {empty[0]!r} has no image")
        return value


def environments_file() -> Path:
    return Path(os.environ.get(ENV_ENVIRONMENTS) or Path(__file__).with_name("environments.yaml"))


@functools.cache
def _load(path: Path, mtime: float) -> dict[str, str]:
    try:
        return EnvironmentFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).environments
    except OSError as err:
        raise EnvironmentConfigError(f"environments file {path}: {err.strerror}") from None
    except yaml.YAMLError as err:
        raise EnvironmentConfigError(f"environments file {path}: not valid YAML ({err})") from None
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(map(str, first["loc"]))
        raise EnvironmentConfigError(f"environments file {path}: {key}: {first['msg']}") from None


def image_for(environment_name: str | None) -> str | None:
    """The image of a named environment; None (the default image) when no environment is named."""
    if environment_name is None:
        return None
    path = environments_file()
    environments = _load(path, path.stat().st_mtime if path.exists() else 0.0)
    if environment_name not in environments:
        raise EnvironmentConfigError(
            f"unknown environment {environment_name!r}; environments: {', '.join(environments)} (in {path})"
        )
    return environments[environment_name]
