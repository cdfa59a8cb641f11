"""An @dynamic node opened up: its function compiled, on this run's input values, into the workflow a cluster
would run for it, whose nodes the scheduler then runs like any others (side by side, in worker processes).

This is what flytekit does in a pod (`compile_into_workflow`): the function runs in a compilation context with
the real inputs, so its loops and tests see values, and each task it calls becomes a node. A cached @dynamic,
or one whose function does not compile (it reads a task's output as a value, say), runs as one node instead,
through flytekit's local execution.
"""

from __future__ import annotations

from flytekit import FlyteContextManager
from flytekit.core.base_task import PythonTask
from flytekit.core.context_manager import ExecutionState
from flytekit.core.promise import Promise
from flytekit.core.python_function_task import PythonFunctionTask
from flytekit.core.type_engine import TypeEngine
from flytekit.core.workflow import (
    PythonFunctionWorkflow,
    WorkflowFailurePolicy,
    WorkflowMetadata,
    WorkflowMetadataDefaults,
)
from flytekit.models.literals import LiteralMap


def is_dynamic(entity: object) -> bool:
    return (
        isinstance(entity, PythonFunctionTask)
        and entity.execution_mode == PythonFunctionTask.ExecutionBehavior.DYNAMIC
        and not entity.metadata.cache
    )


def compile_dynamic(task: PythonTask, promises: dict[str, Promise]) -> PythonFunctionWorkflow | None:
    """The workflow the @dynamic task makes of these inputs; None when it cannot be made here."""
    ctx = FlyteContextManager.current_context()
    try:
        literals = LiteralMap({name: promise.val for name, promise in promises.items()})
        values = TypeEngine.literal_map_to_kwargs(ctx, literals, task.python_interface.inputs)
        metadata = WorkflowMetadata(on_failure=WorkflowFailurePolicy.FAIL_IMMEDIATELY)
        defaults = WorkflowMetadataDefaults(interruptible=bool(task.metadata.interruptible))
        workflow = PythonFunctionWorkflow(task._task_function, metadata=metadata, default_metadata=defaults)
        state = ctx.new_execution_state().with_params(mode=ExecutionState.Mode.DYNAMIC_TASK_EXECUTION)
        compiling = ctx.with_compilation_state(ctx.new_compilation_state(prefix="d")).with_execution_state(state)
        with FlyteContextManager.with_context(compiling):
            workflow.compile(**values)
    except Exception:  # flytekit's local execution runs it as one node, and reports its errors
        return None
    return workflow
