"""The project a command or a task works in: its root folder and its one config file.

The root is the user's project, never where the toolkit is installed. It is, in this order:
  1. the folder FLOWJOBS_PROJECT_ROOT names (a task's script and a pod get it this way);
  2. the project of the flow being run: `flowjobs run FILE` and a job task defined in a flow file make it the
     process's project, found from the file's folder upward like Flyte finds a flow's project (below);
  3. the project of the current folder, found the same way.
Found upward: the first folder holding `flowjobs.yaml`, `pyproject.toml` or `.git`; with none of them, the first
folder upward without an `__init__.py` (Flyte's rule for `pyflyte run`); the start folder itself at last.

The config has one home per project: `flowjobs.yaml` at the root, or the `[tool.flowjobs]` table of its
`pyproject.toml` (not both). Each section (hardware_tiers, environments, snapshots, domino, tracking_uri,
state_dir, launch_plans, commands) falls back to the toolkit's default when absent (flowjobs/config.py reads it).
"""

from __future__ import annotations

import contextlib
import functools
import os
import tomllib
import typing
from pathlib import Path

import yaml

from flowjobs.errors import ConfigError

ENV_PROJECT_ROOT = "FLOWJOBS_PROJECT_ROOT"
CONFIG_YAML = "flowjobs.yaml"
PYPROJECT = "pyproject.toml"
MARKERS = (CONFIG_YAML, PYPROJECT, ".git")
PYPROJECT_TABLE = ("tool", "flowjobs")
SECTIONS = (  # what the config may hold; a misspelt section is an error, not a silent default
    "hardware_tiers",
    "environments",
    "snapshots",
    "domino",
    "tracking_uri",
    "state_dir",
    "launch_plans",
    "commands",
    "work_retention_hours",  # how long an ended execution's work folders are kept (flowjobs/runner/space.py)
)

_flow_root: tuple[Path, Path] | None = None  # (root, the file it was found from): the flow being run


class ProjectConfigError(ConfigError):
    """A project config that cannot be read, or two of them; names the file and the root it belongs to."""


def find_root(start: Path) -> Path:
    """The project holding `start` (a file or a folder), found upward as the module's docstring says."""
    start = Path(start).resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in MARKERS):
            return candidate
    for candidate in (folder, *folder.parents):
        if not (candidate / "__init__.py").exists():
            return candidate
    return folder


def use_flow_file(flow_file: str | os.PathLike) -> Path:
    """Make the project of `flow_file` this process's project (the first flow wins); returns the root in use."""
    global _flow_root
    if _flow_root is None and not os.environ.get(ENV_PROJECT_ROOT):
        _flow_root = (find_root(Path(flow_file)), Path(flow_file).resolve())
    return root()


@contextlib.contextmanager
def of_flow(flow_file: str | os.PathLike) -> typing.Iterator[Path]:
    """While loading several flows in one process (`flowjobs port-domino`): each one's project in turn."""
    global _flow_root
    before = _flow_root
    _flow_root = (find_root(Path(flow_file)), Path(flow_file).resolve())
    try:
        yield root()
    finally:
        _flow_root = before


def root() -> Path:
    """The project root in use (see the module's docstring)."""
    if os.environ.get(ENV_PROJECT_ROOT):
        return Path(os.environ[ENV_PROJECT_ROOT]).resolve()
    if _flow_root is not None:
        return _flow_root[0]
    return find_root(Path.cwd())


def how_found() -> str:
    """Which root is in use and how to choose another, for errors that depend on it."""
    if os.environ.get(ENV_PROJECT_ROOT):
        return f"project root {root()} (from {ENV_PROJECT_ROOT})"
    if _flow_root is not None:
        return f"project root {root()} (found from {_flow_root[1]}; set {ENV_PROJECT_ROOT} to use another)"
    return f"project root {root()} (found from the current folder; set {ENV_PROJECT_ROOT} to use another)"


def config_file(project: Path | None = None) -> tuple[Path, tuple[str, ...]] | None:
    """The project's config file and the table in it that holds flowjobs's config; None when it has none."""
    project = project or root()
    yaml_file, pyproject = project / CONFIG_YAML, project / PYPROJECT
    in_pyproject = pyproject.is_file() and _pyproject_table(*_state(pyproject)) is not None
    if yaml_file.is_file() and in_pyproject:
        raise ProjectConfigError(
            f"project {project} has two configs, {yaml_file} and [tool.flowjobs] in {pyproject}; keep one"
        )
    if yaml_file.is_file():
        return yaml_file, ()
    return (pyproject, PYPROJECT_TABLE) if in_pyproject else None


def settings(project: Path | None = None) -> tuple[dict[str, typing.Any], Path | None, tuple[str, ...]]:
    """The project's config as a mapping of sections, with the file and table it came from ({} when none)."""
    found = config_file(project)
    if found is None:
        return {}, None, ()
    path, table = found
    data = (_pyproject_table(*_state(path)) if table else _yaml(*_state(path))) or {}
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        where = f"{path} [tool.flowjobs]" if table else str(path)
        raise ProjectConfigError(
            f"project config {where}: unknown section {unknown[0]!r}; sections: {', '.join(SECTIONS)}"
        )
    return data, path, table


def _state(path: Path) -> tuple[Path, float]:
    return path, path.stat().st_mtime


@functools.cache
def _pyproject_table(path: Path, mtime: float) -> dict | None:  # noqa: ARG001 (the cache's key)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ProjectConfigError(f"project config {path}: not valid TOML ({err})") from None
    for key in PYPROJECT_TABLE:
        data = data.get(key) if isinstance(data, dict) else None
    if data is not None and not isinstance(data, dict):
        raise ProjectConfigError(f"project config {path} [tool.flowjobs]: must be a table")
    return data


@functools.cache
def _yaml(path: Path, mtime: float) -> dict:  # noqa: ARG001 (the cache's key)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ProjectConfigError(f"project config {path}: {' '.join(str(err).split())}") from None
    if data is not None and not isinstance(data, dict):
        raise ProjectConfigError(f"project config {path}: must be a mapping of sections, got {type(data).__name__}")
    return data or {}
