"""Config: YAML or a project's config table validated into typed objects, with one-line errors that name the file
and the key.

A section of config (the hardware tiers, the environments, …) comes from one `Source`, looked for in this order
(flowjobs/settings.py): the file an environment variable names, the project's config (flowjobs/project.py), the
toolkit's default. Files an environment variable names keep the shape of the toolkit's default files (a `tiers:`
mapping, …); in the project's config a section holds the mapping itself (`[tool.flowjobs.hardware_tiers.Small]`).
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from flowjobs.errors import ConfigError

Model = typing.TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Source:
    """One section of config: a whole file, or a table of the project's config file (`table`: the keys to it)."""

    path: Path
    table: tuple[str, ...] = ()
    value: typing.Any = None  # a table's value, already read with the project's config

    def __str__(self) -> str:
        if not self.table:
            return str(self.path)
        keys = ".".join(self.table)
        return f"{self.path} [{keys}]" if self.path.suffix == ".toml" else f"{self.path} ({keys})"


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


def load(
    source: Source | Path, model: type[Model], what: str, error: type[ConfigError] = ConfigError, wrap: str = ""
) -> Model:
    """`source` validated into `model`; `error(f"{what} {source}: {reason}")` when it cannot be (`what` names the
    file: "hardware tiers file"; a table is named without " file"). A project table is first put under `wrap`, the
    key the model's files hold it under."""
    source = source if isinstance(source, Source) else Source(Path(source))
    try:
        if source.table:
            data = {wrap: source.value} if wrap else source.value
        else:
            data = _read_yaml(*file_state(source.path))
        return model.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as err:
        why = reason(err)
        if source.table:  # named as the table holds it: `Small.cpu`, not `tiers.Small.cpu`
            what, why = what.removesuffix(" file"), why.removeprefix(f"{wrap}.") if wrap else why
        raise error(f"{what} {source}: {why}") from None


_LOADED: dict[tuple, typing.Any] = {}


def load_cached(
    source: Source | Path, model: type[Model], what: str, error: type[ConfigError] = ConfigError, wrap: str = ""
) -> Model:
    """`load`, kept while the file it reads stays the same (its path, modification time and table)."""
    source = source if isinstance(source, Source) else Source(Path(source))
    key = (model, *file_state(source.path), source.table)
    if key not in _LOADED:
        _LOADED[key] = load(source, model, what, error, wrap)
    return _LOADED[key]


@functools.lru_cache(maxsize=64)
def _read_yaml(path: Path, mtime: float) -> typing.Any:  # noqa: ARG001 (the cache's key)
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def file_state(path: Path) -> tuple[Path, float]:
    """A cache key that changes when the file does (its modification time; 0 when it does not exist)."""
    path = Path(path)
    return path, path.stat().st_mtime if path.exists() else 0.0
