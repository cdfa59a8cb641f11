"""Generate data/datasetA.csv … datasetD.csv: four disjoint, stratified partitions of the Iris data set.

Columns: Id, SepalLengthCm, SepalWidthCm, RandomColumn, PetalLengthCm, PetalWidthCm, Species. RandomColumn is
uniform noise in [0, 1) from a fixed seed, so the files are the same on every run.

    python data/make_iris_partitions.py [--out-dir data] [--seed 42]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_iris

PARTITIONS = ("A", "B", "C", "D")
COLUMNS = ["Id", "SepalLengthCm", "SepalWidthCm", "RandomColumn", "PetalLengthCm", "PetalWidthCm", "Species"]


def iris_frame(seed: int) -> pd.DataFrame:
    iris = load_iris()
    features = pd.DataFrame(iris.data, columns=["SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm"])
    frame = features.assign(
        Id=np.arange(1, len(features) + 1),
        RandomColumn=np.random.default_rng(seed).uniform(0, 1, len(features)).round(4),
        Species=[f"Iris-{iris.target_names[t]}" for t in iris.target],
    )
    return frame[COLUMNS]


def partition(frame: pd.DataFrame, seed: int) -> dict[str, pd.DataFrame]:
    """Split each species' rows into len(PARTITIONS) shuffled chunks, so every partition holds every species."""
    rng = np.random.default_rng(seed)
    chunks: dict[str, list[pd.DataFrame]] = {name: [] for name in PARTITIONS}
    for _, rows in frame.groupby("Species", sort=True):
        shuffled = rows.iloc[rng.permutation(len(rows))]
        for name, positions in zip(PARTITIONS, np.array_split(np.arange(len(shuffled)), len(PARTITIONS)), strict=False):
            chunks[name].append(shuffled.iloc[positions])
    return {name: pd.concat(parts).sort_values("Id") for name, parts in chunks.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    for name, part in partition(iris_frame(args.seed), args.seed).items():
        path = args.out_dir / f"dataset{name}.csv"
        part.to_csv(path, index=False)
        print(f"{path}: {len(part)} rows")


if __name__ == "__main__":
    main()
