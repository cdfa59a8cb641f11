"""A flow file's module as `pyflyte run FILE WORKFLOW` finds it: the one place that asks flytekit for the folder it
imports a flow from (the first folder up without an __init__.py), shared by the local runner and the graph pictures.
The flow's project (its commands, config, state: flowjobs/project.py) becomes the process's project here too."""

from __future__ import annotations

from pathlib import Path

from flytekit.tools.script_mode import _find_project_root

from flowjobs import project


def module_of(file: Path | str) -> tuple[str, str]:
    """The module name pyflyte gives a flow file, and the root it imports it from."""
    path = Path(file).resolve()
    project.use_flow_file(path)
    root = _find_project_root(path)
    return ".".join(path.relative_to(root).with_suffix("").parts), root
