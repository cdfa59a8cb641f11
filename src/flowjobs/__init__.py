"""flowjobs: Domino-style ML job flows on Flyte and MLflow (docs/architecture.md).

The public face, importable from `flowjobs` itself:
  - the job task, used in a flow file: `run_job_task`, `Input`, `Output`, `DatasetSnapshot`, `JobDefinitionError`;
  - the script side, used in a task's script: `get_param_from_args`, `handle_outputs`, `add_output_dir`, `run_main`,
    `read_input`, `get_output_location`, `is_workflow_job`, `file_name`, `boolean`, `rfc3339` and the script errors;
  - Domino's plugin API is the subpackage `flowjobs.domino` (`flowjobs.domino.helpers`, `.task`, `.artifact`).

The job task's names load on first use (PEP 562), so a script that imports the script side never pays for flytekit.
"""

from __future__ import annotations

import importlib
import typing

from flowjobs.script import __all__ as script_names  # light: the script side never imports flytekit

_JOB_TASK = ("DatasetSnapshot", "Input", "JobDefinitionError", "Output", "run_job_task")
_SCRIPT = tuple(script_names)  # the script side's own list: one place names it
_HOMES = {**dict.fromkeys(_JOB_TASK, "flowjobs.jobs"), **dict.fromkeys(_SCRIPT, "flowjobs.script")}
__all__ = [*_JOB_TASK, *_SCRIPT]


def __getattr__(name: str) -> typing.Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'flowjobs' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
