"""Load one Iris partition: check that it is a readable CSV with rows and an Id column, and pass it on.

    python tasks/load_data.py --data-path data/datasetA.csv [--output-dir outputs]
Output `data`: the CSV, unchanged. Report: its data summary (rows, columns, nulls, class balance).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from helpers.flows import add_output_dir, get_param_from_args, handle_outputs, run_main
from tasks.iris_data import publish_summary, read_csv


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
    data = load(get_param_from_args(parser, "data_path"))
    publish_summary((read_csv(data), "loaded rows"))
    handle_outputs({"data": data})


if __name__ == "__main__":
    run_main(main)
