"""Old import paths of modules that moved, kept working: `from helpers.registry import champion_at`, a job spec's
`dataclass:helpers.model_specs:BranchResult`, `helpers.runner.records` in a tool of one's own.

An import of an old name gives the module at its new place, the very same module object (so a monkeypatch or a
registry in it is shared); no file is left at the old path. helpers/__init__.py installs the finder.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

MOVED = {  # old name -> where the module lives now
    "helpers.code_hash": "helpers.hashing",
    "helpers.commands": "helpers.script_command",
    "helpers.compare": "multitrain.compare",
    "helpers.compare.report": "multitrain.compare.report",
    "helpers.compare.runs": "multitrain.compare.runs",
    "helpers.graph.loading": "helpers.graph.workflows",
    "helpers.model_specs": "multitrain.model_specs",
    "helpers.registry": "multitrain.registry",
    "helpers.runner.command": "helpers.runner.flowjobs_run",
    "helpers.runner.loading": "helpers.runner.workflow_inputs",
    "helpers.runner.parent_run": "helpers.parent_run",
    "helpers.runner.records": "helpers.records",
    "helpers.runner.tasks": "helpers.runner.task_node",
}


class MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old name first (before the file system), and loads it as the module's new name."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec:
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def __init__(self) -> None:
        self._specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(MOVED[spec.name])
        self._specs[module.__name__] = module.__spec__  # the import system sets the old name's spec on it
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run (the module ran under its new name); its own spec is put back, so importlib.resources
        and reloading still see where it lives."""
        module.__spec__ = self._specs.pop(module.__name__, module.__spec__)


def install() -> None:
    if not any(isinstance(finder, MovedModules) for finder in sys.meta_path):
        sys.meta_path.insert(0, MovedModules())
