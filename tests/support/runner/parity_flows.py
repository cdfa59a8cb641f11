"""Plain-Python Flyte workflows the parity tests run under both `flowjobs run` and `pyflyte run`.

picked          values picked out of task outputs: a list item, a dict entry, a dataclass field, nested
gates           a sleep gate between two nodes, an input gate, an approval gate
flagged         a required bool input (False must be accepted)
repeated        the same task called four times with equal inputs (and a cached one)
guarded         a failing node with an on_failure handler (a subworkflow with its own handler inside)
plan_fixed      a launch plan with a fixed and a default input
planned         a workflow calling that launch plan as a node
square, named   single tasks, run as the entity (one returning a NamedTuple)
warned          a task logging a warning through flytekit's logger
"""

from __future__ import annotations

import datetime as dt
import os
import typing
from dataclasses import dataclass

from flytekit import LaunchPlan, approve, sleep, task, wait_for_input, workflow
from flytekit.loggers import logger as flytekit_logger
from flytekit.types.error import FlyteError

HOUR = dt.timedelta(hours=1)


@dataclass
class Pair:
    left: int
    right: int


@task
def numbers(n: int) -> typing.List[int]:
    return list(range(n, n + 3))


@task
def table(n: int) -> typing.Dict[str, int]:
    return {"a": n, "b": 10 * n}


class Named(typing.NamedTuple):
    total: int


@task
def named(n: int = 2) -> Named:
    return Named(total=n + 1)


@task
def pair(n: int) -> Pair:
    return Pair(left=n, right=-n)


@task
def nested(n: int) -> typing.Dict[str, typing.List[int]]:
    return {"xs": [n, n + 1, n + 2]}


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def square(x: int) -> int:
    return x * x


@workflow
def picked(n: int = 2) -> typing.Tuple[int, int, int, int]:
    xs, d, p, deep = numbers(n=n), table(n=n), pair(n=n), nested(n=n)
    return add(a=xs[0], b=xs[2]), square(x=d["b"]), add(a=p.left, b=p.right), square(x=deep["xs"][1])


@workflow
def gates(x: int = 3) -> int:
    before = square(x=x)
    paused = sleep(dt.timedelta(seconds=1))
    wanted = wait_for_input("extra", timeout=HOUR, expected_type=int)
    approved = approve(before, "check", timeout=HOUR)
    before >> paused
    return add(a=approved, b=wanted)


@task
def say(flag: bool) -> str:
    return f"flag is {flag}"


@workflow
def flagged(flag: bool) -> str:
    return say(flag=flag)


@task(cache=True, cache_version="1")
def cached_square(x: int) -> int:
    return x * x


@workflow
def repeated(x: int = 3) -> typing.List[int]:
    return [square(x=x) for _ in range(4)] + [cached_square(x=x) for _ in range(4)]


FAIL_MARK = "FLOWJOBS_PARITY_FAIL_MARK"  # a file each run of `explode` appends a line to


@task
def explode(x: int) -> int:
    mark = os.environ.get(FAIL_MARK)
    if mark:
        with open(mark, "a") as handle:
            handle.write("explode\n")
    if x >= 0:
        raise ValueError(f"cannot use {x}")
    return x


@task
def clean_up(x: int, err: FlyteError | None = None) -> None:
    mark = os.environ.get(FAIL_MARK)
    if mark:
        with open(mark, "a") as handle:
            handle.write(f"clean_up {x}: {err.message if err else None}\n")


@workflow(on_failure=clean_up)
def guarded_inner(x: int) -> int:
    return explode(x=square(x=x))


@workflow(on_failure=clean_up)
def guarded(x: int = 2) -> int:
    return add(a=guarded_inner(x=x), b=1)


@workflow
def plan_base(a: int, b: int, c: int = 5) -> int:
    return add(a=add(a=a, b=b), b=c)


plan_fixed = LaunchPlan.get_or_create(plan_base, name="plan_fixed", default_inputs={"b": 20}, fixed_inputs={"a": 100})


@task
def warn(x: int) -> int:
    flytekit_logger.warning("a warning from flytekit's logger")
    return x


@workflow
def warned(x: int = 4) -> int:
    return warn(x=x)


@workflow
def planned(x: int = 1) -> int:
    return plan_fixed(c=x)
