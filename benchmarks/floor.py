"""Benchmark (b)'s floor: where each node of the multi-train flow spends its time, and the whole job against
its nodes' own work.

A node's own work is its step's work and tracking (flowjobs/time_split.py): what is left when start-up,
teardown, waiting for CPUs and the job task's own handling are taken away. Under stock `pyflyte run` the nodes
run one after another, so the whole command is held to the sum of their own work; under `flowjobs run` to the
ideal over their own work (the longest path, or the CPU work over the cores), and to the tiers' floor: the
shortest schedule of that work in which every task holds its tier's CPUs, as the runner's budget has it.
"""

from __future__ import annotations

import itertools
import math
import typing

from flowjobs.records import ExecutionRecord

TARGETS = {"pyflyte run": 1.20, "flowjobs run": 1.15, "floor": 1.10}  # the floor: flowjobs run over its own work
COLUMNS = ["case", "wall (whole command)", "measured against", "seconds", "ratio"]


def own_work(record: ExecutionRecord) -> dict[str, float]:
    """Each job task's own work (work and tracking, over its attempts), by task name. Tasks without a split are left
    out: a plain Python task (the champion's keeping, run by the runner or a worker) has no script to split."""
    found = {}
    for entry in record.tasks.values():
        splits = [attempt.time_split for attempt in entry.attempts if attempt.time_split is not None]
        if splits:
            found[entry.task] = sum((split.work or 0.0) + (split.tracking or 0.0) for split in splits)
    return found


def _place(task: str, after: float, took: dict, cpus: dict, placed: dict, cores: int) -> tuple[float, float]:
    """The earliest span from `after` on where the task's CPUs fit beside the spans already placed."""
    for start in sorted({after} | {end for _, end in placed.values() if end > after}):
        end = start + took[task]
        moments = [start] + [begin for begin, _ in placed.values() if start < begin < end]
        held = (sum(cpus[other] for other, (b, e) in placed.items() if b <= moment < e) for moment in moments)
        if all(amount + cpus[task] <= cores + 1e-9 for amount in held):
            return start, end
    raise AssertionError("a span after every placed one always fits")


def tier_floor(took: dict[str, float], cpus: dict[str, float], needs: dict[str, set[str]], cores: int) -> float:
    """The shortest schedule of `took` in which each task holds `cpus` from start to end, never more than `cores`
    at once, each after the tasks it needs: every order the dependencies allow, each task placed as early as it
    fits (a serial schedule; one of those orders gives an optimal one). n! orders: for small flows only."""
    if len(took) > 9:
        return math.nan
    best = math.inf
    for order in itertools.permutations(took):
        placed: dict[str, tuple[float, float]] = {}
        for task in order:
            before = [other for other in needs.get(task, ()) if other in took]
            if any(other not in placed for other in before):
                break  # an order the dependencies do not allow
            after = max((placed[other][1] for other in before), default=0.0)
            placed[task] = _place(task, after, took, cpus, placed, cores)
        else:
            best = min(best, max(end for _, end in placed.values()))
    return best


def rows(
    pyflyte_wall: float,
    pyflyte: ExecutionRecord,
    flowjobs_wall: float,
    best: typing.Callable[[dict[str, float]], float],
    ratio: typing.Callable,
    floor: typing.Callable[[dict[str, float]], float] | None = None,
    flowjobs: ExecutionRecord | None = None,
) -> list[list[str]]:
    """The whole-job ratios; `best` is the ideal over the given per-task seconds, `floor` the tiers' floor.
    With `flowjobs` (its run's record), the same two again over that run's own work: H2O's AutoML alone moves by
    seconds from one run to the next, and the runner is best judged against the work it actually ran."""
    own = own_work(pyflyte)
    total = sum(own.values())
    shown = [
        [
            "pyflyte run",
            f"{pyflyte_wall:.1f}s",
            "sum of own work",
            f"{total:.1f}s",
            ratio(pyflyte_wall / total, TARGETS["pyflyte run"]),
        ]
    ]
    works = [("pyflyte's", own)] + ([("its", own_work(flowjobs))] if flowjobs is not None else [])
    for whose, work in works:
        ideal = best(work)
        against = f"ideal of {whose} own work"
        shown.append(
            [
                "flowjobs run",
                f"{flowjobs_wall:.1f}s",
                against,
                f"{ideal:.1f}s",
                ratio(flowjobs_wall / ideal, TARGETS["flowjobs run"]),
            ]
        )
        if floor is not None:
            least = floor(work)
            against = f"tiers' floor of {whose} own work ({least / ideal:.2f} × ideal)"
            target = TARGETS["floor"] if whose == "its" else None
            shown.append(
                [
                    "flowjobs run",
                    f"{flowjobs_wall:.1f}s",
                    against,
                    f"{least:.1f}s",
                    ratio(flowjobs_wall / least, target),
                ]
            )
    return shown
