"""A user's table checked before anything trains: one line naming the file and the column, nothing recorded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tasks.prepare_data import split_table
from tasks.pyfunc_model import coerce, predictions
from tasks.table import DataError, TableSpec, describe, read_rows
from tests.support.multitrain import run_task
from tests.support.tables import CANCER_TARGET, CATEGORY, GAPS, bad_tables, cancer, cancer_frame, wine

# what prepare_data.py prints for each bad table, after "error: prepare_data.py: " ({file}: the table's path)
REFUSED = {
    "no_target.csv": "{file}: no target column 'outcome' (columns: patient id, mean radius, mean texture, mean "
    "perimeter, mean area, mean smoothness, mean compactness, mean concavity, … 26 more)",
    "one_class.csv": "{file}: column 'diagnosis' has one class only ('benign'): nothing to classify",
    "rare_class.csv": "{file}: column 'diagnosis': class 'unsure' has 3 rows, too few for the split (5-fold CV on "
    "the training rows and the held-out rows need at least 6)",
    "continuous.csv": "{file}: column 'mean area' looks continuous (539 distinct numbers): that is regression, which "
    "is not supported yet (classification only)",
    "empty_table.csv": "data file {file} has a header but no rows",
    "all_missing.csv": "{file}: column 'notes' has no values (all missing); drop it or fill it",
    "duplicate_columns.csv": "data file {file}: column 'mean radius' appears more than once (column names must differ)",
    "scan.png": "data file {file} is not a table: not UTF-8 text (CSV) nor Parquet",
    "not_parquet.parquet": "data file {file} is not a readable Parquet file: Parquet magic bytes not found in footer. "
    "Either the file is corrupted or this is not a parquet file.",
    "notes.txt": """data file {file} is not a table: one column "a new user's notes" (a CSV needs commas between a """
    "target and features)",
}


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return bad_tables(tmp_path_factory.mktemp("bad-tables"))


def test_every_bad_table_has_its_line(tables: dict[str, tuple[Path, str]]) -> None:
    assert set(REFUSED) == set(tables)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_bad_table_stops_prepare_data_with_one_line_and_nothing_recorded(
    name: str, tables: dict[str, tuple[Path, str]], tmp_path: Path
) -> None:
    path, target = tables[name]
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    flags = ["--data", str(path), "--target", target, "--output-dir", "p"]
    stopped = run_task("prepare_data", *flags, cwd=tmp_path, env=env)
    assert stopped.returncode == 1, stopped.stderr
    assert stopped.stderr.strip() == "error: prepare_data.py: " + REFUSED[name].format(file=path)
    assert not (tmp_path / "mlflow.db").exists(), "nothing is recorded, nothing registered"
    assert not [p for p in (tmp_path / "p").glob("*") if p.name != "reports"], "no output for the next step"


def test_id_like_and_constant_columns_are_dropped_with_a_warning() -> None:
    rows, spec, warnings = describe(cancer_frame(), "c.csv", CANCER_TARGET, name="c")
    assert warnings == [
        "c.csv: column 'patient id' looks like an ID (a different value on every row); dropped",
        "c.csv: column 'site' is constant; dropped",
    ]
    assert "patient id" not in spec.features and "site" not in spec.features and len(spec.features) == 31
    assert spec.categorical == [CATEGORY] and spec.classes == ["benign", "malignant"] and spec.label_type == "str"
    assert list(rows.columns) == [*spec.features, CANCER_TARGET] and spec.prediction == "diagnosis"


def test_named_id_columns_are_dropped_and_an_unknown_one_is_named() -> None:
    _, spec, _ = describe(cancer_frame(), "c.csv", CANCER_TARGET, ["mean radius"])
    assert "mean radius" not in spec.features
    with pytest.raises(DataError, match=r"^c\.csv: no column 'nope' to drop as an ID \(input 'id_columns'\)$"):
        describe(cancer_frame(), "c.csv", CANCER_TARGET, ["nope"])


def test_labels_keep_their_type_ints_bools_and_whole_floats() -> None:
    frame = pd.DataFrame({"x": np.arange(40.0) % 7, "flag": [True, False] * 20})
    for labels, kind, classes, answered in [
        ([1, 2] * 20, "int", ["1", "2"], [2, 1]),
        ([1.0, 2.0] * 20, "int", ["1", "2"], [2, 1]),
        ([True, False] * 20, "bool", ["False", "True"], [True, False]),
    ]:
        _, spec, _ = describe(frame.assign(y=labels), "t", "y")
        assert (spec.label_type, spec.classes) == (kind, classes)
        answer = predictions(np.array([[0.2, 0.8], [0.9, 0.1]]), spec.classes, "y", spec.label_type)["y"].tolist()
        assert answer == answered and [type(a) for a in answer] == [type(a) for a in answered]
    assert describe(frame.assign(y=[1, 2] * 20), "t", "y")[1].categorical == ["flag"], "a bool feature is a category"


def test_a_split_column_decides_the_held_out_rows(tmp_path: Path) -> None:
    frame = cancer_frame()
    frame["split"] = np.where(np.arange(len(frame)) % 5 == 0, "test", "train")
    frame.to_csv(tmp_path / "c.csv", index=False)
    train, holdout, spec, _ = split_table([tmp_path / "c.csv"], CANCER_TARGET, [], 0.25, "split", "c")
    assert (len(train), len(holdout)) == (455, 114) and "split" not in spec.features
    frame.loc[3, "split"] = "later"
    frame.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(DataError, match=r"c\.csv: column 'split': 'later' is neither train nor test$"):
        split_table([tmp_path / "c.csv"], CANCER_TARGET, [], 0.25, "split", "c")


def test_the_held_out_share_is_stratified_and_rows_read_back_as_written(tmp_path: Path) -> None:
    train, holdout, spec, _ = split_table([cancer(tmp_path / "c.csv")], CANCER_TARGET, [], 0.25, "", "c")
    assert len(holdout) == 143 and abs(holdout[CANCER_TARGET].eq("malignant").mean() - 212 / 569) < 0.01
    holdout.to_csv(tmp_path / "holdout.csv", index=False)
    again = read_rows(tmp_path / "holdout.csv", spec)
    pd.testing.assert_frame_equal(again.reset_index(drop=True), holdout.reset_index(drop=True))
    assert all(again[column].isna().any() for column in GAPS), "the gaps travel as gaps"
    assert TableSpec.from_json(spec.to_json()) == spec


def test_parquet_keeps_int_labels(tmp_path: Path) -> None:
    train, holdout, spec, _ = split_table([wine(tmp_path / "w.parquet")], "cultivar", [], 0.25, "", "w")
    assert (spec.classes, spec.label_type, spec.categorical) == (["1", "2", "3"], "int", [])
    assert len(train) + len(holdout) == 178


def test_serving_coerces_rows_as_training_did() -> None:
    rows = pd.DataFrame({"n": ["1.5", None, "x"], "c": [1, None, True]})
    coerced = coerce(rows, ["n"], ["c"])
    assert coerced["n"].tolist()[0] == 1.5 and coerced["n"].isna().tolist() == [False, True, True]
    assert coerced["c"][[0, 2]].tolist() == ["1", "True"] and pd.isna(coerced["c"][1]), "a gap is NaN, as imputers want"


def test_a_dataset_snapshot_is_data_too() -> None:
    from flowjobs.snapshots import DatasetSnapshot, resolve
    from tasks.prepare_data import locate

    name, files, _, tags = locate("iris@1")
    assert name == "iris" and [path.name for path in files] == [f"dataset{p}.csv" for p in "ABCD"]
    assert tags == {"flowjobs.snapshot.iris": resolve(DatasetSnapshot("iris", 1)).ref}
    train, holdout, spec, warnings = split_table(files, "Species", [], 0.25, "", name)
    assert warnings == ["dataset iris: column 'Id' looks like an ID (a different value on every row); dropped"]
    assert sorted(spec.features) == sorted(
        ["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm", "RandomColumn"]
    )
    assert len(train) + len(holdout) == 150 and len(spec.classes) == 3
