"""Reading and validating Iris CSVs: each bad file is an error naming the file, column or row."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.iris_data import DataError, read_csv, validate
from tests.support.iris import partition, write


def test_a_partition_reads_and_validates() -> None:
    frame = validate(read_csv(Path("data/datasetA.csv").resolve()))
    assert len(frame) == 39 and frame["SepalLengthCm"].dtype == float


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, r"data file .*missing.csv does not exist"),
        (b"", r"data file .*bad.csv is empty"),
        (b"\n\n", r"data file .*bad.csv is empty"),
        (b"Id,Species\n", r"has a header but no rows"),
        (b"Name,Species\n1,x\n", r"has no column 'Id' \(columns: Name, Species\)"),
        (b"Id,Species\n1,\xff\xfe\n", r"is not UTF-8 text"),
        (b'Id,Species\n1,"unterminated\n', r"is not a valid CSV"),
    ],
)
def test_a_bad_file_is_an_error_naming_it(tmp_path: Path, content: bytes | None, expected: str) -> None:
    path = tmp_path / ("missing.csv" if content is None else "bad.csv")
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=expected):
        read_csv(path)


def test_a_non_numeric_feature_names_column_and_row(tmp_path: Path) -> None:
    frame = partition("A")
    frame["PetalWidthCm"] = frame["PetalWidthCm"].astype(object)
    frame.loc[3, "PetalWidthCm"] = "wide"
    with pytest.raises(
        DataError, match=rf"column 'PetalWidthCm', row 4 \(Id {frame.loc[3, 'Id']}\): 'wide' is not a number"
    ):
        validate(frame, "x.csv")


def test_missing_values_are_not_numbers(tmp_path: Path) -> None:
    frame = read_csv(
        write(partition("A").assign(SepalWidthCm=lambda f: f["SepalWidthCm"].where(f.index != 0)), tmp_path / "nan.csv")
    )
    with pytest.raises(DataError, match=r"column 'SepalWidthCm', row 1 \(Id 6\): is missing"):
        validate(frame)


def test_an_unknown_species_names_column_and_row() -> None:
    frame = partition("B")
    frame.loc[0, "Species"] = "Iris-unknown"
    with pytest.raises(DataError, match=r"column 'Species', row 1 .*unknown species 'Iris-unknown'"):
        validate(frame)


def test_a_missing_column_and_duplicate_ids_are_named() -> None:
    with pytest.raises(DataError, match=r"missing column 'PetalLengthCm'"):
        validate(partition("A").drop(columns=["PetalLengthCm"]))
    frame = partition("A")
    frame.loc[1, "Id"] = frame.loc[0, "Id"]
    with pytest.raises(DataError, match=r"column 'Id', row 2 .*duplicate Id"):
        validate(frame)
