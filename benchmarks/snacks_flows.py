"""Workflows in the shapes of Flyte's own examples (flytesnacks: basics, data types, composition), written for the
benchmark: what a Flyte user's local runs look like (`make bench`, benchmarks/everyday.py).

named_outputs   two tasks passing a NamedTuple's field
records         dataclasses in and out
frames          a DataFrame made, filtered and summed (a structured dataset between tasks)
files           a file written by one task and read by the next
nested          a subworkflow called twice
mapped          a map task over a list
mapped_partial  a map task over a functools.partial binding two inputs
planned         a launch plan with a fixed input, called as a node
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from pathlib import Path

import pandas as pd
from flytekit import LaunchPlan, current_context, map_task, task, workflow
from flytekit.types.file import FlyteFile


class Fit(typing.NamedTuple):
    slope: float
    intercept: float


@task
def points(n: int) -> typing.List[int]:
    return [3 * index - n for index in range(n)]


@task
def fit_line(x: typing.List[int]) -> Fit:
    y = [4 - value for value in x]
    n, sx, sy = len(x), sum(x), sum(y)
    slope = (n * sum(a * b for a, b in zip(x, y, strict=True)) - sx * sy) / (n * sum(a * a for a in x) - sx * sx)
    return Fit(slope=slope, intercept=(sy - slope * sx) / n)


@task
def predict(slope: float, intercept: float, at: int) -> float:
    return slope * at + intercept


@workflow
def named_outputs(n: int = 3) -> float:
    fitted = fit_line(x=points(n=n))
    return predict(slope=fitted.slope, intercept=fitted.intercept, at=10)


@dataclasses.dataclass
class Reading:
    sensor: str
    values: typing.List[float]


@task
def read_sensor(sensor: str) -> Reading:
    return Reading(sensor=sensor, values=[1.0, 2.5, 4.0])


@task
def mean_of(reading: Reading) -> float:
    return sum(reading.values) / len(reading.values)


@workflow
def records(sensor: str = "a") -> float:
    return mean_of(reading=read_sensor(sensor=sensor))


@task
def make_frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"name": [f"n{i}" for i in range(rows)], "age": list(range(rows))})


@task
def adults(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["age"] >= 18]


@task
def count_rows(frame: pd.DataFrame) -> int:
    return len(frame)


@workflow
def frames(rows: int = 40) -> int:
    return count_rows(frame=adults(frame=make_frame(rows=rows)))


@task
def write_lines(count: int) -> FlyteFile:
    path = Path(current_context().working_directory) / "lines.txt"
    path.write_text("".join(f"line {i}\n" for i in range(count)))
    return FlyteFile(str(path))


@task
def count_lines(file: FlyteFile) -> int:
    with open(file) as lines:
        return sum(1 for _ in lines)


@workflow
def files(count: int = 5) -> int:
    return count_lines(file=write_lines(count=count))


@task
def add(a: int, b: int) -> int:
    return a + b


@workflow
def add_twice(a: int, b: int) -> int:
    return add(a=add(a=a, b=b), b=b)


@workflow
def nested(a: int = 1) -> int:
    return add_twice(a=add_twice(a=a, b=2), b=3)


@task
def anomalous(value: int) -> bool:
    return value > 5


@workflow
def mapped(n: int = 6) -> typing.List[bool]:
    return map_task(anomalous)(value=points(n=n))


@task
def priced(quantity: int, price: float, shipping: float) -> float:
    return quantity * price + shipping


@workflow
def mapped_partial(n: int = 4, price: float = 6.0, shipping: float = 7.0) -> float:
    each = map_task(functools.partial(priced, price=price, shipping=shipping))(quantity=points(n=n))
    return total_of(values=each)


@task
def total_of(values: typing.List[float]) -> float:
    return sum(values)


plus_ten = LaunchPlan.get_or_create(add_twice, name="plus_ten", fixed_inputs={"b": 5})


@workflow
def planned(a: int = 1) -> int:
    return plus_ten(a=a)
