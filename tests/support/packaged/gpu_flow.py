"""Packaged by the packaging tests beside flows/: a cached, retried, time-limited job task on the GPU tier.

No shipped flow needs a GPU or Flyte's cache, so this flow proves those settings reach the task's protobuf.
"""

from __future__ import annotations

from flytekit import workflow

from flowjobs.jobs import Input, Output, run_job_task

SETTINGS = {"cache": True, "cache_version": "3", "retries": 2, "timeout": 90}


@workflow
def gpu_step(count: int = 1) -> int:
    return run_job_task(
        "gpu_echo",
        "python tests/scripts/echo_values.py",
        "GPU",
        inputs=[Input("count", int, count)],
        output_specs=[Output("count_out", int)],
        **SETTINGS,
    )
