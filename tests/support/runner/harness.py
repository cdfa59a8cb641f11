"""Running `flowjobs run` in the test process (cheap: flytekit is imported once) and reading what it recorded."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import typing
from dataclasses import dataclass

from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap
from rich.console import Console

from flowjobs import records
from flowjobs.records import ExecutionRecord
from flowjobs.runner import flowjobs_run
from tests.support.project import PROJECT_ROOT

FLOWS = PROJECT_ROOT / "tests" / "support" / "runner" / "flows.py"


@dataclass
class Outcome:
    code: int
    stdout: str
    log: str  # what the runner showed on stderr: status lines, the summary, errors
    record: ExecutionRecord | None

    def status(self, name: str) -> str:
        return next(entry.status for entry in self.record.tasks.values() if entry.name == name)


def run_flow(workflow: str, *args: str, file: str = str(FLOWS), terminal: bool = False) -> Outcome:
    """`flowjobs run FILE WORKFLOW ARGS` in this process; `terminal` draws the live table as on a terminal."""
    before = {record.execution_id for record in records.list_records()}
    shown = io.StringIO()
    printed = io.StringIO()
    console = Console(file=shown, width=200, soft_wrap=True, force_terminal=terminal, no_color=True)
    with contextlib.redirect_stdout(printed):
        code = flowjobs_run.main(file, workflow, list(args), console=console)
    new = [record for record in records.list_records() if record.execution_id not in before]
    return Outcome(code, printed.getvalue(), shown.getvalue(), new[0] if new else None)


def intervals(record: ExecutionRecord) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """Each task's attempts, start to end, by task name (the last attempt's end)."""
    tasks = [entry for entry in record.tasks.values() if entry.attempts]
    return {entry.name: (entry.attempts[0].start, entry.attempts[-1].end) for entry in tasks}


def peak(spans: list[tuple[dt.datetime, dt.datetime, float]]) -> float:
    """The largest sum of weights of spans running at the same moment."""
    events = sorted([(start, weight) for start, _, weight in spans] + [(end, -weight) for _, end, weight in spans])
    running = highest = 0.0
    for _, change in events:  # at equal times an end (negative) sorts before a start
        running += change
        highest = max(highest, running)
    return highest


def literals(**values: tuple[typing.Any, typing.Any]) -> LiteralMap:
    """Flyte literals of Python values, each given as (type, value): a task's inputs as a pod receives them."""
    ctx = FlyteContextManager.current_context()
    return LiteralMap(
        literals={
            name: TypeEngine.to_literal(ctx, value, kind, TypeEngine.to_literal_type(kind))
            for name, (kind, value) in values.items()
        }
    )
