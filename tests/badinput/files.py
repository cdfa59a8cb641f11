"""What the bad-input cases refer to as `{name}`: good inputs, bad files, and a store with a champion.

    values = prepare(folder)     # every placeholder of tests/badinput/cases.py → its text

Good: the shipped partitions ({A}, {B}, {D}), {A_B} (A and B processed), the data folder {iris}, and what the
multi-train steps leave when run alone on a fresh SQLite store ({store}): {train} and {holdout} (prepare_data),
the parent run {parent}, a branch {result} (train_logreg; its version 1 of {model} is made champion).
Bad: one file per CSV fault (Iris-shaped, from partition A), the same faults as partition D of a copy of the data
folder ({iris_<fault>}), a sparse 1 GB file, JSON that is not a branch result, a plain file {a_file}.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tasks.process_data import process
from tests.support.iris import DATA, partition, write
from tests.support.project import PROJECT_ROOT

MODEL, EXPERIMENT = "badinput-model", "badinput"
GIGABYTE = 1 << 30


def bad_csvs(folder: Path) -> dict[str, Path]:
    """One Iris-shaped CSV per fault, made from partition A."""
    folder.mkdir(parents=True, exist_ok=True)
    a = partition("A")
    frames = {
        "header_only": a.iloc[:0],
        "one_row": a.iloc[:1],
        "no_id": a.drop(columns=["Id"]),
        "no_feature": a.drop(columns=["PetalWidthCm"]),
        "nan": a.assign(SepalWidthCm=a["SepalWidthCm"].where(a.index != 1)),
        "duplicate_id": a.assign(Id=a["Id"].where(a.index != 1, a["Id"].iloc[0])),
    }
    made = {name: write(frame, folder / f"{name}.csv") for name, frame in frames.items()}
    made["empty"] = folder / "empty.csv"
    made["empty"].write_bytes(b"")
    made["non_utf8"] = folder / "non_utf8.csv"
    made["non_utf8"].write_bytes((DATA / "datasetA.csv").read_bytes().replace(b"Iris-setosa", b"Iris-s\xe9tosa", 1))
    made["huge"] = folder / "huge.csv"
    with made["huge"].open("wb") as sparse:  # a gigabyte that takes no disk: the size guard must refuse it unread
        sparse.truncate(GIGABYTE)
    made["missing"] = folder / "missing.csv"
    return made


def bad_folders(folder: Path, csvs: dict[str, Path]) -> dict[str, Path]:
    """Copies of the data folder whose held-out partition D has one of the faults (missing: D is not there)."""
    made = {}
    for name, bad in csvs.items():
        copy = folder / f"iris_{name}"
        copy.mkdir(parents=True, exist_ok=True)
        for shipped in DATA.glob("dataset?.csv"):
            shutil.copyfile(shipped, copy / shipped.name)
        (copy / "datasetD.csv").unlink()
        if bad.exists():
            os.link(bad, copy / "datasetD.csv") if name == "huge" else shutil.copyfile(bad, copy / "datasetD.csv")
        made[f"iris_{name}"] = copy
    return made


def run_alone(script: str, *args: str, cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "tasks" / f"{script}.py"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{script}: {done.stderr[-3000:]}"


def script_env(folder: Path) -> dict[str, str]:
    """A script run alone writing only under `folder`: its MLflow store, model files and temp files."""
    for name in ("store", "models", "tmp"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLOWJOBS_")}
    return {
        **env,
        "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'store' / 'mlflow.db'}",
        "FLOWJOBS_MODELS_DIR": str(folder / "models"),
        "TMPDIR": str(folder / "tmp"),
    }


def champion_store(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """prepare_data, one logistic-regression branch and its promotion, run alone: a store with a champion."""
    names = ("--model-name", MODEL, "--experiment-name", EXPERIMENT)
    run_alone("prepare_data", "--iris", str(DATA), *names, "--output-dir", "prepared", cwd=folder, env=env)
    parent = (folder / "prepared" / "parent_run_id").read_text()
    judged = ("--holdout", "prepared/holdout.csv", "--parent-run-id", parent, "--model-name", MODEL)
    run_alone("train_logreg", "--train", "prepared/train.csv", *judged, "--c-grid", "1", "--register", "true",
              "--output-dir", "branch",
              cwd=folder, env=env)  # fmt: skip
    run_alone("promote_champion", "--winner-version", "1", *judged, "--output-dir", "promoted", cwd=folder, env=env)
    return {
        "train": str(folder / "prepared" / "train.csv"),
        "holdout": str(folder / "prepared" / "holdout.csv"),
        "parent": parent,
        "result": str(folder / "branch" / "result"),
    }


def prepare(folder: Path, env: dict[str, str]) -> dict[str, str]:
    csvs = bad_csvs(folder / "bad")
    values = {name: str(path) for name, path in {**csvs, **bad_folders(folder / "bad", csvs)}.items()}
    a_b = write(process(pd.concat([partition("A"), partition("B")])), folder / "a_b.csv")
    (folder / "bad" / "not_json").write_text("not json\n")
    (folder / "bad" / "not_result").write_text('{"branch": "x"}\n')
    (folder / "a_file").write_text("a file, not a folder\n")
    values |= {name: str(folder / "bad" / name) for name in ("not_json", "not_result")}
    values |= {
        "A": str(DATA / "datasetA.csv"),
        "B": str(DATA / "datasetB.csv"),
        "D": str(DATA / "datasetD.csv"),
        "A_B": str(a_b),
        "iris": str(DATA),
        "a_file": str(folder / "a_file"),
        "model": MODEL,
        "experiment": EXPERIMENT,
    }
    return values | champion_store(folder, env)
