"""The sample flow end to end with stock `pyflyte run`, on good and bad input."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import joblib
import pandas as pd
import pytest

from flows.sample_flow import CSV, model_training
from tests.support.iris import DATA, partition, write
from tests.support.project import fresh_copy, run, tool

RESULT = re.compile(r"TrainingResult\(model=(?P<model>\S+), accuracy=(?P<accuracy>[0-9.]+)\)")


def pyflyte_run(cwd: Path, *args: str) -> typing.Any:
    return run([tool("pyflyte"), "run", "flows/sample_flow.py", "model_training", *args], cwd=cwd)


@pytest.mark.slow
def test_pyflyte_run_with_the_defaults_from_a_fresh_copy(tmp_path: Path, work_dir: Path) -> None:
    clone = fresh_copy(tmp_path / "clone")
    result = pyflyte_run(clone)
    assert result.returncode == 0, result.stderr
    found = RESULT.search(result.stdout)
    assert found, result.stdout
    model = joblib.load(found["model"])
    assert len(model.estimators_) == 100 and 0.8 <= float(found["accuracy"]) <= 1.0
    merged = pd.read_csv(next(work_dir.glob("merge_data-attempt1-*/outputs/merged.csv")))
    assert set(merged["Id"]) == set(partition("A")["Id"]) | set(partition("B")["Id"]), "A and B must both be merged"
    logs = next(work_dir.glob("train_model-attempt1-*/logs/stdout.log")).read_text()
    assert logs.startswith("accuracy ")


@pytest.mark.slow
def test_pyflyte_run_with_explicit_files_and_parameters(work_dir: Path, project_root: Path) -> None:
    result = pyflyte_run(
        project_root,
        "--data_path_a",
        str(DATA / "datasetC.csv"),
        "--data_path_b",
        str(DATA / "datasetD.csv"),
        "--num_estimators",
        "7",
    )
    assert result.returncode == 0, result.stderr
    found = RESULT.search(result.stdout)
    assert len(joblib.load(found["model"]).estimators_) == 7
    merged = pd.read_csv(next(work_dir.glob("merge_data-attempt1-*/outputs/merged.csv")))
    assert len(merged) == len(partition("C")) + len(partition("D"))


def test_a_missing_data_file_is_refused_naming_the_input(tmp_path: Path, project_root: Path) -> None:
    result = pyflyte_run(project_root, "--data_path_a", str(tmp_path / "missing.csv"))
    assert result.returncode != 0
    assert "Invalid value for '--data_path_a'" in result.stdout + result.stderr
    assert str(tmp_path / "missing.csv") in result.stdout + result.stderr


def bad_file(tmp_path: Path, case: str) -> Path:
    path = tmp_path / f"{case}.csv"
    a, b = partition("A"), partition("B")
    if case == "empty":
        path.write_text("")
    elif case == "no_id":
        write(b.drop(columns=["Id"]), path)
    elif case == "conflicting_id":
        write(pd.concat([b, a.iloc[[0]].assign(PetalLengthCm=42.0)]), path)
    elif case == "non_numeric":
        write(
            b.astype({"SepalWidthCm": object}).assign(
                SepalWidthCm=lambda f: f["SepalWidthCm"].where(f.index != 2, "wide")
            ),
            path,
        )
    return path


@pytest.mark.parametrize(
    ("case", "task", "expected"),
    [
        ("empty", "load_data_b", r"data file .*/empty\.csv is empty"),
        ("no_id", "load_data_b", r"data file .*/no_id\.csv has no column 'Id'"),
        ("conflicting_id", "merge_data", r"Id \d+ has different values in the two partitions"),
        (
            "non_numeric",
            "process_data",
            r".*merge_data-attempt1-\w+/outputs/merged\.csv: "
            r"column 'SepalWidthCm', row \d+ \(Id \d+\): 'wide' is not a number",
        ),
    ],
)
def test_bad_data_stops_the_flow_at_the_task_that_finds_it(
    tmp_path: Path, work_dir: Path, case, task, expected
) -> None:
    with pytest.raises(Exception) as caught:
        model_training(data_path_b=CSV(str(bad_file(tmp_path, case))), num_estimators=5)
    first_line = next(line for line in str(caught.value).splitlines() if f"task 'flows.sample_flow.{task}'" in line)
    assert re.search(
        rf"task 'flows\.sample_flow\.{task}': script exited with code 1: error: flows\.sample_flow\.{task}: {expected}",
        first_line,
    ), first_line
    assert not list(work_dir.rglob("model.pkl")), "no model may be written when the data is bad"
    assert not list(work_dir.glob("train_model-*"))
