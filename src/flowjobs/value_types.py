"""The value types a job task can pass to and from a script.

Each supported Python type is described by a `ValueType` (its kind in the I/O contract) and named by a short
token, so a task spec can travel through a container's command line and be rebuilt in a pod without importing
the flow that defined it. flytekit is imported only where a Flyte type is involved: scripts never pay for it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import typing
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATETIME = "datetime"
    FILE = "file"
    DIRECTORY = "directory"
    LIST = "list"
    JSON = "json"


SCALAR_KINDS = frozenset({Kind.STR, Kind.INT, Kind.FLOAT, Kind.BOOL, Kind.DATETIME})
PATH_KINDS = frozenset({Kind.FILE, Kind.DIRECTORY})
_SCALAR_TYPES = {str: Kind.STR, int: Kind.INT, float: Kind.FLOAT, bool: Kind.BOOL, dt.datetime: Kind.DATETIME}


class UnsupportedTypeError(TypeError):
    """A type the I/O contract cannot carry between a flow and a script."""


@dataclass(frozen=True)
class ValueType:
    """How one value crosses the contract: its kind, the element type of a list, the Python type of JSON."""

    kind: Kind
    python_type: typing.Any
    item: ValueType | None = None
    file_format: str = ""

    @property
    def token(self) -> str:
        return to_token(self.python_type)


def describe(python_type: typing.Any) -> ValueType:
    """The contract kind of a Python type, or UnsupportedTypeError naming it."""
    if python_type in _SCALAR_TYPES:
        return ValueType(_SCALAR_TYPES[python_type], python_type)
    if python_type in (list, typing.List, dict, typing.Dict):
        raise UnsupportedTypeError(f"{python_type!r} needs its element type, e.g. List[int] or Dict[str, float]")
    origin = typing.get_origin(python_type)
    if origin in (list, typing.List):
        (item_type,) = typing.get_args(python_type)
        item = describe(item_type)
        if item.kind == Kind.LIST:
            raise UnsupportedTypeError(f"nested lists are not supported: {python_type}")
        return ValueType(Kind.LIST, python_type, item=item)
    if origin in (dict, typing.Dict):
        key_type, value_type = typing.get_args(python_type)
        if key_type is not str or describe(value_type).kind in PATH_KINDS | {Kind.LIST}:
            raise UnsupportedTypeError(f"dicts must map str to a scalar or JSON value: {python_type}")
        return ValueType(Kind.JSON, python_type)
    flyte_kind = _flyte_path_kind(python_type)
    if flyte_kind is not None:
        return ValueType(flyte_kind, python_type, file_format=_file_format(python_type))
    if dataclasses.is_dataclass(python_type) and isinstance(python_type, type):
        return ValueType(Kind.JSON, python_type)
    raise UnsupportedTypeError(
        f"unsupported type {python_type!r}: use str, int, float, bool, datetime, FlyteFile, FlyteDirectory, "
        "List[...] of those, Dict[str, ...] or a dataclass"
    )


def _flyte_path_kind(python_type: typing.Any) -> Kind | None:
    if not isinstance(python_type, type):
        return None
    names = {cls.__name__ for cls in python_type.__mro__}
    if "FlyteFile" in names:
        return Kind.FILE
    if "FlyteDirectory" in names:
        return Kind.DIRECTORY
    return None


def _file_format(python_type: type) -> str:
    extension = getattr(python_type, "extension", None)
    return extension() if callable(extension) else ""


def to_token(python_type: typing.Any) -> str:
    """A short name of a supported type that `from_token` turns back into the type."""
    value_type = describe(python_type)
    if value_type.kind in SCALAR_KINDS:
        return value_type.kind.value
    if value_type.kind in PATH_KINDS:
        return f"{value_type.kind.value}:{value_type.file_format}" if value_type.file_format else value_type.kind.value
    if value_type.kind == Kind.LIST:
        return f"list[{to_token(value_type.item.python_type)}]"
    if value_type.python_type is not dict and dataclasses.is_dataclass(python_type):
        return f"dataclass:{python_type.__module__}:{python_type.__qualname__}"
    return f"dict[{to_token(typing.get_args(python_type)[1])}]"


def from_token(token: str) -> typing.Any:
    """The Python type a token names (the inverse of `to_token`)."""
    for python_type, kind in _SCALAR_TYPES.items():
        if token == kind.value:
            return python_type
    if token.startswith("list[") and token.endswith("]"):
        return typing.List[from_token(token[5:-1])]
    if token.startswith("dict[") and token.endswith("]"):
        return typing.Dict[str, from_token(token[5:-1])]
    if token.startswith("dataclass:"):
        _, module_name, qualname = token.split(":", 2)
        return _dataclass(module_name, qualname)
    kind, _, file_format = token.partition(":")
    if kind == Kind.FILE:
        from flytekit.types.file import FlyteFile

        return FlyteFile[typing.TypeVar(file_format)] if file_format else FlyteFile
    if kind == Kind.DIRECTORY:
        from flytekit.types.directory import FlyteDirectory

        return FlyteDirectory[typing.TypeVar(file_format)] if file_format else FlyteDirectory
    raise UnsupportedTypeError(f"unknown type token {token!r}")


# Where a dataclass of a stored token lives now, for tokens written before its module moved (records, cache entries
# and registered specs of earlier releases): the old module's name -> its name today.
MOVED_MODULES = {
    "helpers.model_specs": "multitrain.model_specs",
    "helpers.registry": "multitrain.registry",
}


def _dataclass(module_name: str, qualname: str) -> typing.Any:
    try:
        obj: typing.Any = importlib.import_module(module_name)
    except ModuleNotFoundError:
        if module_name not in MOVED_MODULES:
            raise
        obj = importlib.import_module(MOVED_MODULES[module_name])
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj
