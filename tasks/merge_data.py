"""Merge two Iris partitions on Id: a keyed union where an Id present in both must carry the same values.

    python tasks/merge_data.py --data-a data/datasetA.csv --data-b data/datasetB.csv [--output-dir outputs]
Output `merged`: the union as CSV, sorted by Id. Report: its data summary.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from helpers.flows import add_output_dir, get_param_from_args, run_main
from tasks.iris_data import ID, DataError, output_csv, publish_summary, read_csv


def merge(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Union of both frames keyed by Id; the same Id with different values is an error naming the Id."""
    if list(first.columns) != list(second.columns):
        raise DataError(f"the partitions have different columns: {list(first.columns)} vs {list(second.columns)}")
    for frame, label in ((first, "first"), (second, "second")):
        duplicated = frame[ID][frame[ID].duplicated()]
        if not duplicated.empty:
            raise DataError(f"Id {duplicated.iloc[0]} appears twice in the {label} partition")
    union = pd.concat([first, second], ignore_index=True).drop_duplicates()
    conflicts = union[ID][union[ID].duplicated()]
    if not conflicts.empty:
        raise DataError(f"Id {conflicts.iloc[0]} has different values in the two partitions")
    return union.sort_values(ID, kind="stable").reset_index(drop=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-a", dest="data_a", type=Path, required=True, help="first partition CSV")
    parser.add_argument("--data-b", dest="data_b", type=Path, required=True, help="second partition CSV")
    return add_output_dir(parser)


def main() -> None:
    parser = build_parser()
    merged = merge(read_csv(get_param_from_args(parser, "data_a")), read_csv(get_param_from_args(parser, "data_b")))
    publish_summary((merged, "merged rows"))
    output_csv("merged", merged)


if __name__ == "__main__":
    run_main(main)
