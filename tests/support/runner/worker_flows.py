"""Plain Python tasks for the worker-process tests (and the benchmark's cases f, g, h).

siblings    N tasks burning CPU side by side ─► join
noops       N tasks doing nothing ─► join
mapped      a map task over N items burning CPU ─► join
budgeted    four tasks requesting 2 CPUs each
crashing    a task whose worker process dies, beside one that succeeds
flaky       a task failing until its attempt `succeed_at` (3: twice), then succeeding (retries=2), printing each attempt
partial_mapped    a map task over a functools.partial binding two of its inputs, items burning CPU
flaky_items a map task over a functools.partial whose items each fail their first attempt (retries=1)
flaky_children    an @dynamic making tasks that each fail their first attempt (retries=1)
mapped_plans      a map task over a launch plan (each item a workflow of two tasks burning CPU) ─► join
checkpointed      a task saving its progress in Flyte's checkpoint, failing at intervals (retries=3), as Flyte's example
too_slow    a task sleeping past its timeout
lingering   two tasks that write their process id, then wait (for Ctrl-C)
dynamic_siblings  an @dynamic fanning out to N tasks burning CPU ─► join
tolerant    a map task whose even items fail, with min_success_ratio=0.5
frames      N tasks each returning a DataFrame of its own ─► the values read back
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
import typing
from pathlib import Path

import pandas as pd
from flytekit import (
    LaunchPlan,
    Resources,
    WorkflowFailurePolicy,
    current_context,
    dynamic,
    map_task,
    task,
    workflow,
)
from flytekit.exceptions.user import FlyteRecoverableException

BRANCHES = int(os.environ.get("FLOWJOBS_BENCH_BRANCHES", "4"))
SECONDS = float(os.environ.get("FLOWJOBS_BENCH_SECONDS", "1"))


def burn(seconds: float) -> None:
    """Keep one CPU busy for `seconds` of CPU time."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


@task
def busy(x: int) -> int:
    burn(SECONDS)
    return x


@task
def noop(x: int) -> int:
    return x


@task
def join(xs: typing.List[int]) -> int:
    return sum(xs)


@task
def count(n: int) -> typing.List[int]:
    return list(range(n))


@workflow
def siblings() -> int:
    return join(xs=[busy(x=index) for index in range(BRANCHES)])


@workflow
def noops() -> int:
    return join(xs=[noop(x=index) for index in range(BRANCHES)])


@workflow
def mapped(n: int = BRANCHES) -> int:
    return join(xs=map_task(busy)(x=count(n=n)))


@task(requests=Resources(cpu="2"))
def wide(x: int) -> int:
    burn(SECONDS)
    return x


@workflow
def budgeted() -> int:
    return join(xs=[wide(x=index) for index in range(4)])


@task
def die(x: int) -> int:
    if x > 0:
        os._exit(3)
    return x


@workflow(failure_policy=WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE)
def crashing() -> typing.Tuple[int, int]:
    return die(x=1), busy(x=2)


def next_attempt(marks: str) -> int:
    """This attempt's number, counted in a folder of marks (each holding the process id that made it)."""
    folder = Path(marks)
    folder.mkdir(parents=True, exist_ok=True)
    attempt = len(list(folder.iterdir())) + 1
    (folder / str(attempt)).write_text(str(os.getpid()))
    return attempt


@task(retries=2)
def flaky(marks: str, succeed_at: int) -> int:
    attempt = next_attempt(marks)
    print(f"attempt {attempt} of flaky")
    if attempt < succeed_at:
        raise RuntimeError(f"attempt {attempt} fails")
    return attempt


@workflow
def flaky_flow(marks: str, succeed_at: int = 3) -> int:
    return flaky(marks=marks, succeed_at=succeed_at)


@task
def priced(quantity: int, price: float, shipping: float) -> float:
    burn(SECONDS)
    return quantity * price + shipping


@workflow
def partial_mapped(n: int = BRANCHES, price: float = 2.0) -> typing.List[float]:
    return map_task(functools.partial(priced, price=price, shipping=1.0))(quantity=count(n=n))


@task(retries=1)
def flaky_item(x: int, marks: str) -> int:
    if next_attempt(f"{marks}/{x}") < 2:
        raise RuntimeError(f"item {x} fails its first attempt")
    return x


@workflow
def flaky_items(marks: str, n: int = 3) -> typing.List[int]:
    return map_task(functools.partial(flaky_item, marks=marks))(x=count(n=n))


@dynamic
def flaky_fan_out(n: int, marks: str) -> typing.List[int]:
    return [flaky_item(x=index, marks=marks) for index in range(n)]


@workflow
def flaky_children(marks: str, n: int = 2) -> int:
    return join(xs=flaky_fan_out(n=n, marks=marks))


@task(retries=3)
def resume_counting(iterations: int) -> int:
    """Counts to `iterations`, saving its progress; fails every third of the way (a cluster's retries resume)."""
    checkpoint = current_context().checkpoint
    saved = checkpoint.read()
    start = int(saved.decode()) if saved else 0
    interval = iterations // 3
    index = start
    for index in range(start, iterations):
        if index > start and index % interval == 0:
            raise FlyteRecoverableException(f"failed at iteration {index}")
        checkpoint.write(f"{index + 1}".encode())
    return index


@workflow
def checkpointed(iterations: int = 10) -> int:
    return resume_counting(iterations=iterations)


@task(timeout=dt.timedelta(seconds=1))
def slow(x: int) -> int:
    time.sleep(120)
    return x


@workflow
def too_slow() -> int:
    return slow(x=1)


@task
def linger(pid_dir: str, x: int) -> int:
    Path(pid_dir, str(os.getpid())).write_text(str(x))
    time.sleep(600)
    return x


@workflow
def lingering(pid_dir: str) -> typing.Tuple[int, int]:
    return linger(pid_dir=pid_dir, x=1), linger(pid_dir=pid_dir, x=2)


@dynamic
def fan_out(n: int) -> typing.List[int]:
    return [busy(x=index) for index in range(n)]


@workflow
def dynamic_siblings(n: int = BRANCHES) -> int:
    return join(xs=fan_out(n=n))


@task
def odd_only(x: int) -> int:
    if x % 2 == 0:
        raise ValueError(f"{x} is even")
    return x


@task
def present(xs: typing.List[int | None]) -> typing.List[int]:
    return [x for x in xs if x is not None]


@workflow
def tolerant(n: int = 4) -> typing.List[int]:
    return present(xs=map_task(odd_only, min_success_ratio=0.5)(x=count(n=n)))


@task
def frame(x: int) -> pd.DataFrame:
    return pd.DataFrame({"x": [x]})


@task
def frame_values(frames: typing.List[pd.DataFrame]) -> typing.List[int]:
    return [int(one["x"].iloc[0]) for one in frames]


@workflow
def frames() -> typing.List[int]:
    return frame_values(frames=[frame(x=index) for index in range(BRANCHES)])


@workflow
def busy_twice(x: int) -> int:
    return busy(x=busy(x=x))


busy_twice_plan = LaunchPlan.get_or_create(busy_twice, name="busy_twice_plan")


@workflow
def mapped_plans(xs: typing.List[int]) -> int:
    return join(xs=map_task(busy_twice_plan)(x=xs))
