"""One place for the project's paths and the settings read from the environment.

The project root is the folder holding helpers/, tasks/ and data/; inside a task container it is wherever the
image put the project. FLOWJOBS_PROJECT_ROOT overrides it. FLOWJOBS_MAX_DATA_MB caps the size of a data file a
task script reads (default 256 MB).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("FLOWJOBS_PROJECT_ROOT") or Path(__file__).resolve().parent.parent)
DATA_DIR = PROJECT_ROOT / "data"
MODELS_DIR = PROJECT_ROOT / "models"
TASKS_DIR = PROJECT_ROOT / "tasks"
ENV_MAX_DATA_MB = "FLOWJOBS_MAX_DATA_MB"
DEFAULT_MAX_DATA_MB = 256


ENV_STATE_DIR = "FLOWJOBS_STATE_DIR"
ENV_ENVIRONMENTS = "FLOWJOBS_ENVIRONMENTS"
ENV_LAUNCH_PLANS = "FLOWJOBS_LAUNCH_PLANS"


def config_file(variable: str, default: Path) -> Path:
    """A config file: the one the environment variable names, else the project's own. Every YAML file the project
    reads is found through here (an application's too: multitrain/model_specs.py)."""
    return Path(os.environ.get(variable) or default)


def hardware_tiers_file() -> Path:
    """helpers/hardware_tiers.yaml, or the file FLOWJOBS_HARDWARE_TIERS names."""
    return config_file("FLOWJOBS_HARDWARE_TIERS", Path(__file__).with_name("hardware_tiers.yaml"))


def snapshots_file() -> Path:
    """data/snapshots.yaml, or the catalog FLOWJOBS_SNAPSHOTS names."""
    return config_file("FLOWJOBS_SNAPSHOTS", DATA_DIR / "snapshots.yaml")


def environments_file() -> Path:
    """helpers/environments.yaml, or the file FLOWJOBS_ENVIRONMENTS names."""
    return config_file(ENV_ENVIRONMENTS, Path(__file__).with_name("environments.yaml"))


def launch_plans_file() -> Path:
    """flows/launch_plans.yaml, or the file FLOWJOBS_LAUNCH_PLANS names."""
    return config_file(ENV_LAUNCH_PLANS, PROJECT_ROOT / "flows" / "launch_plans.yaml")


def state_dir() -> Path:
    """Where local executions keep records, the cache, resume data and artifacts: $FLOWJOBS_STATE_DIR or
    <project>/.flowjobs."""
    return Path(os.environ.get(ENV_STATE_DIR) or PROJECT_ROOT / ".flowjobs")


def execution_dir(execution_id: str) -> Path:
    """One execution's folder under the state folder: its record, lease, kept logs and decks, resume data."""
    return state_dir() / "runs" / execution_id


def domino_project_file() -> Path:
    """helpers/domino/project.yaml (a Domino project's defaults, volumes, datasets), or the file
    FLOWJOBS_DOMINO_PROJECT names."""
    return config_file("FLOWJOBS_DOMINO_PROJECT", Path(__file__).parent / "domino" / "project.yaml")


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
