"""The Iris partitions: disjoint, complete, stratified, and exactly what the generating script makes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.support.project import PROJECT_ROOT, run

DATA = PROJECT_ROOT / "data"
COLUMNS = ["Id", "SepalLengthCm", "SepalWidthCm", "RandomColumn", "PetalLengthCm", "PetalWidthCm", "Species"]


def partitions() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(DATA / f"dataset{name}.csv") for name in "ABCD"}


def test_partitions_are_disjoint_and_complete() -> None:
    ids = [set(frame["Id"]) for frame in partitions().values()]
    assert sum(len(i) for i in ids) == 150
    assert set().union(*ids) == set(range(1, 151))


def test_every_partition_holds_every_species_and_the_columns() -> None:
    for frame in partitions().values():
        assert list(frame.columns) == COLUMNS
        assert frame["Species"].value_counts().to_dict().keys() == {"Iris-setosa", "Iris-versicolor", "Iris-virginica"}
        assert frame["RandomColumn"].between(0, 1).all()


def test_the_generating_script_reproduces_the_files(tmp_path: Path, python: str) -> None:
    result = run([python, str(DATA / "make_iris_partitions.py"), "--out-dir", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in "ABCD":
        assert (tmp_path / f"dataset{name}.csv").read_bytes() == (DATA / f"dataset{name}.csv").read_bytes()
