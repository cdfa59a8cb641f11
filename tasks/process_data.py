"""Process the merged Iris data: drop the noise column and validate the schema.

    python tasks/process_data.py --merged-data merged.csv [--output-dir outputs]
Output `processed`: Id, the four numeric features and a known Species, as CSV. A missing column, a
non-numeric feature or an unknown species stops the task with an error naming the column and the row.
Report: the processed data's summary.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from helpers.flows import add_output_dir, get_param_from_args, run_main
from tasks.iris_data import output_csv, process, publish_summary, read_csv


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merged-data", dest="merged_data", type=Path, required=True, help="merged Iris CSV")
    return add_output_dir(parser)


def main() -> None:
    parser = build_parser()
    source = get_param_from_args(parser, "merged_data")
    processed = process(read_csv(source), source)
    publish_summary((processed, "processed rows"))
    output_csv("processed", processed)


if __name__ == "__main__":
    run_main(main)
