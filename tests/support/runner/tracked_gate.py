"""A flow for the resume tests: a tracked task (its MLflow runs belong to its execution) before a gate.

tracked_gate    first (tracking=True) ─► gate (fails unless the gate file says "pass");  aside (independent)
"""

from __future__ import annotations

import typing

from flytekit import workflow

from flowjobs.jobs import Input
from tests.support.runner.flows import STEP, TXT, job, sleeper


@workflow
def tracked_gate(gate: TXT) -> typing.Tuple[int, int]:
    first = sleeper("tracked_first", "Small", seconds=0.1, tracking=True)
    aside = sleeper("untracked_aside", "Small", seconds=0.1)
    opened = job("tracked_gate", f"{STEP} gate", Input("gate", TXT, gate), Input("after", int, first))
    return opened, aside
