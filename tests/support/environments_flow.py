"""Two job tasks in two environments: the first in the default image, the second in the `gpu` environment's.

Each says where it ran (tests/scripts/environment_probe.py); the second reads what the first wrote.
"""

from __future__ import annotations

from flytekit import workflow

from flowjobs.jobs import Input, Output, run_job_task

PROBE = "python tests/scripts/environment_probe.py"


@workflow
def across_environments(greeting: str = "hello") -> str:
    first = run_job_task(
        "in_default", PROBE, "Small", inputs=[Input("greeting", str, greeting)], output_specs=[Output("seen", str)]
    )
    return run_job_task(
        "in_gpu",
        PROBE,
        "Small",
        inputs=[Input("greeting", str, first)],
        output_specs=[Output("seen", str)],
        environment_name="gpu",
    )
