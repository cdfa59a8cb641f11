"""The tiers' floor that `make bench` sets beside the ideal of the multi-train job (benchmarks/floor.py)."""

from __future__ import annotations

import math

from benchmarks.floor import tier_floor

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
