"""Gate nodes (`sleep`, `wait_for_input`, `approve`) opened as `pyflyte run` opens them locally.

flytekit's local behaviour, kept: a sleep gate only says it simulates the sleep; an input gate prompts for the
value (on a terminal, or reading a line of stdin); an approval gate asks to approve the value it guards and
fails the node when refused. Gates prompt one at a time, whichever branches reach theirs together.
"""

from __future__ import annotations

import copy
import threading

from flytekit.core.context_manager import FlyteContext
from flytekit.core.gate import Gate
from flytekit.core.promise import Promise, VoidPromise

_one_prompt_at_a_time = threading.Lock()


def open_gate(ctx: FlyteContext, gate: Gate, promises: dict[str, Promise]) -> dict[str, Promise]:
    """The gate's outputs by name, once it opens (flytekit's own local_execute does the asking)."""
    gate = copy.copy(gate)
    if promises:  # an approval gate shows the value it guards: this run's value, not the compiled placeholder
        gate._upstream_item = next(iter(promises.values()))
    with _one_prompt_at_a_time:
        result = gate.local_execute(ctx, **promises)
    if result is None or isinstance(result, VoidPromise):
        return {}
    names = list(gate.python_interface.outputs)
    return {names[0]: result}
