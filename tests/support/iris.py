"""Small Iris CSVs for the task tests, made from the shipped partitions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.support.project import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"


def partition(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"dataset{name}.csv")


def write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path
