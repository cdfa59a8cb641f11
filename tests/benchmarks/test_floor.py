"""The tiers' floor that `make bench` sets beside the ideal of the multi-train job (benchmarks/floor.py)."""

from __future__ import annotations

import math
import types

from benchmarks.floor import rows, tier_floor

BRANCHES = {"logreg": 3.7, "h2o": 23.0, "rf": 4.5, "xgb": 3.7}
NEEDS = {**{branch: {"prepare"} for branch in BRANCHES}, "compare": set(BRANCHES), "promote": {"compare"}}


def test_equal_one_cpu_tasks_fill_both_cores() -> None:
    assert tier_floor({"a": 3, "b": 3, "c": 3, "d": 3}, dict.fromkeys("abcd", 1), {}, 2) == 6


def test_a_task_holding_both_cores_runs_alone() -> None:
    assert tier_floor({"wide": 3, "b": 2, "c": 1}, {"wide": 2, "b": 1, "c": 1}, {}, 2) == 5


def test_the_multi_train_shape_leaves_a_core_idle_beside_the_odd_small_branch() -> None:
    took = {"prepare": 1.4, **BRANCHES, "compare": 1.4, "promote": 1.4}
    cpus = {**dict.fromkeys(took, 1), "h2o": 2}
    floor = tier_floor(took, cpus, NEEDS, 2)
    ideal = sum(took[task] * cpus[task] for task in took) / 2
    assert math.isclose(floor, 1.4 + 23.0 + (3.7 + 3.7) + 1.4 + 1.4)  # the two shortest small ones share a core
    assert floor > ideal


def test_dependencies_are_kept() -> None:
    assert tier_floor({"a": 1, "b": 1}, {"a": 1, "b": 1}, {"b": {"a"}}, 2) == 2


def test_on_four_cores_the_small_branches_fit_beside_h2o_and_the_floor_is_the_longest_path() -> None:
    took = {"prepare": 1.4, **BRANCHES, "compare": 1.4, "promote": 1.4}
    cpus = {**dict.fromkeys(took, 1), "h2o": 2}
    assert math.isclose(tier_floor(took, cpus, NEEDS, 4), 1.4 + 23.0 + 1.4 + 1.4)


def _record(took: dict[str, float], plain: str = "") -> types.SimpleNamespace:
    """A record as own_work reads it: each task's attempts with their split (work and tracking); `plain`, a task
    recorded without a split."""

    def entry(task: str, split: types.SimpleNamespace | None) -> types.SimpleNamespace:
        return types.SimpleNamespace(task=task, attempts=[types.SimpleNamespace(time_split=split)])

    tasks = {task: entry(task, types.SimpleNamespace(work=took[task] - 1, tracking=1.0)) for task in took}
    if plain:
        tasks[plain] = entry(plain, None)
    return types.SimpleNamespace(tasks=tasks)


def test_the_whole_job_is_also_set_against_the_work_of_its_own_run() -> None:
    cpus = {"a": 1, "b": 1}
    slower = {"a": 4.0, "b": 6.0}  # the flowjobs run's own work: its b took 2 s more than in pyflyte's run
    shown = rows(
        10.0,
        _record({"a": 4.0, "b": 4.0}),
        7.0,
        lambda own: max(own.values()),
        lambda value, target=None: f"{value:.2f}",
        lambda own: tier_floor(own, cpus, {}, 2),
        _record(slower, plain="keep"),  # a plain Python task only the flowjobs run records: no split, left out
    )
    assert [row[2:] for row in shown] == [
        ["sum of own work", "8.0s", "1.25"],
        ["ideal of pyflyte's own work", "4.0s", "1.75"],
        ["tiers' floor of pyflyte's own work (1.00 × ideal)", "4.0s", "1.75"],
        ["ideal of its own work", "6.0s", "1.17"],
        ["tiers' floor of its own work (1.00 × ideal)", "6.0s", "1.17"],
    ]
