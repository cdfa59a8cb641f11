"""The benchmark's flows: N independent Small branches of the same CPU-bound script, shaped by the environment.

    FLOWJOBS_BENCH_BRANCHES=4 FLOWJOBS_BENCH_SECONDS=5 flowjobs run benchmarks/flows.py busy_branches

    busy_0 ─┐
    busy_1 ─┤
    …       ├─► their results as a list         (noops: the same with no work at all)
    busy_N ─┘

FLOWJOBS_BENCH_CACHE=1 makes the branches cached tasks (cache=True).
"""

from __future__ import annotations

import os
import typing

from flytekit import workflow

from flowjobs.jobs import Output, run_job_task

BRANCHES = int(os.environ.get("FLOWJOBS_BENCH_BRANCHES", "4"))
SECONDS = float(os.environ.get("FLOWJOBS_BENCH_SECONDS", "5"))
CACHED = os.environ.get("FLOWJOBS_BENCH_CACHE") == "1"


def branch(name: str, seconds: float) -> typing.Any:
    command = f"python benchmarks/busy.py {seconds}"
    output = [Output("result", int)]
    return run_job_task(name, command, "Small", output_specs=output, cache=CACHED, cache_version="1")


@workflow
def busy_branches() -> typing.List[int]:
    return [branch(f"busy_{index}", SECONDS) for index in range(BRANCHES)]


@workflow
def noops() -> typing.List[int]:
    return [branch(f"noop_{index}", 0) for index in range(BRANCHES)]
