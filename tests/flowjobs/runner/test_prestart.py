"""`flowjobs run` starts the next node's script ahead of its turn (flowjobs/runner/prestart.py): it then runs as it
would have in its turn, a node that never runs has its held script ended and its folder removed, no more wait
held than the budget has CPUs, and FLOWJOBS_START_AHEAD=0 turns it off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowjobs import held_attempts, job_runtime
from flowjobs.records import AttemptOutcome
from flowjobs.runner.prestart import Prestart
from tests.support.project import PROJECT_ROOT
from tests.support.runner.harness import run_flow


@pytest.fixture
def idle_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's idle CPUs as on a quiet one: a test run beside others may find none idle, and then holds
    nothing (rightly); what is tested here is what holding does."""
    monkeypatch.setattr(Prestart, "_idle_cpus", lambda self: self.budget.total)


@pytest.fixture
def holds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool, int]]:
    """Each node the runner held: its task, whether it is held, and how many then wait held."""
    seen, hold = [], job_runtime.hold

    def holding(spec, key: str) -> bool:
        done = hold(spec, key)
        seen.append((spec.name, done, len(held_attempts.held_keys())))
        return done

    monkeypatch.setattr(job_runtime, "hold", holding)
    return seen


def processes_in(folder: Path) -> list[int]:
    """Processes whose working folder is under `folder` (a held script's is its attempt folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")).is_relative_to(folder):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def attempts_of(outcome, name: str) -> list:
    return next(entry.attempts for entry in outcome.record.tasks.values() if entry.name == name)


def test_the_next_node_runs_in_the_script_started_ahead_as_in_its_turn(idle_machine: None, work_dir: Path) -> None:
    outcome = run_flow("ahead", "--cpus", "2")
    assert outcome.code == 0, outcome.log
    assert outcome.stdout.strip() == "1"  # its attempt number, from the environment it was started with
    [first], [second] = attempts_of(outcome, "ahead_first"), attempts_of(outcome, "ahead_second")
    assert not first.started_ahead and second.started_ahead
    assert second.outcome == AttemptOutcome.SUCCEEDED and first.outcome == AttemptOutcome.SUCCEEDED
    assert not processes_in(work_dir)


def test_a_held_node_that_never_runs_is_ended_and_its_folder_removed(
    idle_machine: None, work_dir: Path, holds: list
) -> None:
    outcome = run_flow("ahead_failing", "--cpus", "2")
    assert outcome.code == 1
    assert holds == [("tests.support.runner.flows.ahead_second", True, 1)]
    assert outcome.status("ahead_second") == "skipped" and not attempts_of(outcome, "ahead_second")
    assert not list(work_dir.glob("ahead_second-attempt*")), "its held attempt's folder is removed"
    assert not processes_in(work_dir)


def test_no_more_scripts_wait_held_than_the_budget_has_cpus(idle_machine: None, work_dir: Path, holds: list) -> None:
    outcome = run_flow("ahead_wide", "--cpus", "2")
    assert outcome.code == 0, outcome.log
    assert outcome.stdout.strip() == "[1, 1, 1, 1]"
    assert holds and max(waiting for _, _, waiting in holds) <= 2, holds
    assert not processes_in(work_dir)


def test_start_ahead_off(idle_machine: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWJOBS_START_AHEAD", "0")
    outcome = run_flow("ahead", "--cpus", "2")
    assert outcome.code == 0, outcome.log
    assert not any(attempt.started_ahead for attempt in attempts_of(outcome, "ahead_second"))


HOLD_IN_A_FRESH_PROCESS = """
import json, sys
from flowjobs.runner import workflow_inputs
loaded = workflow_inputs.load_workflow("tests/support/tracked_flow.py", "tracked")
lazy = lambda: {name for name, module in sys.modules.items() if type(module).__name__ == "_LazyModule"}
before = lazy()
from flowjobs import execution, held_attempts, job_runtime
execution.is_local_execution = lambda: True  # as inside the runner's workflow
[train] = [node.flyte_entity for node in loaded.workflow.nodes if node.flyte_entity.name.endswith(".train")]
held = job_runtime.hold(train.spec, "n1")
held_attempts.discard_all()
print(json.dumps([held, sorted(before), sorted(before - lazy())]))
"""


def test_holding_a_tracked_task_on_a_fresh_store_loads_none_of_flytekit_s_lazy_modules(tmp_path: Path) -> None:
    """Holding runs in the scheduler's thread while nodes run in theirs, and Python 3.11's lazy loader is not safe for
    two threads: a held tracked task once created a fresh store's schema there, importing MLflow and with it pandas,
    while a node converted its outputs ("module 'pandas' has no attribute 'DataFrame'")."""
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'fresh.db'}",
        "FLOWJOBS_EXECUTION_ID": "local-t",
    }
    done = subprocess.run(
        [sys.executable, "-c", HOLD_IN_A_FRESH_PROCESS], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    held, lazy, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert (held, loaded) == (True, []), done.stdout
    assert "pandas" in lazy  # it was lazy before holding, so the test could see it loaded
