"""A conditional shaped like the multi-train flow's promotion: a job task judges, then one side is a job task
(`promote`) and the other a plain task (`keep`). Stock `pyflyte run` records job tasks only, so an execution that
took `keep` records `judge` alone; its execution view and `flowjobs status` must still say which side ran.

    pyflyte run tests/support/conditional_flow.py promote_or_keep --better 1   (or 0)
"""

from __future__ import annotations

import typing

from flytekit import conditional, task, workflow

from flowjobs.jobs import Output, run_job_task

SLEEP = "python tests/scripts/misbehave.py sleep 0.1"


class Kept(typing.NamedTuple):
    result: int  # both sides of the conditional output this name


@task
def keep(judged: int) -> Kept:
    return Kept(judged)


@workflow
def promote_or_keep(better: int = 1) -> int:
    judged = job("judge")
    return conditional("promote_if_better").if_(better == 1).then(job("promote")).else_().then(keep(judged=judged))


def job(name: str) -> typing.Any:
    return run_job_task(name, SLEEP, "Small", inputs=[], output_specs=[Output("result", int)])
