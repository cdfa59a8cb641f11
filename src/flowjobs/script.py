"""Script side: read inputs and write outputs the same way whether a script runs alone or inside a flow.

Run alone, a script's values come from its command-line flags and its outputs go under `--output-dir`
(default `outputs/`); inside a flow they come from the inputs folder and go to the outputs folder named by the
job task. A flag's argparse `type` types its value: file and folder inputs use `type=Path`, lists use
`nargs="+"`, booleans `type=boolean` (below) or a store_true flag, datetimes `type=rfc3339`, dicts `type=json.loads`.

This module must stay light: it is imported by every script, and never imports flytekit.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import numbers
import os
import pathlib
import shutil
import sys
import typing
from pathlib import Path

from flowjobs import contract, input_manifest, phases, quick_exit
from flowjobs.errors import ScriptError, ScriptInputError, ScriptOutputError, ScriptUsageError, shorten
from flowjobs.value_types import Kind, ValueType

DEFAULT_OUTPUT_DIR = "outputs"
NAME_MAX = 255  # bytes in one file name, on the file systems scripts write to

__all__ = [
    "ScriptError",
    "ScriptInputError",
    "ScriptOutputError",
    "ScriptUsageError",
    "add_output_dir",
    "boolean",
    "file_name",
    "get_output_location",
    "get_param_from_args",
    "handle_outputs",
    "is_workflow_job",
    "read_input",
    "rfc3339",
    "run_main",
]


def run_main(main: typing.Callable[[], typing.Any]) -> None:
    """Run a script's main(): bad input ends it with a one-line error naming the task, not a traceback.

    Exit code 1 for a ScriptError, 2 (argparse's) for a bad flag, whose usage text is left out: `--help` shows it.
    Inside a flow the job task is also told the input was refused (FLOWJOBS_REFUSED_FILE): a retry cannot help.
    A script's main() that returned ends the process without the interpreter's teardown (flowjobs/quick_exit.py),
    and its time marks go to the job task (flowjobs/phases.py).
    """
    try:
        with _one_line_flag_errors():
            phases.main_started()
            main()
    except ScriptError as err:
        message = shorten(str(err))
        label = _task_label()
        line = f"error: {message if message.startswith(label) else f'{label}: {message}'}"
        print(line, file=sys.stderr)
        _state_refusal(line)
        sys.exit(2 if isinstance(err, ScriptUsageError) else 1)
    phases.main_ended()
    if getattr(main, "__module__", None) == "__main__":  # the script's own process, not a caller's (a test)
        quick_exit.exit_now()


def _state_refusal(line: str) -> None:
    """Inside a flow, tell the job task the input was refused, so it fails the task without retrying it."""
    refused = os.environ.get(contract.ENV_REFUSED_FILE)
    if refused:
        with contextlib.suppress(OSError):
            Path(refused).write_text(line + "\n")


@contextlib.contextmanager
def _one_line_flag_errors() -> typing.Iterator[None]:
    """argparse prints a bad flag's error after the whole usage text; make the error a ScriptUsageError instead."""

    def error(parser: argparse.ArgumentParser, message: str) -> typing.NoReturn:
        raise ScriptUsageError(f"{message} (see {Path(parser.prog).name} --help)")

    original = argparse.ArgumentParser.error
    argparse.ArgumentParser.error = error
    try:
        yield
    finally:
        argparse.ArgumentParser.error = original


def file_name(text: str, input_name: str) -> str:
    """A value naming a file in a folder the script picks: one name, no folder part, nothing leading out of it."""
    if text in ("", ".", "..") or Path(text).name != text or len(text.encode()) > NAME_MAX:
        raise ScriptInputError(f"input {input_name!r}: {text!r} is not a file name")
    return text


def is_workflow_job() -> bool:
    """True when the script runs as a task of a flow (the job task sets FLOWJOBS_IS_WORKFLOW_JOB)."""
    return os.environ.get(contract.ENV_IS_WORKFLOW_JOB, "").lower() == "true"


def boolean(text: str) -> bool:
    """An argparse type for true/false flags, matching the contract's bool encoding."""
    return contract.parse_scalar(text, Kind.BOOL)


def rfc3339(text: str) -> dt.datetime:
    """An argparse type for datetimes written as RFC 3339 (naive values are taken as UTC)."""
    return contract.parse_scalar(text, Kind.DATETIME)


def add_output_dir(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add `--output-dir`, where a script run alone writes its outputs."""
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path(DEFAULT_OUTPUT_DIR),
        help=f"where outputs go when run alone (default: {DEFAULT_OUTPUT_DIR}/); inside a flow, the flow decides",
    )
    return parser


def _task_label() -> str:
    return os.environ.get(contract.ENV_TASK_NAME) or Path(sys.argv[0]).name


def _action(parser: argparse.ArgumentParser, name: str) -> argparse.Action:
    for action in parser._actions:
        if action.dest == name or name in action.option_strings or f"--{name}" in action.option_strings:
            return action
    raise ScriptInputError(f"{_task_label()}: the parser has no flag for input {name!r}")


def _is_path_type(kind: typing.Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, pathlib.PurePath)


def _action_value_type(action: argparse.Action) -> tuple[ValueType, typing.Callable[[typing.Any], typing.Any]]:
    """How a flag's value is stored in the inputs folder, and how to turn what is read into the flag's type."""
    convert = action.type or (lambda text: text)
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)) or action.type is boolean:
        return ValueType(Kind.BOOL, bool), lambda value: value
    item = ValueType(Kind.FILE, action.type) if _is_path_type(action.type) else ValueType(Kind.STR, str)
    if action.nargs in ("+", "*") or isinstance(action.nargs, int):
        return ValueType(Kind.LIST, list, item=item), lambda values: [convert(str(v)) for v in values]
    return item, lambda value: convert(str(value))


def get_param_from_args(
    parser: argparse.ArgumentParser,
    name: str,
    workflow_input_dir: str | os.PathLike | None = None,
    argv: list[str] | None = None,
) -> typing.Any:
    """The value of input `name`: from the inputs folder in a flow, from the command line when run alone.

    Either way it is converted by the flag's argparse `type`, so the script sees the same Python value.
    """
    action = _action(parser, name)
    if not is_workflow_job():
        args = parser.parse_args(argv)
        return getattr(args, action.dest)
    folder = Path(workflow_input_dir) if workflow_input_dir else contract.inputs_dir()
    path = folder / contract.check_name(action.dest, "input")
    if not os.path.lexists(path):
        raise ScriptInputError(f"{_task_label()}: input {action.dest!r} is missing (expected {path})")
    vtype, convert = _action_value_type(action)
    if input_manifest.is_path_input(action.dest) and vtype.kind in (Kind.STR, Kind.FILE):
        return convert(str(path))  # the job task declared a file or folder: a `type=str` flag gets its path
    if vtype.kind == Kind.FILE or (vtype.kind == Kind.LIST and vtype.item.kind == Kind.FILE):
        vtype = _with_path_kind(vtype, path)
    try:
        return convert(contract.read_value(path, vtype))
    except (ValueError, TypeError, argparse.ArgumentTypeError) as err:
        raise ScriptInputError(f"{_task_label()}: input {action.dest!r} at {path}: {err}") from None


def _with_path_kind(vtype: ValueType, path: Path) -> ValueType:
    """A `type=Path` flag may name a file or a folder: take whichever the job task wrote."""
    if vtype.kind == Kind.LIST:
        first = path / "0"
        item = ValueType(Kind.DIRECTORY if first.is_dir() else Kind.FILE, vtype.item.python_type)
        return ValueType(Kind.LIST, list, item=item)
    return ValueType(Kind.DIRECTORY if path.is_dir() else Kind.FILE, vtype.python_type)


def read_input(name: str, args: argparse.Namespace, is_file: bool = False) -> typing.Any:
    """Domino's helper: in a flow, the input's path (`is_file`) or its text; alone, the parsed flag's value."""
    if not is_workflow_job():
        return getattr(args, name)
    path = contract.inputs_dir() / contract.check_name(name, "input")
    if not os.path.lexists(path):
        raise ScriptInputError(f"{_task_label()}: input {name!r} is missing (expected {path})")
    if is_file:
        return str(path)
    return contract.read_value(path, ValueType(Kind.STR, str))


def _output_dir(workflow_output_dir: str | os.PathLike | None) -> Path:
    if workflow_output_dir:
        return Path(workflow_output_dir)
    if is_workflow_job():
        return contract.outputs_dir()
    parsed, _ = add_output_dir(argparse.ArgumentParser(add_help=False)).parse_known_args()
    return parsed.output_dir


def get_output_location(name: str, args: argparse.Namespace | None = None) -> str:
    """Domino's helper: the path where output `name` is to be written (flow or `--output-dir`)."""
    run_alone_dir = getattr(args, "output_dir", None) if not is_workflow_job() else None
    folder = _made(_output_dir(run_alone_dir))
    return str(folder / contract.check_name(name, "output"))


def _made(folder: Path) -> Path:
    """The outputs folder, made if need be; one that cannot be (a file is there, a name too long) is one line."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        reason = "it is a file" if isinstance(err, FileExistsError) else err.strerror or str(err)
        raise ScriptOutputError(f"{_task_label()}: output folder {folder} cannot be used: {reason}") from None
    return folder


def _value_type_of(value: typing.Any) -> ValueType:
    """The contract encoding of an output value: Paths are files or folders, collections JSON."""
    if isinstance(value, pathlib.PurePath):
        return ValueType(Kind.DIRECTORY if Path(value).is_dir() else Kind.FILE, type(value))
    if isinstance(value, bool):
        return ValueType(Kind.BOOL, bool)
    if isinstance(value, numbers.Integral):
        return ValueType(Kind.INT, int)
    if isinstance(value, numbers.Real):
        return ValueType(Kind.FLOAT, float)
    if isinstance(value, dt.datetime):
        return ValueType(Kind.DATETIME, dt.datetime)
    if isinstance(value, str):
        return ValueType(Kind.STR, str)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, pathlib.PurePath) for v in value):
        return ValueType(Kind.LIST, list, item=_value_type_of(value[0]))
    if isinstance(value, (list, tuple, dict)) or dataclasses.is_dataclass(value):
        return ValueType(Kind.JSON, type(value))
    raise TypeError(f"cannot write a {type(value).__name__} as an output: use a Path, a scalar, a list or a dict")


def _remove(path: Path) -> None:
    """A re-run alone overwrites its earlier outputs."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def _remove_partial(target: Path) -> None:
    """Nothing half-written may stay behind for the job task to read."""
    for leftover in (target, target.with_name(f".{target.name}.tmp")):
        with contextlib.suppress(OSError):
            _remove(leftover)


def handle_outputs(
    outputs: dict[str, typing.Any], workflow_output_dir: str | os.PathLike | None = None
) -> dict[str, Path]:
    """Write each output: a Path is copied (a file keeps its extension), anything else is encoded as text/JSON."""
    folder = _made(_output_dir(workflow_output_dir))
    written = {}
    for name, value in outputs.items():
        contract.check_name(name, "output")
        vtype = _value_type_of(value)
        target = folder / (name + Path(value).suffix if vtype.kind == Kind.FILE else name)
        if vtype.kind in (Kind.FILE, Kind.DIRECTORY) and Path(value).resolve() == target.resolve():
            written[name] = target  # written in place, e.g. at get_output_location(name)
            continue
        try:
            _remove(target)
            written[name] = contract.write_value(target, value, vtype)
        except OSError as err:
            _remove_partial(target)
            raise ScriptOutputError(
                f"{_task_label()}: could not write output {name!r} to {target}: {err.strerror or err}"
            ) from None
    return written
