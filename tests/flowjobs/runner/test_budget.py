"""The CPU budget: tasks hold their tier's CPUs, wait their turn (small ones may pass a big one a bounded number
of times; nodes in the order the scheduler started them), and are refused once the run is stopped."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from flowjobs.runner.budget import MAX_PASSES, RESERVED_SECONDS, CpuBudget, Interrupted


def hold_in_thread(budget: CpuBudget, cpus: float, log: list, name: str, seconds: float) -> threading.Thread:
    def hold() -> None:
        try:
            with budget.hold(cpus):
                log.append(f"{name} start")
                time.sleep(seconds)
                log.append(f"{name} end")
        except Interrupted:
            log.append(f"{name} refused")

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.05)  # queue in the order given
    return thread


def test_a_small_task_uses_a_cpu_a_waiting_big_one_cannot_use_yet() -> None:
    budget, log = CpuBudget(2), []
    threads = [
        hold_in_thread(budget, 1, log, "small_a", 0.5),
        hold_in_thread(budget, 2, log, "big", 0.1),
        hold_in_thread(budget, 1, log, "small_b", 0.1),
    ]
    for thread in threads:
        thread.join(5)
    assert log == ["small_a start", "small_b start", "small_b end", "small_a end", "big start", "big end"]
    assert budget.free == 2


def test_a_waiting_big_task_is_passed_a_bounded_number_of_times_not_starved() -> None:
    budget, log = CpuBudget(2), []
    threads = [hold_in_thread(budget, 1, log, "long", 1.0), hold_in_thread(budget, 2, log, "big", 0.1)]
    threads += [hold_in_thread(budget, 1, log, f"small_{index}", 0.1) for index in range(5)]
    for thread in threads:
        thread.join(10)
    starts = [line.removesuffix(" start") for line in log if line.endswith(" start")]
    assert starts[0] == "long" and starts[MAX_PASSES + 1] == "big", starts
    assert all(name.startswith("small_") for name in starts[1 : MAX_PASSES + 1]), starts
    assert sorted(starts) == sorted(["long", "big", *[f"small_{index}" for index in range(5)]])
    assert budget.free == 2


def test_a_tier_above_the_budget_takes_all_of_it_with_one_warning(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("flowjobs"), "handlers", [caplog.handler])
    monkeypatch.setattr(logging.getLogger("flowjobs"), "propagate", False)  # as the job runtime sets it
    budget = CpuBudget(2)
    assert budget.share(1, "t", "Small") == 1
    assert budget.share(4, "t", "Large") == 2 and budget.share(4, "t", "Large") == 2
    warnings = [r.getMessage() for r in caplog.records if "runs alone" in r.getMessage()]
    assert warnings == ["task 't': tier Large asks for 4 CPUs, the budget is 2: it runs alone"]


def test_stopping_refuses_the_waiting_and_later_requests() -> None:
    budget, log = CpuBudget(1), []
    running = hold_in_thread(budget, 1, log, "running", 0.3)
    waiting = hold_in_thread(budget, 1, log, "waiting", 0.1)
    budget.stop()
    running.join(5)
    waiting.join(5)
    assert log == ["running start", "waiting refused", "running end"]
    with pytest.raises(Interrupted), budget.hold(1):
        pass


def test_nodes_are_admitted_in_the_order_they_were_started_whichever_asks_first() -> None:
    budget, log = CpuBudget(2), []
    budget.reserve("big", 2)
    budget.reserve("small", 1)
    small = threading.Thread(target=lambda: held_by(budget, 1, "small", log))
    small.start()
    time.sleep(0.2)  # the small node's attempt asks first: its place is behind the big one's
    big = threading.Thread(target=lambda: held_by(budget, 2, "big", log))
    big.start()
    for thread in (small, big):
        thread.join(5)
    assert log == ["big start", "big end", "small start", "small end"]
    assert budget.free == 2 and not budget._queue


def test_a_place_its_node_never_takes_is_given_up() -> None:
    budget, log = CpuBudget(2), []
    budget.reserve("reused", 2)  # a node whose outputs were reused: its attempt never asks
    hold_in_thread(budget, 1, log, "next", 0.1).join(5 + RESERVED_SECONDS)
    assert log == ["next start", "next end"] and not budget._queue
    budget.reserve("failed early", 1)
    budget.give_up("failed early")  # the scheduler, as the node ends
    assert not budget._queue


def held_by(budget: CpuBudget, cpus: float, node: str, log: list) -> None:
    with budget.hold(cpus, node):
        log.append(f"{node} start")
        time.sleep(0.1)
        log.append(f"{node} end")
