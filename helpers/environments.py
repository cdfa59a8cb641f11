"""Task environments: Domino's `environment_name` as a named container image, validated on load."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from helpers import config
from helpers.config import ConfigError
from helpers.settings import environments_file


class EnvironmentConfigError(ConfigError):
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


@functools.cache
def _load(path: Path, mtime: float) -> dict[str, str]:
    return config.load(path, EnvironmentFile, "environments file", EnvironmentConfigError).environments


def image_for(environment_name: str | None) -> str | None:
    """The image of a named environment; None (the default image) when no environment is named."""
    if environment_name is None:
        return None
    path = environments_file()
    environments = _load(*config.file_state(path))
    if environment_name not in environments:
        raise EnvironmentConfigError(
            f"unknown environment {environment_name!r}; environments: {', '.join(environments)} (in {path})"
        )
    return environments[environment_name]
