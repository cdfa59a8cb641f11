"""`flowjobs run` walks the node graph: branches at the same time within the CPU budget; subworkflows,
@dynamic nodes and conditionals give what flytekit's own local execution gives."""

from __future__ import annotations

import pytest

from tests.support.runner import flows
from tests.support.runner.harness import intervals, peak, run_flow


def test_independent_branches_run_at_the_same_time_within_the_budget() -> None:
    outcome = run_flow("sleeps", "--cpus", "2")
    assert outcome.code == 0, outcome.log
    assert outcome.stdout.strip() == "[1, 1, 1, 1]"
    spans = intervals(outcome.record)
    assert sorted(spans) == ["sleep_0", "sleep_1", "sleep_2", "sleep_3"]
    assert peak([(start, end, 1) for start, end in spans.values()]) == 2, spans


def test_max_parallel_caps_the_running_nodes() -> None:
    outcome = run_flow("sleeps", "--cpus", "4", "--max-parallel", "1")
    assert outcome.code == 0, outcome.log
    assert peak([(start, end, 1) for start, end in intervals(outcome.record).values()]) == 1


def test_a_running_task_holds_its_tiers_cpus_and_a_tier_above_the_budget_runs_alone() -> None:
    outcome = run_flow("tiers", "--cpus", "2")
    assert outcome.code == 0, outcome.log
    tier_cpus = {"Small": 1, "Medium": 2, "Large": 2}
    spans = {
        entry.name: (entry.attempts[0].start, entry.attempts[-1].end, tier_cpus[entry.tier])
        for entry in outcome.record.tasks.values()
    }
    assert peak(list(spans.values())) == 2, spans
    for alone in ("tier_0_Medium", "tier_1_Medium", "tier_4_Large"):
        start, end, _ = spans[alone]
        others = [name for name, (s, e, _) in spans.items() if name != alone and s < end and e > start]
        assert not others, f"{alone} ran beside {others}"
    assert "tier Large asks for 4 CPUs, the budget is 2: it runs alone" in outcome.log


@pytest.mark.parametrize(("x", "size"), [(3, "small"), (5, "big")])
def test_subworkflow_dynamic_and_conditional_give_flytekits_local_results(x: int, size: str) -> None:
    outcome = run_flow("shapes", "--x", str(x), "--n", "3")
    assert outcome.code == 0, outcome.log
    expected = flows.shapes(x=x, n=3)
    assert outcome.stdout.strip() == str(expected)
    assert expected.o2 == f"{size} {3 * x}"
    names = {key: entry.name for key, entry in outcome.record.tasks.items()}
    assert names["n0/n0"] == "double" and names["n0/n1"] == "add", "the subworkflow's nodes run as nodes"
    assert "doubles" in names.values() and "describe" in names.values()


def test_a_conditional_fail_case_fails_the_run_naming_it() -> None:
    outcome = run_flow("shapes", "--x", "-5")
    assert outcome.code == 1
    assert "conditional 'size': negative input" in outcome.log
    assert outcome.record.status == "failed"
    assert "describe" not in {entry.name for entry in outcome.record.tasks.values()}


def test_launch_plans_and_map_tasks_run_as_one_node_each_with_flytekits_result() -> None:
    from tests.support import constructs_flow

    outcome = run_flow("constructs", "--n", "3", file=constructs_flow.__file__)
    assert outcome.code == 0, outcome.log
    assert outcome.stdout.strip() == str(constructs_flow.constructs(n=3))
    assert outcome.status("echo") == "done"
