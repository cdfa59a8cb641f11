"""Type tokens: every supported type survives the trip through a container's loader args."""

from __future__ import annotations

import datetime as dt
import typing

import pytest
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from flowjobs.value_types import Kind, UnsupportedTypeError, describe, from_token, to_token
from tests.support.values import Point

CSV = FlyteFile[typing.TypeVar("csv")]


@pytest.mark.parametrize(
    ("python_type", "token", "kind"),
    [
        (str, "str", Kind.STR),
        (int, "int", Kind.INT),
        (float, "float", Kind.FLOAT),
        (bool, "bool", Kind.BOOL),
        (dt.datetime, "datetime", Kind.DATETIME),
        (FlyteFile, "file", Kind.FILE),
        (CSV, "file:csv", Kind.FILE),
        (FlyteDirectory, "directory", Kind.DIRECTORY),
        (typing.List[int], "list[int]", Kind.LIST),
        (typing.List[CSV], "list[file:csv]", Kind.LIST),
        (typing.Dict[str, float], "dict[float]", Kind.JSON),
        (Point, "dataclass:tests.support.values:Point", Kind.JSON),
    ],
)
def test_tokens_name_each_supported_type_and_turn_back_into_it(python_type, token, kind) -> None:
    assert to_token(python_type) == token
    assert describe(python_type).kind == kind
    rebuilt = from_token(token)
    assert to_token(rebuilt) == token
    if kind not in (Kind.FILE, Kind.LIST):
        assert rebuilt == python_type


@pytest.mark.parametrize(
    ("python_type", "expected"),
    [
        (set, "unsupported type"),
        (typing.List[typing.List[int]], "nested lists"),
        (typing.Dict[int, str], "dicts must map str"),
        (typing.Dict[str, FlyteFile], "dicts must map str"),
        (list, "needs its element type"),
    ],
)
def test_unsupported_types_are_refused_with_the_reason(python_type, expected) -> None:
    with pytest.raises(UnsupportedTypeError, match=expected):
        describe(python_type)


def test_an_unknown_token_is_an_error() -> None:
    with pytest.raises(UnsupportedTypeError, match="unknown type token 'tuple'"):
        from_token("tuple")
