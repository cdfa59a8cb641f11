"""Tables a new user would bring, made in the test from scikit-learn's bundled data sets (nothing committed).

`cancer`: breast cancer, binary, labels as strings (`benign`, `malignant`), with what real tables have: an ID
column, a constant column, a categorical column whose name has a space and a non-ASCII letter, and gaps in
numeric and categorical columns. `wine`: three cultivars labelled 1, 2, 3 (ints), as Parquet. `bad_tables`: one
file per check of tasks/table.py and tasks/prepare_data.py, with the target it is run with.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CANCER_TARGET = "diagnosis"
WINE_TARGET = "cultivar"
CATEGORY = "clinic ü"  # a space and a non-ASCII letter
GAPS = ("mean radius", "worst texture", CATEGORY)
SEED = 7


def cancer_frame() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    loaded = load_breast_cancer(as_frame=True)
    frame = loaded.frame.drop(columns=["target"])
    rng = np.random.default_rng(SEED)
    frame.insert(0, "patient id", [f"P{index:04d}" for index in range(len(frame))])
    frame["site"] = "hospital"
    # the clinic tells a little about the diagnosis, so the encoded column is a feature worth having
    told = np.where(loaded.target == 0, "north", "east")
    frame[CATEGORY] = np.where(rng.random(len(frame)) < 0.6, told, rng.choice(["north", "south", "east"], len(frame)))
    for column in GAPS:
        frame.loc[rng.choice(len(frame), 40, replace=False), column] = np.nan
    frame[CANCER_TARGET] = np.where(loaded.target == 0, "malignant", "benign")
    return frame


def cancer(path: Path) -> Path:
    cancer_frame().to_csv(path, index=False)
    return path


def wine(path: Path) -> Path:
    from sklearn.datasets import load_wine

    loaded = load_wine(as_frame=True)
    frame = loaded.frame.drop(columns=["target"])
    frame[WINE_TARGET] = loaded.target + 1
    frame.to_parquet(path)
    return path


def bad_tables(folder: Path) -> dict[str, tuple[Path, str]]:
    """Each bad table (made from the cancer table) with the target it is given."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = cancer_frame()
    made: dict[str, tuple[Path, str]] = {}

    def csv(name: str, table: pd.DataFrame, target: str = CANCER_TARGET) -> None:
        table.to_csv(folder / name, index=False)
        made[name] = (folder / name, target)

    csv("no_target.csv", frame, "outcome")
    csv("one_class.csv", frame[frame[CANCER_TARGET] == "benign"])
    rare = frame.head(3).assign(**{CANCER_TARGET: "unsure"})
    csv("rare_class.csv", pd.concat([frame, rare], ignore_index=True))
    csv("continuous.csv", frame, "mean area")
    csv("empty_table.csv", frame.head(0))
    csv("all_missing.csv", frame.assign(notes=np.nan))
    duplicated = folder / "duplicate_columns.csv"
    text = frame.head(20).to_csv(index=False)
    duplicated.write_text(text.replace("mean texture", "mean radius", 1))
    made[duplicated.name] = (duplicated, CANCER_TARGET)
    image = folder / "scan.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    made[image.name] = (image, CANCER_TARGET)
    fake = folder / "not_parquet.parquet"
    fake.write_text(frame.head(5).to_csv(index=False))
    made[fake.name] = (fake, CANCER_TARGET)
    words = folder / "notes.txt"
    words.write_text("a new user's notes\nnot a table at all\n")
    made[words.name] = (words, CANCER_TARGET)
    return made
