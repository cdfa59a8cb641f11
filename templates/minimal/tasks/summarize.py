"""Summarize a table of numbers: how many, their mean, smallest and largest, kept as an MLflow run too.

    python -m tasks.summarize --table outputs/table.csv [--output-dir outputs]
Outputs `mean` (a float) and `report` (the summary as JSON). The summary is also logged as a run of the MLflow
experiment `numbers` in the project's store (mlflow.db here: `flowjobs ui` started in the project shows it).
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


def log_run(summary: dict[str, float]) -> str:
    """The summary as a run of the experiment `numbers` in the project's MLflow store; returns the run's id."""
    from flowjobs import tracking  # MLflow loads only here: the rest of the script stays quick

    tracking.connect()
    import mlflow

    with mlflow.start_run(experiment_id=tracking.experiment_id("numbers"), run_name="summary") as run:
        mlflow.log_metrics(summary)
    return run.info.run_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, required=True, help="a CSV with a column `value`")
    add_output_dir(parser)
    summary = summarize(read_values(get_param_from_args(parser, "table")))
    log_run(summary)
    with tempfile.TemporaryDirectory() as scratch:  # handle_outputs copies it where the flow or --output-dir wants it
        report = Path(scratch) / "report.json"
        report.write_text(json.dumps(summary, indent=2))
        handle_outputs({"mean": summary["mean"], "report": report})


if __name__ == "__main__":
    run_main(main)
