"""What `pyflyte run` accepts besides a workflow, as a workflow the scheduler can walk.

A launch plan is called as `pyflyte run` calls it (`plan(**inputs)`: flytekit adds its fixed and default inputs
and calls its workflow), so only its workflow's body is replaced. A single task becomes a one-node workflow with
the task's inputs and outputs, whose call returns exactly what the task's own call returns.
"""

from __future__ import annotations

import typing

from flytekit import FlyteContextManager
from flytekit.core.base_task import PythonTask
from flytekit.core.launch_plan import LaunchPlan
from flytekit.core.promise import Promise, translate_inputs_to_literals
from flytekit.core.workflow import ImperativeWorkflow, WorkflowBase


def as_workflow(entity: WorkflowBase | LaunchPlan | PythonTask) -> tuple[typing.Any, WorkflowBase]:
    """(what to call, the workflow whose nodes run) for a workflow, a launch plan or a task."""
    if isinstance(entity, LaunchPlan):
        return entity, entity.workflow
    if isinstance(entity, PythonTask):
        wrapper = ImperativeWorkflow(name=entity.name)
        inputs = {name: wrapper.add_workflow_input(name, kind) for name, kind in entity.python_interface.inputs.items()}
        node = wrapper.add_entity(entity, **inputs)
        for name, kind in entity.python_interface.outputs.items():
            wrapper.add_workflow_output(name, node.outputs[name], python_type=kind)
        wrapper._python_interface = entity.python_interface  # the task's NamedTuple name and defaults, as printed
        return wrapper, wrapper
    return entity, entity


def launch_plan_inputs(plan: LaunchPlan) -> dict[str, Promise]:
    """A launch plan's fixed and default inputs as literals, as its workflow receives them."""
    saved = plan.saved_inputs
    workflow = plan.workflow
    ctx = FlyteContextManager.current_context()
    types = {name: workflow.python_interface.inputs[name] for name in saved}
    literals = translate_inputs_to_literals(ctx, saved, workflow.interface.inputs, types)
    return {name: Promise(name, literal) for name, literal in literals.items()}
