"""A workflow and its inputs, found and parsed exactly as `pyflyte run` finds and parses them.

The module is imported from the project root `pyflyte run` would use (the first folder up without an
__init__.py), and each workflow input becomes the same click option, built by flytekit's own `to_click_option`
and converted by its own literal converters, so `--data_path_a x.csv --num_estimators 5` means the same in
both commands (`--inputs-file inputs.yaml` too). Anything wrong is a `SetupError`: one line, before anything runs.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from pathlib import Path

import click
from flytekit import FlyteContextManager
from flytekit.clis.sdk_in_container.run import (
    YamlFileReadingCommand,
    get_entities_in_file,
    is_optional,
    load_naive_entity,
    to_click_option,
)
from flytekit.core.base_task import PythonTask
from flytekit.core.launch_plan import LaunchPlan
from flytekit.core.type_engine import TypeEngine
from flytekit.core.workflow import WorkflowBase
from flytekit.exceptions.user import FlyteEntityNotFoundException

from flowjobs import workflow_files
from flowjobs.errors import first_line


class SetupError(Exception):
    """Bad command-line input found before anything runs (exit code 2)."""


Runnable = WorkflowBase | LaunchPlan | PythonTask


@dataclass
class LoadedWorkflow:
    workflow: Runnable  # what `pyflyte run` would call: a workflow, a launch plan or a single task
    file: Path
    name: str
    module: str = ""  # the file as a module, imported from `root` (worker processes import it the same way)
    root: Path | None = None

    @property
    def label(self) -> str:
        kind = "launch plan" if isinstance(self.workflow, LaunchPlan) else "workflow"
        kind = "task" if isinstance(self.workflow, PythonTask) else kind
        return f"{kind} '{self.name}' ({self.file.name})"


def load_workflow(file: str, name: str) -> LoadedWorkflow:
    """Import FILE as `pyflyte run` does and return its compiled workflow NAME."""
    path = Path(file).resolve()
    if not path.is_file():
        raise SetupError(f"file {file} does not exist")
    module, project_root = workflow_files.module_of(path)
    try:
        entity = load_naive_entity(module, name, project_root)
    except FlyteEntityNotFoundException:
        workflows = get_entities_in_file(path, should_delete=False).workflows
        raise SetupError(f"{file} has no workflow '{name}'; its workflows: {', '.join(workflows) or 'none'}") from None
    except Exception as err:  # an import or definition error in the user's module, e.g. an unknown tier
        raise SetupError(f"{file}: {type(err).__name__}: {first_line(err)}") from None
    if not isinstance(entity, (WorkflowBase, LaunchPlan, PythonTask)):
        raise SetupError(f"{file}: '{name}' is a {type(entity).__name__}, not a workflow, launch plan or task")
    try:
        if isinstance(entity, (WorkflowBase, LaunchPlan)):
            getattr(entity, "workflow", entity).compile()
    except Exception as err:
        raise SetupError(f"{file}: workflow '{name}' does not compile: {first_line(err)}") from None
    return LoadedWorkflow(entity, path, name, module, Path(project_root))


def inputs_with_defaults(entity: Runnable) -> dict[str, tuple[typing.Any, typing.Any]]:
    """Each input the command line takes, with its type and default: a launch plan's fixed inputs are not among
    them and its default inputs are the defaults, as `pyflyte run` has them."""
    if not isinstance(entity, LaunchPlan):
        return entity.python_interface.inputs_with_defaults
    declared, saved = entity.python_interface.inputs_with_defaults, entity.saved_inputs
    return {name: (declared[name][0], saved.get(name, declared[name][1])) for name in entity.parameters.parameters}


def _input_options(workflow: Runnable) -> list[click.Option]:
    """Each workflow input as the click option `pyflyte run` gives it."""
    ctx = click.Context(click.Command("flowjobs"), obj=types.SimpleNamespace(is_remote=False))
    flyte_ctx = FlyteContextManager.current_context()
    options = []
    for name, (python_type, default) in inputs_with_defaults(workflow).items():
        required = type(None) not in typing.get_args(python_type) and default is None
        literal_var = workflow.interface.inputs[name]
        options.append(to_click_option(ctx, flyte_ctx, name, literal_var, python_type, default, required))
    return options


def parse_arguments(
    loaded: LoadedWorkflow, args: list[str], runner_options: list[click.Option]
) -> tuple[dict[str, typing.Any], dict[str, typing.Any]] | None:
    """The workflow's inputs (with their defaults) and the runner's options from ARGS; None after --help."""
    inputs = _input_options(loaded.workflow)
    clash = {o.name for o in inputs} & {o.name for o in runner_options}
    if clash:
        raise SetupError(f"{loaded.label}: input '{clash.pop()}' has the name of a flowjobs run option")
    _check_text(loaded.label, args)
    command = YamlFileReadingCommand(
        name=loaded.name, params=inputs + runner_options, help=loaded.workflow.__doc__ or "", callback=lambda **kw: kw
    )
    try:
        given = command.main(
            list(args), prog_name=f"flowjobs run {loaded.file.name} {loaded.name}", standalone_mode=False
        )
    except click.ClickException as err:
        raise SetupError(f"{loaded.label}: {err.format_message()}") from None
    except OSError as err:  # flytekit's file type looks the path up: a name too long, a folder not readable
        raise SetupError(f"{loaded.label}: file '{err.filename}': {err.strerror}") from None
    except click.exceptions.Exit:
        return None
    if not isinstance(given, dict):  # click printed the help
        return None
    runner = {option.name: given.pop(option.name) for option in runner_options}
    given.pop("inputs_file", None)
    for option in inputs:  # click 8.3 takes flytekit's explicit `default=None` as a value, so check it here
        if option.required and given.get(option.name) is None and not option.is_flag:  # a flag's False is None
            raise SetupError(f"{loaded.label}: Missing option '--{option.name}'")
    values = _with_defaults(loaded.workflow, given)
    _check_types(loaded, values)
    return values, runner


def escaped(text: str) -> str:
    """A command-line word as the bytes it was given, those not UTF-8 as \\xNN: a name the terminal can show."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def not_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_text(label: str, args: list[str]) -> None:
    """Every word given is UTF-8: a file name in another encoding is refused by its escaped name before the
    execution's folder or record is made (records, MLflow and Flyte's literals hold text)."""
    for index, word in enumerate(args):
        if not not_utf8(word):
            continue
        option, _, value = word.partition("=") if word.startswith("--") and "=" in word else ("", "", word)
        if not option and index and args[index - 1].startswith("--"):
            option = args[index - 1]
        where = f"{option}: " if option else ""
        raise SetupError(f"{label}: {where}'{escaped(value)}' is not UTF-8 text (a name in another encoding)")


def _as_declared(value: typing.Any, python_type: typing.Any) -> typing.Any:
    """A whole number where a float is declared (also inside lists and dicts) as that float: `[0.1, 1, 10]`."""
    origin, arguments = typing.get_origin(python_type), typing.get_args(python_type)
    if python_type is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if origin is list and arguments and isinstance(value, list):
        return [_as_declared(item, arguments[0]) for item in value]
    if origin is dict and len(arguments) == 2 and isinstance(value, dict):
        return {key: _as_declared(item, arguments[1]) for key, item in value.items()}
    return value


def _holds_files(literal_type: typing.Any) -> bool:
    """Whether values of this Flyte type are, or contain, files or folders."""
    inner = literal_type.collection_type or literal_type.map_value_type
    return literal_type.blob is not None or (inner is not None and _holds_files(inner))


def _check_types(loaded: LoadedWorkflow, values: dict[str, typing.Any]) -> None:
    """Each value converted as the workflow will convert it, now: a wrong one stops the run before anything starts."""
    ctx = FlyteContextManager.current_context()
    types_ = loaded.workflow.python_interface.inputs
    for name, value in values.items():
        values[name] = value = _as_declared(value, types_[name])
        literal_type = TypeEngine.to_literal_type(types_[name])
        if _holds_files(literal_type):  # converting would copy the files; their paths were checked by click
            continue
        try:
            TypeEngine.to_literal(ctx, value, types_[name], literal_type)
        except Exception as err:  # flytekit's transformers raise several types; the first line says why
            raise SetupError(f"{loaded.label}: input '{name}': {first_line(err)}") from None


def _with_defaults(workflow: Runnable, given: dict[str, typing.Any]) -> dict[str, typing.Any]:
    """The values `pyflyte run` hands the workflow: what was given, else the default; an absent flag is False."""
    values = {}
    for name, (python_type, default) in inputs_with_defaults(workflow).items():
        value = given.get(name)
        if value is None:
            value = default
        if value is not None or is_optional(python_type):
            values[name] = value
        if value is None and python_type is bool:
            values[name] = False
    return values
