"""Make a table of `rows` random numbers (a seeded generator: the same seed, the same table).

    python tasks/make_numbers.py --rows 5 --seed 7 [--output-dir outputs]
Output `table`: a CSV with the columns `index` and `value`.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
from pathlib import Path

from helpers.flows import ScriptInputError, add_output_dir, get_param_from_args, handle_outputs, run_main


def make_rows(rows: int, seed: int) -> list[tuple[int, float]]:
    if rows < 1:
        raise ScriptInputError(f"input 'rows': must be at least 1, got {rows}")
    generator = random.Random(seed)
    return [(index, round(generator.gauss(10.0, 2.0), 4)) for index in range(rows)]


def write_table(rows: list[tuple[int, float]], path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["index", "value"])
        writer.writerows(rows)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100, help="how many numbers")
    parser.add_argument("--seed", type=int, default=7, help="the generator's seed")
    add_output_dir(parser)
    rows = make_rows(get_param_from_args(parser, "rows"), get_param_from_args(parser, "seed"))
    with tempfile.TemporaryDirectory() as scratch:  # handle_outputs copies it where the flow or --output-dir wants it
        handle_outputs({"table": write_table(rows, Path(scratch) / "table.csv")})


if __name__ == "__main__":
    run_main(main)
