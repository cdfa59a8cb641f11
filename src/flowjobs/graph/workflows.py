"""Load a flow file's workflows the way `pyflyte run FILE WORKFLOW` does, so the picture is what would run.

The module name comes from the file's place under its project root (the first folder up without an
__init__.py), the module is imported with that root on sys.path, and the workflow is compiled.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from pathlib import Path

from flytekit.clis.sdk_in_container.run import load_naive_entity
from flytekit.core.launch_plan import LaunchPlan
from flytekit.core.workflow import WorkflowBase
from flytekit.exceptions.user import FlyteEntityNotFoundException
from flytekit.tools.module_loader import add_sys_path

from flowjobs import workflow_files
from flowjobs.graph.model import GraphError, check_flow_file


def module_of(file: Path) -> tuple[str, str]:
    """The module name pyflyte gives a flow file, and the root it imports it from."""
    check_flow_file(file)
    return workflow_files.module_of(file)


@contextlib.contextmanager
def _loading(file: Path) -> Iterator[None]:
    """A flow that does not import or compile is reported in one line, whatever the flow raised."""
    try:
        yield
    except GraphError:
        raise
    except Exception as err:
        raise GraphError(f"flow file {file} does not load: {type(err).__name__}: {err}") from err


def _import(file: Path) -> tuple[str, object]:
    module_name, root = module_of(file)
    with _loading(file), add_sys_path(root):
        return module_name, importlib.import_module(module_name)


def workflow_names(file: Path) -> list[str]:
    """The workflows a flow file defines (not those it imports), in the order they appear in the file."""
    module_name, module = _import(file)
    return [
        name
        for name, value in vars(module).items()
        if isinstance(value, WorkflowBase) and value.name == f"{module_name}.{name}"
    ]


def load_workflow(file: Path, name: str) -> WorkflowBase:
    """The compiled workflow (or launch plan's workflow) `name` of a flow file; a GraphError lists those there."""
    module_name, root = module_of(file)
    _import(file)
    try:
        entity = load_naive_entity(module_name, name, root)
    except FlyteEntityNotFoundException:
        entity = None
    if isinstance(entity, LaunchPlan):
        entity = entity.workflow
    if not isinstance(entity, WorkflowBase):
        listed = ", ".join(workflow_names(file)) or "none"
        raise GraphError(f"flow file {file} has no workflow {name!r}; its workflows: {listed}")
    with _loading(file):
        entity.compile()
    return entity
