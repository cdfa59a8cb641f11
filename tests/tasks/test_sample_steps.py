"""The sample flow's steps as plain functions, and each script run alone from another folder."""

from __future__ import annotations

from pathlib import Path

import joblib
import pandas as pd
import pytest

from flowjobs.script import ScriptInputError
from tasks.iris_data import DataError
from tasks.merge_data import merge
from tasks.process_data import process
from tasks.train_model import train
from tests.support.iris import DATA, partition, write
from tests.support.project import PROJECT_ROOT, run


def test_merge_is_a_keyed_union_of_both_partitions() -> None:
    merged = merge(partition("A"), partition("B"))
    assert len(merged) == 78 and merged["Id"].is_monotonic_increasing
    assert set(merged["Id"]) == set(partition("A")["Id"]) | set(partition("B")["Id"])


def test_merge_never_merges_a_partition_with_itself_by_accident() -> None:
    a, b = partition("A"), partition("B")
    merged = merge(a, b)
    assert not set(b["Id"]) - set(merged["Id"]), "rows of B are missing: A was merged with itself"
    assert len(merge(a, a)) == len(a)  # overlapping identical rows are one row each


def test_the_same_id_with_different_values_is_an_error_naming_the_id() -> None:
    a, b = partition("A"), partition("B")
    clash = a.iloc[[0]].assign(SepalLengthCm=99.0)
    with pytest.raises(DataError, match=rf"Id {a.iloc[0]['Id']} has different values in the two partitions"):
        merge(a, pd.concat([b, clash]))


def test_process_drops_the_noise_column() -> None:
    processed = process(merge(partition("A"), partition("B")))
    assert list(processed.columns) == [
        "Id",
        "SepalLengthCm",
        "SepalWidthCm",
        "PetalLengthCm",
        "PetalWidthCm",
        "Species",
    ]


def test_train_is_reproducible_and_checks_its_parameter() -> None:
    frame = process(merge(partition("A"), partition("B")))
    first, accuracy = train(frame, 20)
    _, again = train(frame, 20)
    assert accuracy == again and 0.8 <= accuracy <= 1.0 and len(first.estimators_) == 20
    with pytest.raises(ScriptInputError, match="num_estimators must be at least 1, got 0"):
        train(frame, 0)


@pytest.mark.parametrize("script", ["load_data", "merge_data", "process_data", "train_model"])
def test_every_script_has_help(script: str, tmp_path: Path, python: str) -> None:
    result = run([python, str(PROJECT_ROOT / "tasks" / f"{script}.py"), "--help"], cwd=tmp_path)
    assert result.returncode == 0 and "--output-dir" in result.stdout


def test_the_scripts_run_alone_from_any_folder(tmp_path: Path, python: str) -> None:
    out = tmp_path / "out"

    def step(script: str, *args: str) -> None:
        result = run(
            [python, str(PROJECT_ROOT / "tasks" / f"{script}.py"), *args, "--output-dir", str(out)], cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr

    step("load_data", "--data-path", str(DATA / "datasetA.csv"))
    assert (out / "data.csv").read_text() == (DATA / "datasetA.csv").read_text()
    step("merge_data", "--data-a", str(DATA / "datasetA.csv"), "--data-b", str(DATA / "datasetB.csv"))
    step("process_data", "--merged-data", str(out / "merged.csv"))
    step("train_model", "--processed-data", str(out / "processed.csv"), "--num-estimators", "10")
    assert 0.8 <= float((out / "accuracy").read_text()) <= 1.0
    assert len(joblib.load(out / "model.pkl").estimators_) == 10


def test_a_script_run_alone_on_bad_input_prints_one_line_and_exits_1(tmp_path: Path, python: str) -> None:
    bad = write(partition("A").drop(columns=["Id"]), tmp_path / "no_id.csv")
    result = run([python, str(PROJECT_ROOT / "tasks" / "load_data.py"), "--data-path", str(bad)], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: load_data.py: data file {bad} has no column 'Id' "
        "(columns: SepalLengthCm, SepalWidthCm, RandomColumn, PetalLengthCm, PetalWidthCm, Species)"
    ]
