"""Load one Iris partition: check that it is a readable CSV with rows and an Id column, and pass it on.

    python tasks/load_data.py --data-path data/datasetA.csv [--output-dir outputs]
Output `data`: the CSV, unchanged.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from helpers.flows import add_output_dir, get_param_from_args, handle_outputs, run_main
from tasks.iris_data import read_csv


def load(path: Path) -> Path:
    """The partition's path, once it is known to be a readable Iris CSV."""
    read_csv(path)
    return Path(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-path", dest="data_path", type=Path, required=True, help="an Iris partition CSV")
    return add_output_dir(parser)


def main() -> None:
    parser = build_parser()
    data_path = get_param_from_args(parser, "data_path")
    handle_outputs({"data": load(data_path)})


if __name__ == "__main__":
    run_main(main)
