"""What a Domino flow needs before it runs here, noted while `flowjobs port-domino` loads it instead of raised.

Defining a Domino task (flowjobs/domino/define.py) raises the first thing it cannot map as a JobDefinitionError;
inside `surveying()` it notes each one (standing in a default for it) and goes on, so one load of a flow lists them
all, with the tasks it defined (their commands and environments, for the checks of their scripts).
"""

from __future__ import annotations

import contextlib
import logging
import typing
from dataclasses import dataclass, field
from pathlib import Path

from flowjobs.jobs import JobDefinitionError


@dataclass(frozen=True)
class Need:
    """Something a flow needs before it runs here: what, which one, and how to add it (`blocking`: a note that
    does not keep the flow from running, such as a keyword ignored as Domino ignores it, is not)."""

    kind: str  # tier, environment, dataset, volume, script, runtime, module, api, load, ignored
    key: str
    message: str
    task: str
    blocking: bool = True


@dataclass(frozen=True)
class TaskSeen:
    """A task the flow defined: its name, its command as written and the environment it runs in."""

    name: str
    command: str
    environment: str | None
    script: Path | None = None  # its script on this machine, once the flow's project is known


@dataclass
class Survey:
    needs: list[Need] = field(default_factory=list)
    tasks: list[TaskSeen] = field(default_factory=list)


_survey: Survey | None = None
_warned: set[tuple[str, str]] = set()


@contextlib.contextmanager
def surveying() -> typing.Iterator[Survey]:
    """While a flow loads, note every need instead of failing at the first."""
    global _survey
    _survey, before = Survey(), _survey
    try:
        yield _survey
    finally:
        _survey = before


def active() -> bool:
    return _survey is not None


def need(kind: str, key: str, task: str, message: str) -> None:
    """Raise the need as a definition error, or note it while surveying."""
    if _survey is None:
        raise JobDefinitionError(f"task '{task}': {message}")
    _survey.needs.append(Need(kind, key, message, task))


def note(kind: str, key: str, task: str, message: str) -> None:
    """Something worth saying that does not stop the task: noted while surveying, else a warning."""
    if _survey is None:
        if (task, message) not in _warned:  # a workflow's body runs again when a local run executes it
            _warned.add((task, message))
            logging.getLogger("flowjobs").warning("task '%s': %s", task, message)
        return
    _survey.needs.append(Need(kind, key, message, task, blocking=False))


def saw(task: str, command: str, environment: str | None) -> None:
    if _survey is not None:
        _survey.tasks.append(TaskSeen(task, command, environment))
