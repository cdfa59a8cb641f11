"""First attempts of job tasks started ahead of their turn, by node, until their node runs or is given up.

`flowjobs run` holds the script of a node that will run soon (flowjobs/runner/prestart.py, by
flowjobs/job_runtime.py `hold`): its attempt folder, environment and confined process are made and its imports
load while the nodes before it run. When the node runs, its job task takes the held attempt (`take`, by the node
its thread runs) and lets the script run; a node that is reused, skipped or stopped has its held attempt
discarded: the process ends and the folder is removed.
"""

from __future__ import annotations

import shutil
import threading
import typing
from dataclasses import dataclass

if typing.TYPE_CHECKING:
    from flowjobs.job_spec import Attempt
    from flowjobs.script_process import Held

_held: dict[str, HeldAttempt] = {}  # node key -> its held first attempt
_lock = threading.Lock()


@dataclass(eq=False)
class HeldAttempt:
    attempt: Attempt  # attempt 1 of the node's task, in its folder
    launch: typing.Any  # what the script runs as (flowjobs/job_runtime.py Launch)
    process: Held

    def discard(self) -> None:
        self.process.discard()
        shutil.rmtree(self.attempt.folder, ignore_errors=True)


def put(key: str, held: HeldAttempt) -> None:
    with _lock:
        _held[key] = held


def held_keys() -> list[str]:
    with _lock:
        return list(_held)


def get(key: str) -> HeldAttempt | None:
    with _lock:
        return _held.get(key)


def take(task: str) -> HeldAttempt | None:
    """The held attempt of the node this thread runs, if it holds one of `task`; it is the caller's from now on."""
    if not _held:
        return None
    from flowjobs.recorder import current_node

    node = current_node.get()
    with _lock:
        found = _held.get(node[0]) if node is not None else None
        if found is None or found.attempt.spec.name != task:
            return None
        return _held.pop(node[0])


def discard(key: str) -> None:
    with _lock:
        found = _held.pop(key, None)
    if found is not None:
        found.discard()


def discard_all() -> None:
    for key in held_keys():
        discard(key)
