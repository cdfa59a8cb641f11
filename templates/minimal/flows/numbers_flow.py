"""A flow of two script tasks: make a table of numbers, then summarize it.

    pyflyte run flows/numbers_flow.py numbers --rows 200 --seed 3
    flowjobs run flows/numbers_flow.py numbers --rows 200        # independent nodes in parallel, cached, resumable

    make_numbers (Small) ─► summarize (Small) ─► mean, report.json, an MLflow run (experiment `numbers`)

Each task is a script in tasks/ that also runs alone (`python -m tasks.make_numbers --rows 5`): its inputs arrive
as flags or from the job task, its outputs go to --output-dir or back to the flow (helpers/flows.py).
"""

from __future__ import annotations

import typing

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flowjobs import Input, Output, run_job_task

CSV = FlyteFile[typing.TypeVar("csv")]
JSON = FlyteFile[typing.TypeVar("json")]


class Summary(typing.NamedTuple):
    mean: float
    report: JSON


@workflow
def numbers(rows: int = 100, seed: int = 7) -> Summary:
    made = run_job_task(
        "make_numbers",
        "python tasks/make_numbers.py",
        "Small",
        inputs=[Input("rows", int, rows), Input("seed", int, seed)],
        output_specs=[Output("table", CSV)],
    )
    summary = run_job_task(
        "summarize",
        "python tasks/summarize.py",
        "Small",
        inputs=[Input("table", CSV, made)],
        output_specs=[Output("mean", float), Output("report", JSON)],
        retries=1,
        tracking=True,  # it logs to MLflow: the project's store is made ready first
    )
    return Summary(summary["mean"], summary["report"])
