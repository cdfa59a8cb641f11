"""A flow with every construct the DAG picture draws, for the graph tests (it is drawn, never run).

inputs ─► echo (job task) ─► squares (@dynamic, fan-out known only at run time) ─► map square ─► total ─┐
      └─► squares (@dynamic, n=2 known: expanded) ─► total ─────────────────────────────────────────────┤
      └─► double_square (subworkflow)            total ─► double_square_plan (launch plan) ─────────────┤
                                                 conditional size: if / elif / else fail ◄──────────────┘
"""

from __future__ import annotations

import typing

from flytekit import LaunchPlan, conditional, dynamic, map_task, task, workflow

from flowjobs.jobs import Input, Output, run_job_task


@task(retries=2, cache=True, cache_version="7")
def square(x: int) -> int:
    return x * x


@task
def total(xs: typing.List[int]) -> int:
    return sum(xs)


@workflow
def double_square(a: int) -> int:
    return square(x=square(x=a))


@dynamic
def squares(n: int) -> typing.List[int]:
    return [square(x=i) for i in range(n)]


ECHO = "python tests/scripts/echo_values.py"
ECHO_SETTINGS = {"cache": True, "cache_version": "2", "retries": 1, "timeout": 60}
double_square_plan = LaunchPlan.get_or_create(double_square, name="double_square_plan")


@workflow
def constructs(n: int = 3, threshold: int = 10) -> int:
    echoed = run_job_task("echo", ECHO, "Small", [Input("count", int, n)], [Output("count_out", int)], **ECHO_SETTINGS)
    summed = total(xs=map_task(square)(x=squares(n=echoed)))
    known = total(xs=squares(n=2))
    planned = double_square_plan(a=summed)
    doubled = double_square(a=n)
    return (
        conditional("size")
        .if_(summed > threshold)
        .then(square(x=planned))
        .elif_(known > 0)
        .then(double_square(a=doubled))
        .else_()
        .fail("both totals are too small")
    )
