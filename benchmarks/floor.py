"""Benchmark (b)'s floor: where each node of the multi-train flow spends its time, and the whole job against
its nodes' own work.

A node's own work is its step's work and tracking (helpers/time_split.py): what is left when start-up,
teardown, waiting for CPUs and the job task's own handling are taken away. Under stock `pyflyte run` the nodes
run one after another, so the whole command is held to the sum of their own work; under `flowjobs run` to the
ideal over their own work (the longest path, or the CPU work over the cores).
"""

from __future__ import annotations

import typing

from helpers.records import ExecutionRecord

TARGETS = {"pyflyte run": 1.30, "flowjobs run": 1.15}
COLUMNS = ["case", "wall (whole command)", "measured against", "seconds", "ratio"]


def own_work(record: ExecutionRecord) -> dict[str, float]:
    """Each task's own work (work and tracking, over its attempts), by task name; tasks without a split count 0."""
    found = {}
    for entry in record.tasks.values():
        splits = [attempt.time_split for attempt in entry.attempts if attempt.time_split is not None]
        found[entry.task] = sum((split.work or 0.0) + (split.tracking or 0.0) for split in splits)
    return found


def rows(
    pyflyte_wall: float,
    pyflyte: ExecutionRecord,
    flowjobs_wall: float,
    best: typing.Callable[[dict[str, float]], float],
    ratio: typing.Callable,
) -> list[list[str]]:
    """The two whole-job ratios; `best` is the ideal over the given per-task seconds."""
    own = own_work(pyflyte)
    total, ideal = sum(own.values()), best(own)
    return [
        [
            "pyflyte run",
            f"{pyflyte_wall:.1f}s",
            "sum of own work",
            f"{total:.1f}s",
            ratio(pyflyte_wall / total, TARGETS["pyflyte run"]),
        ],
        [
            "flowjobs run",
            f"{flowjobs_wall:.1f}s",
            "ideal of own work",
            f"{ideal:.1f}s",
            ratio(flowjobs_wall / ideal, TARGETS["flowjobs run"]),
        ],
    ]
