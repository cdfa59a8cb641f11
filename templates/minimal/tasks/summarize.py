"""Summarize a table of numbers: how many, their mean, smallest and largest.

    python tasks/summarize.py --table outputs/table.csv [--output-dir outputs]
Outputs `mean` (a float) and `report` (the summary as JSON).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import tempfile
from pathlib import Path

from helpers.flows import ScriptInputError, add_output_dir, get_param_from_args, handle_outputs, run_main


def read_values(path: Path) -> list[float]:
    with Path(path).open(newline="") as handle:
        reader = csv.DictReader(handle)
        if "value" not in (reader.fieldnames or []):
            raise ScriptInputError(f"input 'table' ({path}): no column 'value'")
        values = [float(row["value"]) for row in reader]
    if not values:
        raise ScriptInputError(f"input 'table' ({path}): no rows")
    return values


def summarize(values: list[float]) -> dict[str, float]:
    return {"count": len(values), "mean": statistics.fmean(values), "min": min(values), "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, required=True, help="a CSV with a column `value`")
    add_output_dir(parser)
    summary = summarize(read_values(get_param_from_args(parser, "table")))
    with tempfile.TemporaryDirectory() as scratch:  # handle_outputs copies it where the flow or --output-dir wants it
        report = Path(scratch) / "report.json"
        report.write_text(json.dumps(summary, indent=2))
        handle_outputs({"mean": summary["mean"], "report": report})


if __name__ == "__main__":
    run_main(main)
