"""The I/O contract between a flow and a script: how each value is written to a file or folder and read back.

The job task writes a script's inputs and reads its outputs with this module; the script-side helpers read
inputs and write outputs with this same module, so the two sides cannot drift apart.

    inputs/<name>    str/int/float/bool as text (bool `true`/`false`), datetime as RFC 3339,
                     a file as the file itself, a folder as a folder, a list as a folder with entries 0..n-1,
                     a dict or dataclass as JSON
    outputs/<name>   the same encodings; a file may also be `<name>.<ext>` (one candidate only); a list or
                     dict may be JSON; scalars are at most 1 KiB
    reports/NN-<title>.html   optional HTML fragments, in order; each becomes a Flyte Deck named <title>
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import typing
from pathlib import Path

from flowjobs.value_types import PATH_KINDS, SCALAR_KINDS, Kind, ValueType

ENV_IS_WORKFLOW_JOB = "FLOWJOBS_IS_WORKFLOW_JOB"
ENV_INPUTS_DIR = "FLOWJOBS_INPUTS_DIR"
ENV_OUTPUTS_DIR = "FLOWJOBS_OUTPUTS_DIR"
ENV_TASK_NAME = "FLOWJOBS_TASK_NAME"
ENV_REPORTS_DIR = "FLOWJOBS_REPORTS_DIR"  # where a script leaves HTML report fragments for its task's Flyte Decks
ENV_REFUSED_FILE = "FLOWJOBS_REFUSED_FILE"  # where a script states that it refused its input: no retry can help
DEFAULT_INPUTS_DIR = "/workflow/inputs"
DEFAULT_OUTPUTS_DIR = "/workflow/outputs"
MAX_SCALAR_BYTES = 1024
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
REPORT_TITLE_PATTERN = re.compile(r"^[\w][\w .,()-]{0,79}$")


class ContractError(ValueError):
    """A value that does not follow the contract; the message names the value, its type and its path."""


def check_name(name: str, what: str = "name") -> str:
    """Input and output names become file names: only identifiers, so no name can point outside its folder."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ContractError(f"{what} {name!r} must be an identifier (letters, digits, underscores)")
    return name


def inputs_dir() -> Path:
    return Path(os.environ.get(ENV_INPUTS_DIR, DEFAULT_INPUTS_DIR))


def outputs_dir() -> Path:
    return Path(os.environ.get(ENV_OUTPUTS_DIR, DEFAULT_OUTPUTS_DIR))


def reports_dir() -> Path | None:
    """The folder the job task reads report fragments from; None when the job task gave none."""
    return Path(os.environ[ENV_REPORTS_DIR]) if os.environ.get(ENV_REPORTS_DIR) else None


def flow_env(
    inputs: Path, outputs: Path, task_name: str, reports: Path | None = None, refused: Path | None = None
) -> dict[str, str]:
    """The variables that tell a script it runs inside a flow and where its folders are."""
    return {
        ENV_IS_WORKFLOW_JOB: "true",
        ENV_INPUTS_DIR: str(inputs),
        ENV_OUTPUTS_DIR: str(outputs),
        ENV_TASK_NAME: task_name,
        **({ENV_REPORTS_DIR: str(reports)} if reports is not None else {}),
        **({ENV_REFUSED_FILE: str(refused)} if refused is not None else {}),
    }


# --- scalars -------------------------------------------------------------------------------------------------


def format_scalar(value: typing.Any, kind: Kind) -> str:
    if kind == Kind.BOOL:
        return "true" if value else "false"
    if kind == Kind.DATETIME:
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.isoformat()
    if kind == Kind.FLOAT:
        return repr(float(value))
    if kind == Kind.INT:
        return str(int(value))
    return str(value)


def parse_scalar(text: str, kind: Kind) -> typing.Any:
    """Text to a typed value; ValueError with the offending text when it does not parse."""
    if kind == Kind.STR:
        return text
    stripped = text.strip()
    if kind == Kind.INT:
        return int(stripped)
    if kind == Kind.FLOAT:
        return float(stripped)
    if kind == Kind.BOOL:
        lowered = stripped.lower()
        if lowered not in ("true", "false"):
            raise ValueError(f"expected true or false, got {stripped!r}")
        return lowered == "true"
    value = dt.datetime.fromisoformat(stripped)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _json_default(value: typing.Any) -> typing.Any:
    if isinstance(value, dt.datetime):
        return format_scalar(value, Kind.DATETIME)
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(value: typing.Any) -> str:
    """Strict JSON: NaN and infinities are refused rather than written as something other readers reject."""
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    try:
        return json.dumps(value, default=_json_default, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ContractError(f"cannot be written as JSON: {err}") from None


def _parse_json(raw: bytes, python_type: typing.Any) -> typing.Any:
    from pydantic import TypeAdapter

    return TypeAdapter(python_type).validate_json(raw)


# --- writing -------------------------------------------------------------------------------------------------


def write_value(path: Path, value: typing.Any, value_type: ValueType) -> Path:
    """Write one value at `path` (a file, or a folder for folders and lists); returns what was written."""
    kind = value_type.kind
    if kind in SCALAR_KINDS:
        _write_text(path, format_scalar(value, kind))
    elif kind == Kind.JSON:
        _write_text(path, to_json(value))
    elif kind == Kind.FILE:
        source = Path(os.fspath(value))
        if not source.is_file():
            raise ContractError(f"file {source} does not exist")
        _copy_file(source, path)
    elif kind == Kind.DIRECTORY:
        source = Path(os.fspath(value))
        if not source.is_dir():
            raise ContractError(f"folder {source} does not exist")
        shutil.copytree(source, path, symlinks=False)
    else:
        path.mkdir(parents=True)
        for index, item in enumerate(value):
            write_value(path / str(index), item, value_type.item)
    return path


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _copy_file(source: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(target)


# --- reading -------------------------------------------------------------------------------------------------


def read_value(path: Path, value_type: ValueType, *, max_scalar_bytes: int | None = None) -> typing.Any:
    """Read one value written by `write_value` (or a JSON list); files and folders come back as Paths."""
    kind = value_type.kind
    if kind in PATH_KINDS:
        expected_dir = kind == Kind.DIRECTORY
        if path.is_dir() != expected_dir or not path.exists():
            raise ContractError(f"not a {'folder' if expected_dir else 'file'}")
        return path
    if kind == Kind.LIST and path.is_dir():
        return [read_value(entry, value_type.item, max_scalar_bytes=max_scalar_bytes) for entry in _entries(path)]
    if path.is_dir():
        raise ContractError(f"a folder, expected a {kind.value} value")
    raw = path.read_bytes()
    if kind in SCALAR_KINDS:
        if max_scalar_bytes is not None and len(raw) > max_scalar_bytes:
            raise ContractError(f"{len(raw)} bytes; a {kind.value} output is at most {max_scalar_bytes} bytes")
        try:
            return parse_scalar(raw.decode("utf-8"), kind)
        except ValueError as err:
            raise ContractError(f"not a {kind.value}: {_preview(raw)} ({_first_line(err)})") from None
    if kind == Kind.LIST and value_type.item.kind in PATH_KINDS:
        raise ContractError("a list of files or folders must be a folder with entries 0..n-1")
    try:
        return _parse_json(raw, value_type.python_type)
    except ValueError as err:
        raise ContractError(f"not JSON for {value_type.token}: {_first_line(err)}") from None


def _entries(folder: Path) -> list[Path]:
    names = sorted(os.listdir(folder), key=lambda n: (len(n), n))
    expected = [str(i) for i in range(len(names))]
    if names != expected:
        raise ContractError(f"list entries must be named 0..{len(names) - 1}, found {names[:5]}")
    return [folder / name for name in names]


def _preview(raw: bytes) -> str:
    text = raw[:40].decode("utf-8", errors="replace")
    return repr(text + ("…" if len(raw) > 40 else ""))


def _first_line(err: Exception) -> str:
    lines = [line for line in str(err).splitlines() if line.strip()]
    return " ".join(lines[:3]) if lines else type(err).__name__


def locate_output(folder: Path, name: str, value_type: ValueType) -> Path:
    """Where output `name` was written: `<name>`, or for a file the single `<name>.<ext>`."""
    exact = folder / name
    if os.path.lexists(exact):
        return exact
    candidates = sorted(p for p in folder.glob(f"{glob_escape(name)}.*") if not p.name.startswith("."))
    if value_type.kind == Kind.FILE and len(candidates) == 1:
        return candidates[0]
    if value_type.kind == Kind.FILE and len(candidates) > 1:
        listed = ", ".join(p.name for p in candidates)
        raise ContractError(f"two or more candidate files: {listed}")
    raise ContractError("the script did not write it")


# --- report fragments ----------------------------------------------------------------------------------------


def check_report_title(title: str) -> str:
    """A deck title becomes part of a file name: words, spaces and simple punctuation, at most 80 characters."""
    if not isinstance(title, str) or not REPORT_TITLE_PATTERN.match(title):
        raise ContractError(f"report title {title!r} must be 1-80 letters, digits, spaces or _ . , ( ) -")
    return title


def next_report_file(folder: Path, title: str) -> Path:
    """Where the next fragment goes: numbered after those already written, so decks keep the script's order."""
    return folder / f"{len(report_fragments(folder)):02d}-{check_report_title(title)}.html"


def report_fragments(folder: Path) -> list[tuple[str, Path]]:
    """The (title, file) of each fragment in `folder`, in the order written; a missing folder has none."""
    if not folder.is_dir():
        return []
    found = [path for path in folder.glob("[0-9][0-9]-*.html") if not path.name.startswith(".")]
    return [(path.stem.split("-", 1)[1], path) for path in sorted(found)]


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def check_inside(path: Path, folder: Path, label: str = "outputs") -> Path:
    """An output (or a report) must stay inside its folder: no link (at any depth) may lead out of it."""
    root = folder.resolve()
    walk = path.rglob("*") if path.is_dir() and not path.is_symlink() else ()
    for candidate in (path, *walk):
        if not candidate.resolve().is_relative_to(root):
            raise ContractError(f"{candidate} is a link leading outside the {label} folder")
    return path
