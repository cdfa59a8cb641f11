"""One place for the project's paths and the settings read from the environment.

The project root is the folder holding helpers/, tasks/ and data/; inside a task container it is wherever the
image put the project. FLOWJOBS_PROJECT_ROOT overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("FLOWJOBS_PROJECT_ROOT") or Path(__file__).resolve().parent.parent)
DATA_DIR = PROJECT_ROOT / "data"
MODELS_DIR = PROJECT_ROOT / "models"
TASKS_DIR = PROJECT_ROOT / "tasks"


def hardware_tiers_file() -> Path:
    """helpers/hardware_tiers.yaml, or the file FLOWJOBS_HARDWARE_TIERS names."""
    return Path(os.environ.get("FLOWJOBS_HARDWARE_TIERS") or Path(__file__).with_name("hardware_tiers.yaml"))


def snapshots_file() -> Path:
    """data/snapshots.yaml, or the catalog FLOWJOBS_SNAPSHOTS names."""
    return Path(os.environ.get("FLOWJOBS_SNAPSHOTS") or DATA_DIR / "snapshots.yaml")
