"""A (sub)workflow's `on_failure` handler, called as flytekit calls it when a local workflow call fails.

flytekit's `WorkflowBase.__call__` calls the handler with the workflow's inputs (and `err`, a FlyteError whose
message is the failed task's error) before the error goes on up; under `pyflyte run` a failing subworkflow
therefore calls its own handler, then its parent's. The runner opens subworkflows up into their nodes, so it
calls the handlers of the subworkflows a failed node sits in, innermost first; the top workflow's handler is
still called by flytekit itself, around the scheduler.
"""

from __future__ import annotations

import typing

from flytekit.core.promise import Promise
from flytekit.core.workflow import WorkflowBase
from flytekit.types.error import FlyteError


def handle(workflow: WorkflowBase, inputs: dict[str, Promise], error: BaseException) -> None:
    """Call the workflow's handler, if it has one, with its inputs and the error."""
    handler: typing.Any = workflow.on_failure
    if handler is None:
        return
    arguments = dict(inputs)
    if handler.python_interface and "err" in handler.python_interface.inputs:
        node_id = workflow.failure_node.id if workflow.failure_node else ""
        arguments["err"] = FlyteError(failed_node_id=node_id, message=str(error))
    handler(**arguments)
