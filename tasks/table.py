"""The user's table for the multi-train flow: read (CSV or Parquet), checked before any training, described.

A table is any classification set: a target column (strings, ints or bools; two classes or more) and feature
columns, numeric or categorical, with gaps. `describe` refuses, in one line naming the file and the column,
what no branch could train on (no such target, one class, a continuous target, an empty table, duplicate or
all-missing columns) and drops, with a warning, columns that carry no signal (ID-like, constant). What it
learns is a `TableSpec`: the target, the features and their kinds, the classes and the labels' type. The spec
travels through the flow as JSON beside the rows, so every step reads the rows the same way, and the served
model turns its rows into features the way training did (tasks/pyfunc_model.py's `coerce`).
"""

from __future__ import annotations

import csv
import json
import typing
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from tasks.iris_data import FEATURES, SPECIES, TARGET, DataError, check_file

PARQUET = (".parquet", ".pq")
MAX_CLASSES = 20  # more distinct numbers than this in the target: it is a quantity, not a class
ID_NAMES = ("id", "key", "uuid", "index")


@dataclass(frozen=True)
class TableSpec:
    """What the flow learned of the table: its name, target, features (categorical ones named), classes."""

    name: str
    target: str
    features: list[str]
    categorical: list[str]
    classes: list[str]  # the labels as text, sorted: the order of every model's probability columns
    label_type: str = "str"  # str | int | bool | float: the served model answers in the user's type

    @property
    def numeric(self) -> list[str]:
        return [column for column in self.features if column not in self.categorical]

    @property
    def prediction(self) -> str:
        """The served model's answer column: the target's name in lower case (Iris: `species`)."""
        return self.target.lower()

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, input_name: str = "table") -> TableSpec:
        try:
            return cls(**json.loads(text))
        except (TypeError, ValueError) as err:
            raise DataError(f"input {input_name!r}: not a table description ({err})") from None


IRIS = TableSpec("iris", TARGET, list(FEATURES), [], sorted(SPECIES))


def _header(path: Path) -> list[str]:
    """The CSV's column names as written (pandas renames a repeated name `x.1`)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle), [])


def read_table(path: Path) -> pd.DataFrame:
    """A CSV (UTF-8, commas) or Parquet file as a frame; DataError naming the file when it is not a table."""
    path = check_file(path)
    try:
        if path.suffix.lower() in PARQUET:
            import pyarrow.parquet as pq

            names = pq.read_schema(path).names
            frame = pd.read_parquet(path)
        else:
            names = _header(path)
            frame = pd.read_csv(path, encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(f"data file {path} is not a table: not UTF-8 text (CSV) nor Parquet") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"data file {path} is empty") from None
    except (pd.errors.ParserError, csv.Error) as err:
        raise DataError(f"data file {path} is not a valid CSV: {' '.join(str(err).split())}") from None
    except Exception as err:  # noqa: BLE001 (pyarrow's errors for a file that is not Parquet have no common base)
        raise DataError(f"data file {path} is not a readable Parquet file: {' '.join(str(err).split())}") from None
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(f"data file {path}: column {repeated[0]!r} appears more than once (column names must differ)")
    if len(frame.columns) < 2:
        raise DataError(
            f"data file {path} is not a table: one column {str(frame.columns[0])!r} (a CSV needs commas between "
            "a target and features)"
        )
    if frame.empty:
        raise DataError(f"data file {path} has a header but no rows")
    frame.columns = [str(name) for name in frame.columns]
    return frame


def shown(columns: typing.Iterable[str], most: int = 8) -> str:
    """Column names for a one-line message: the first `most`, then how many more."""
    names = [str(name) for name in columns]
    more = f", … {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def label_type(target: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(target):
        return "bool"
    if pd.api.types.is_integer_dtype(target):
        return "int"
    if pd.api.types.is_float_dtype(target):
        whole = target.dropna()
        return "int" if (whole == whole.round()).all() else "float"
    return "str"


def labels_as_text(target: pd.Series, kind: str) -> pd.Series:
    """The labels as the models learn them: text (`1`, not `1.0`, for whole numbers read as floats)."""
    if kind == "int":
        return target.astype("int64").astype(str)
    return target.astype(str)


def _looks_like_id(column: pd.Series, name: str) -> bool:
    """Unique on every row, and text or whole numbers named like a key: a row's name, not a feature."""
    if column.isna().any() or column.nunique() != len(column) or len(column) < 3:
        return False
    if pd.api.types.is_integer_dtype(column):
        return any(part in name.lower() for part in ID_NAMES) or bool((column.sort_values().diff().dropna() == 1).all())
    return not pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def describe(
    frame: pd.DataFrame, source: Path | str, target: str, id_columns: typing.Sequence[str] = (), name: str = "data"
) -> tuple[pd.DataFrame, TableSpec, list[str]]:
    """Check the table for classification; returns the rows kept (features then target, coerced; the frame's
    index), its spec and the warnings (columns and rows left out). DataError, one line naming `source` and the
    column, when it cannot be used."""
    from tasks.pyfunc_model import coerce

    if target not in frame.columns:
        raise DataError(f"{source}: no target column {target!r} (columns: {shown(frame.columns)})")
    for column in id_columns:
        if column not in frame.columns:
            raise DataError(f"{source}: no column {column!r} to drop as an ID (input 'id_columns')")
        if column == target:
            raise DataError(f"{source}: column {target!r} is the target, it cannot be an ID column too")
    empty = [column for column in frame.columns if frame[column].isna().all()]
    if empty:
        raise DataError(f"{source}: column {empty[0]!r} has no values (all missing); drop it or fill it")
    warnings, unlabelled = [], int(frame[target].isna().sum())
    if unlabelled:
        warnings.append(f"{source}: column {target!r}: {unlabelled} rows without a label are left out")
        frame = frame[frame[target].notna()]
    kind = label_type(frame[target])
    labels = labels_as_text(frame[target], kind) if kind != "float" else frame[target]
    distinct = labels.nunique()
    if distinct < 2:
        raise DataError(f"{source}: column {target!r} has one class only ({labels.iloc[0]!r}): nothing to classify")
    if kind == "float" or (kind == "int" and distinct > MAX_CLASSES):
        raise DataError(
            f"{source}: column {target!r} looks continuous ({distinct} distinct numbers): that is regression, "
            "which is not supported yet (classification only)"
        )
    dropped = list(id_columns)
    for column in frame.columns:
        if column == target or column in dropped:
            continue
        if frame[column].nunique(dropna=False) == 1:
            warnings.append(f"{source}: column {column!r} is constant; dropped")
            dropped.append(column)
        elif _looks_like_id(frame[column], column):
            warnings.append(f"{source}: column {column!r} looks like an ID (a different value on every row); dropped")
            dropped.append(column)
    features = [column for column in frame.columns if column != target and column not in dropped]
    if not features:
        raise DataError(f"{source}: no feature columns left besides the target {target!r}")
    categorical = [
        column
        for column in features
        if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column])
    ]
    spec = TableSpec(name, target, features, categorical, sorted(labels.unique()), kind)
    rows = coerce(frame[features], spec.numeric, spec.categorical)
    rows[target] = labels.to_numpy()
    return rows, spec, warnings


def read_rows(path: Path | str, spec: TableSpec, what: str = "data") -> pd.DataFrame:
    """Rows a step was handed (a CSV of tasks/prepare_data.py): categorical columns and labels as text."""
    path = check_file(path)
    text = {column: str for column in [*spec.categorical, spec.target]}
    try:
        frame = pd.read_csv(path, encoding="utf-8", dtype=text)
    except UnicodeDecodeError:
        raise DataError(f"data file {path} is not UTF-8 text") from None
    except (ValueError, pd.errors.ParserError) as err:
        raise DataError(f"data file {path} is not a valid CSV: {' '.join(str(err).split())}") from None
    if frame.empty:
        raise DataError(f"data file {path} has a header but no rows")
    missing = [column for column in [*spec.features, spec.target] if column not in frame.columns]
    if missing:
        raise DataError(f"{what} {path}: missing column {missing[0]!r}")
    from tasks.pyfunc_model import coerce

    rows = coerce(frame[spec.features], spec.numeric, spec.categorical)
    rows[spec.target] = frame[spec.target].astype(str).to_numpy()
    unknown = ~rows[spec.target].isin(spec.classes)
    if unknown.any():
        raise DataError(f"{what} {path}: column {spec.target!r}: unknown class {rows[spec.target][unknown].iloc[0]!r}")
    return rows


def require_classes(frame: pd.DataFrame, spec: TableSpec, source: Path | str, least: int, purpose: str) -> None:
    """At least `least` rows of every class, which `purpose` (cross-validation, the held-out metrics) needs."""
    counts = frame[spec.target].value_counts()
    for label in spec.classes:
        found = int(counts.get(label, 0))
        if found < least:
            raise DataError(
                f"{source}: column {spec.target!r}: class {label!r} has {found} rows, {purpose} needs at least {least}"
            )
