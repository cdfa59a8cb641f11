"""Config files: YAML validated into typed objects, with one-line errors that name the file and the key."""

from __future__ import annotations

import typing
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from helpers.errors import ConfigError

Model = typing.TypeVar("Model", bound=BaseModel)


def reason(err: Exception) -> str:
    """One line: `tiers.S.cpu: … (got 'x')`, a YAML error, or the OS error."""
    if isinstance(err, yaml.YAMLError):
        return f"not valid YAML ({' '.join(str(err).split())})"
    if not isinstance(err, ValidationError):
        return getattr(err, "strerror", None) or str(err)
    error = err.errors()[0]
    key = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    got = "" if isinstance(error["input"], dict | list) or error["type"] == "missing" else f" (got {error['input']!r})"
    return f"{key}: {message}{got}" if key else message


def load(path: Path, model: type[Model], what: str, error: type[ConfigError] = ConfigError) -> Model:
    """Read `path` as YAML into `model`; `error(f"{what} {path}: {reason}")` when it cannot."""
    try:
        return model.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as err:
        raise error(f"{what} {path}: {reason(err)}") from None


def file_state(path: Path) -> tuple[Path, float]:
    """A cache key that changes when the file does (its modification time; 0 when it does not exist)."""
    path = Path(path)
    return path, path.stat().st_mtime if path.exists() else 0.0
