"""Task environments: Domino's `environment_name` as a named container image, validated on load."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

from flowjobs import config
from flowjobs.config import ConfigError
from flowjobs.settings import environments_source


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


def load_environments() -> dict[str, str]:
    source = environments_source()
    return config.load_cached(
        source, EnvironmentFile, "environments file", EnvironmentConfigError, "environments"
    ).environments


def image_for(environment_name: str | None) -> str | None:
    """The image of a named environment; None (the default image) when no environment is named."""
    if environment_name is None:
        return None
    path = environments_source()
    environments = load_environments()
    if environment_name not in environments:
        raise EnvironmentConfigError(
            f"unknown environment {environment_name!r}; environments: {', '.join(environments)} (in {path})"
        )
    return environments[environment_name]
