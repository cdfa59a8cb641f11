"""A small tracked flow for the fault, load and security tests: real job tasks and real MLflow calls in seconds.

    flowjobs run tests/support/tracked_flow.py tracked --seed 3 [--hold DIR] [--experiment NAME]

    prepare (Small) ─► train (Small, tracked, retries=1) ─► count (Small)
      data (CSV)        parent and branch run, log_batch,     rows
                        a model version; scores (CSV)

The steps are tests/scripts/tracked_step.py. Only `train` imports MLflow (two seconds of CPU a process), so
sixteen executions at once fit the load test's time budget. The MLflow experiment is the input `mlflow_experiment`,
not `experiment_name`: `flowjobs run` then records the execution in MLflow only when given `--experiment`.
"""

from __future__ import annotations

import typing

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flowjobs.jobs import Input, Output, run_job_task

CSV = FlyteFile[typing.TypeVar("csv")]
STEP = "python tests/scripts/tracked_step.py"


class Tracked(typing.NamedTuple):
    rows: int
    version: str


@workflow
def tracked(
    seed: int = 0, mlflow_experiment: str = "tracked", model_name: str = "tracked-model", hold: str = ""
) -> Tracked:
    data = run_job_task(
        "prepare", f"{STEP} prepare", "Small", inputs=[Input("seed", int, seed)], output_specs=[Output("data", CSV)]
    )
    trained = run_job_task(
        "train",
        f"{STEP} train",
        "Small",
        inputs=[
            Input("data", CSV, data),
            Input("mlflow_experiment", str, mlflow_experiment),
            Input("model_name", str, model_name),
            Input("hold", str, hold),
        ],
        output_specs=[Output("scores", CSV), Output("version", str)],
        tracking=True,
        retries=1,
    )
    rows = run_job_task(
        "count",
        f"{STEP} count",
        "Small",
        inputs=[Input("scores", CSV, trained["scores"])],
        output_specs=[Output("rows", int)],
    )
    return rows, trained["version"]
