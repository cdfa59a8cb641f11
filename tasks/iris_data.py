"""The Iris data the task scripts share: its columns, its species, and reading a CSV with clear errors."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from flowjobs import reports
from flowjobs.settings import ENV_MAX_DATA_MB, max_data_bytes
from helpers.flows import ScriptInputError, handle_outputs

ID = "Id"
FEATURES = ["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm"]
NOISE = "RandomColumn"
TARGET = "Species"
SPECIES = ("Iris-setosa", "Iris-versicolor", "Iris-virginica")


class DataError(ScriptInputError):
    """Data that is missing, unreadable or breaks the schema; the message names the file, column or row."""


def check_size(path: Path, what: str = "data file") -> None:
    """Refuse a file above the size limit (flowjobs.settings.max_data_bytes) before reading any of it."""
    try:
        limit = max_data_bytes()
    except ValueError as err:
        raise DataError(str(err)) from None
    size = Path(path).stat().st_size
    if size > limit:
        raise DataError(
            f"{what} {path} is {size / 1e6:,.0f} MB, above the limit of {limit / 1e6:,.0f} MB ({ENV_MAX_DATA_MB})"
        )


def check_file(path: Path | str) -> Path:
    """A data file that exists, holds something and is within the size limit, before any of it is parsed."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {path} does not exist")
    if path.stat().st_size == 0:
        raise DataError(f"data file {path} is empty")
    check_size(path)
    return path


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV that must exist, be UTF-8, at most the size limit, and have rows and an Id column."""
    path = check_file(path)
    try:
        frame = pd.read_csv(path, encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(f"data file {path} is not UTF-8 text") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"data file {path} is empty") from None
    except pd.errors.ParserError as err:
        raise DataError(f"data file {path} is not a valid CSV: {str(err).strip()}") from None
    if ID not in frame.columns:
        raise DataError(f"data file {path} has no column {ID!r} (columns: {', '.join(map(str, frame.columns))})")
    if frame.empty:
        raise DataError(f"data file {path} has a header but no rows")
    return frame


def _row(frame: pd.DataFrame, index: object) -> str:
    return f"row {frame.index.get_loc(index) + 1} (Id {frame.at[index, ID]})"


def check_ids(frame: pd.DataFrame, path: Path | str = "data") -> None:
    """Every Id once: a row is known by its Id downstream (merge, predictions)."""
    duplicated = frame[ID].duplicated()
    if duplicated.any():
        raise DataError(f"{path}: column {ID!r}, {_row(frame, duplicated.idxmax())}: duplicate Id")


def require_species(frame: pd.DataFrame, path: Path | str, least: int, purpose: str) -> pd.DataFrame:
    """At least `least` rows of every species, which `purpose` (a split, cross-validation, metrics) needs."""
    counts = frame[TARGET].value_counts()
    for species in SPECIES:
        found = int(counts.get(species, 0))
        if found < least:
            raise DataError(f"{path}: {purpose} needs at least {least} rows of each species, {species!r} has {found}")
    return frame


def validate(frame: pd.DataFrame, path: Path | str = "data") -> pd.DataFrame:
    """Check the schema: every feature present and numeric, ids unique, every species known."""
    missing = [column for column in (ID, *FEATURES, TARGET) if column not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing column {missing[0]!r}")
    for column in FEATURES:
        numeric = pd.to_numeric(frame[column], errors="coerce")
        bad = numeric.isna()
        if bad.any():
            index = bad.idxmax()
            value = frame.at[index, column]
            what = "is missing" if pd.isna(value) else f"{value!r} is not a number"
            raise DataError(f"{path}: column {column!r}, {_row(frame, index)}: {what}")
        frame[column] = numeric.astype(float)
    check_ids(frame, path)
    unknown = ~frame[TARGET].isin(SPECIES)
    if unknown.any():
        index = unknown.idxmax()
        raise DataError(
            f"{path}: column {TARGET!r}, {_row(frame, index)}: unknown species {frame.at[index, TARGET]!r} "
            f"(known: {', '.join(SPECIES)})"
        )
    return frame


def process(frame: pd.DataFrame, source: Path | str = "data") -> pd.DataFrame:
    """The rows as the steps use them: the noise column dropped, checked, as Id, the four features, Species."""
    validated = validate(frame.drop(columns=[NOISE], errors="ignore"), source)
    return validated[[ID, *FEATURES, TARGET]]


def output_csv(name: str, frame: pd.DataFrame) -> None:
    """Write a frame as the CSV output `name` (`<name>.csv`), through the I/O contract."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"{name}.csv"
        frame.to_csv(path, index=False)
        handle_outputs({name: path})


def publish_summary(*labelled: tuple[pd.DataFrame, str]) -> None:
    """The data tasks' report, one deck "Data summary": per frame its rows, columns, nulls and class balance."""
    reports.publish("Data summary", "".join(reports.data_summary(frame, label, TARGET) for frame, label in labelled))
