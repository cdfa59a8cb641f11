"""Small everyday workflows of plain Python tasks, the shapes most local runs have (benchmarks/everyday.py).

hello        one task
chain        three tasks, each reading the one before
branching    a conditional on the input, then a task on the chosen side
fan_out      four tasks side by side, then a join
dynamic      an @dynamic making four tasks, then a join
"""

from __future__ import annotations

import typing

from flytekit import conditional, dynamic, task, workflow


@task
def greet(name: str) -> str:
    return f"hello {name}"


@workflow
def hello(name: str = "world") -> str:
    return greet(name=name)


@task
def double(x: int) -> int:
    return 2 * x


@workflow
def chain(x: int = 1) -> int:
    return double(x=double(x=double(x=x)))


@task
def describe(x: int, kind: str) -> str:
    return f"{x} is {kind}"


@workflow
def branching(x: int = 3) -> str:
    return (
        conditional("sign")
        .if_(x > 0)
        .then(describe(x=x, kind="positive"))
        .else_()
        .then(describe(x=x, kind="not positive"))
    )


@task
def total(xs: typing.List[int]) -> int:
    return sum(xs)


@workflow
def fan_out() -> int:
    return total(xs=[double(x=index) for index in range(4)])


@dynamic
def doubled(n: int) -> typing.List[int]:
    return [double(x=index) for index in range(n)]


@workflow
def dynamic(n: int = 4) -> int:
    return total(xs=doubled(n=n))
