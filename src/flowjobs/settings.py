"""One place for the project's paths and where each section of its config comes from.

Paths are the project's (flowjobs/project.py finds its root from the flow being run or the current folder), never
the toolkit's. Each section of config comes from, in this order: the file its environment variable names, the
project's config (`flowjobs.yaml` or `[tool.flowjobs]` in `pyproject.toml`), the toolkit's default.
FLOWJOBS_MAX_DATA_MB caps the size of a data file a task script reads (default 256 MB).
"""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path

from flowjobs import project
from flowjobs.config import Source

ENV_MAX_DATA_MB = "FLOWJOBS_MAX_DATA_MB"
DEFAULT_MAX_DATA_MB = 256
ENV_STATE_DIR = "FLOWJOBS_STATE_DIR"
ENV_HARDWARE_TIERS = "FLOWJOBS_HARDWARE_TIERS"
ENV_SNAPSHOTS = "FLOWJOBS_SNAPSHOTS"
ENV_ENVIRONMENTS = "FLOWJOBS_ENVIRONMENTS"
ENV_LAUNCH_PLANS = "FLOWJOBS_LAUNCH_PLANS"
ENV_DOMINO_PROJECT = "FLOWJOBS_DOMINO_PROJECT"
ENV_WORK_RETENTION = "FLOWJOBS_WORK_RETENTION_HOURS"
WORK_RETENTION = "work_retention_hours"
DEFAULTS = Path(__file__).parent  # the toolkit's default config files


def project_root() -> Path:
    return project.root()


def source(section: str, variable: str, default: Path | None) -> Source | None:
    """Where `section` comes from: the file `variable` names, the project's config, the toolkit's default file
    (None: the toolkit's built-in default)."""
    if os.environ.get(variable):
        return Source(Path(os.environ[variable]))
    settings, path, table = project.settings()
    if path is not None and section in settings:
        return Source(path, (*table, section), settings[section])
    return Source(default) if default is not None else None


def setting(section: str) -> object | None:
    """A plain value of the project's config (tracking_uri, state_dir, commands), or None when it has none."""
    return project.settings()[0].get(section)


def hardware_tiers_source() -> Source:
    return source("hardware_tiers", ENV_HARDWARE_TIERS, DEFAULTS / "hardware_tiers.yaml")


def snapshots_source() -> Source | None:
    """The snapshot catalog: a file's entries are relative to its folder, the project config's to <root>/data."""
    return source("snapshots", ENV_SNAPSHOTS, None)


def snapshots_folder(catalog: Source) -> Path:
    return project.root() / "data" if catalog.table else catalog.path.parent


def environments_source() -> Source:
    return source("environments", ENV_ENVIRONMENTS, DEFAULTS / "environments.yaml")


def launch_plans_source() -> Source | None:
    return source("launch_plans", ENV_LAUNCH_PLANS, None)


def domino_project_source() -> Source | None:
    return source("domino", ENV_DOMINO_PROJECT, None)


def state_dir() -> Path:
    """Where local executions keep records, the cache, resume data and artifacts: $FLOWJOBS_STATE_DIR, the
    config's `state_dir` (relative to the project root), or <project>/.flowjobs."""
    configured = os.environ.get(ENV_STATE_DIR) or setting("state_dir") or ".flowjobs"
    return project.root() / str(configured)


def executions_state() -> list[Path]:
    """What executions keep of their own under the state folder (records, logs, results, the cache), resolved:
    hidden from a confined script (flowjobs/confinement.py); exported datasets stay where a task may write them."""
    root = state_dir().resolve()
    return [root / "runs", root / "cache"]


def execution_dir(execution_id: str) -> Path:
    """One execution's folder under the state folder: its record, lease, kept logs and decks, resume data."""
    return state_dir() / "runs" / execution_id


def max_data_bytes() -> int:
    """The largest data file a task script reads, in bytes: FLOWJOBS_MAX_DATA_MB megabytes (10^6 bytes), default
    256. A bigger file is refused before it is read, so a wrong path (a disk image, a dump) fails at once instead of
    filling the memory; Iris partitions are a few kB, the benchmark's million-row partitions about 20 MB."""
    text = os.environ.get(ENV_MAX_DATA_MB) or str(DEFAULT_MAX_DATA_MB)
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = 0.0
    if not megabytes > 0:
        raise ValueError(f"{ENV_MAX_DATA_MB} must be a positive number of megabytes, got {text!r}")
    return int(megabytes * 1_000_000)


def work_retention_hours() -> float:
    """How long an ended execution's work folders are kept: $FLOWJOBS_WORK_RETENTION_HOURS, the config's
    `work_retention_hours`, default 0 (flowjobs/runner/space.py gives them back). ValueError when not a number of
    hours, 0 or more."""
    value: object = os.environ.get(ENV_WORK_RETENTION) or setting(WORK_RETENTION)
    where = ENV_WORK_RETENTION if os.environ.get(ENV_WORK_RETENTION) else place(WORK_RETENTION, None)
    if value is None:
        return 0.0
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where}: `{WORK_RETENTION}` must be a number of hours, 0 or more, got {value!r}")
    return float(value)


def place(section: str, found: Source | None) -> str:
    """Where a section is (`found`), or where the project would write it, for messages and titles."""
    if found is not None:
        return str(found)
    config = project.config_file()
    if config is None:
        return f"{project.root() / 'pyproject.toml'} [tool.flowjobs.{section}]"
    path, table = config
    return f"{path} [{'.'.join((*table, section))}]" if table else f"{path} ({section})"


def editable_place(section: str, variable: str) -> str:
    """Where to add to a section the toolkit gives defaults for: the file its variable names, else the project's
    config (never the toolkit's own default file)."""
    return os.environ.get(variable) or place(section, source(section, variable, None))


def hardware_tiers_place() -> str:
    return editable_place("hardware_tiers", ENV_HARDWARE_TIERS)


def environments_place() -> str:
    return editable_place("environments", ENV_ENVIRONMENTS)


def snapshots_place() -> str:
    return place("snapshots", snapshots_source())


def domino_place() -> str:
    return place("domino", domino_project_source())
