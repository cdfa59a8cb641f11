"""Property-based round trips of the I/O contract: whatever one side writes, the other reads back equal."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
import typing
from pathlib import Path

import pytest
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowjobs import contract
from flowjobs.contract import ContractError, read_value, write_value
from flowjobs.value_types import Kind, describe
from multitrain.model_specs import BranchResult
from tests.support.values import Point

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
finite = st.floats(allow_nan=False, allow_infinity=False)
datetimes = st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30))]))
names = st.text(st.characters(codec="utf-8"), max_size=12)
points = st.builds(Point, x=finite, y=finite, label=st.text(st.characters(codec="utf-8")))
branch_results = st.builds(
    BranchResult, metrics=st.dictionaries(names, finite, max_size=5), duration_seconds=finite.filter(lambda v: v >= 0)
)

SCALARS = {
    str: st.text(st.characters(codec="utf-8")),
    int: st.integers(),
    float: st.floats(),
    bool: st.booleans(),
    dt.datetime: datetimes | st.datetimes(),
}
JSON_TYPES = {
    typing.List[int]: st.lists(st.integers(), max_size=12),
    typing.List[str]: st.lists(st.text(st.characters(codec="utf-8")), max_size=12),
    typing.List[float]: st.lists(finite, max_size=12),
    typing.List[bool]: st.lists(st.booleans(), max_size=5),
    typing.Dict[str, float]: st.dictionaries(names, finite, max_size=8),
    typing.Dict[str, int]: st.dictionaries(names, st.integers(), max_size=8),
    Point: points,
    typing.List[dt.datetime]: st.lists(datetimes, max_size=6),
    typing.List[Point]: st.lists(points, max_size=6),
    typing.List[BranchResult]: st.lists(branch_results, max_size=4),  # what compare_models gets
    typing.Dict[str, str]: st.dictionaries(names, st.text(st.characters(codec="utf-8")), max_size=8),
    typing.Dict[str, bool]: st.dictionaries(names, st.booleans(), max_size=8),
    typing.Dict[str, dt.datetime]: st.dictionaries(names, datetimes, max_size=6),
    typing.Dict[str, Point]: st.dictionaries(names, points, max_size=6),
    typing.Dict[str, typing.Dict[str, int]]: st.dictionaries(names, st.dictionaries(names, st.integers()), max_size=4),
}
PATH_TYPES = (FlyteFile, FlyteDirectory, typing.List[FlyteFile], typing.List[FlyteDirectory])  # tests below


def same(a: typing.Any, b: typing.Any) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, dt.datetime) and a.tzinfo is None:
        return b == a.replace(tzinfo=dt.UTC)
    return a == b


def round_trip(value: typing.Any, python_type: typing.Any) -> typing.Any:
    folder = Path(tempfile.mkdtemp())
    try:
        vtype = describe(python_type)
        return read_value(write_value(folder / "v", value, vtype), vtype)
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("python_type", list(SCALARS), ids=lambda t: getattr(t, "__name__", str(t)))
def test_scalars_round_trip(python_type) -> None:
    @SETTINGS
    @given(SCALARS[python_type])
    def check(value):
        assert same(value, round_trip(value, python_type))

    check()


@pytest.mark.parametrize("python_type", list(JSON_TYPES), ids=str)
def test_lists_dicts_and_dataclasses_round_trip(python_type) -> None:
    @SETTINGS
    @given(JSON_TYPES[python_type])
    def check(value):
        assert round_trip(value, python_type) == value
        if typing.get_origin(python_type) is not list:
            return
        folder = Path(tempfile.mkdtemp())
        try:  # an output list may also be JSON
            (folder / "v").write_text(contract.to_json(value))
            assert read_value(folder / "v", describe(python_type)) == value
        finally:
            shutil.rmtree(folder)

    check()


@SETTINGS
@given(st.binary(max_size=4096))
def test_files_round_trip_byte_for_byte(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "source.bin"
        source.write_bytes(content)
        path = round_trip_path(source, FlyteFile, Path(scratch))
        assert path.read_bytes() == content


tree_paths = st.builds(
    lambda folder, name: f"{folder}{name}.bin",
    st.sampled_from(["", "sub/", "sub/deeper/"]),
    st.from_regex(r"[a-z]{1,8}", fullmatch=True),
)


@SETTINGS
@given(st.dictionaries(tree_paths, st.binary(max_size=64), max_size=6))
def test_folders_round_trip_file_for_file(tree: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "tree"
        source.mkdir()
        for name, content in tree.items():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes(content)
        copied = round_trip_path(source, FlyteDirectory, Path(scratch))
        assert {str(p.relative_to(copied)): p.read_bytes() for p in copied.rglob("*") if p.is_file()} == tree


def test_every_kind_of_the_contract_is_round_tripped_alone_and_in_a_list() -> None:
    """A kind added to flowjobs/value_types.py without a round trip here fails this test."""
    described = [describe(python_type) for python_type in [*SCALARS, *JSON_TYPES, *PATH_TYPES]]
    assert {vtype.kind for vtype in described} == set(Kind)
    assert {vtype.item.kind for vtype in described if vtype.kind == Kind.LIST} == set(Kind) - {Kind.LIST}


def round_trip_path(source: Path, python_type: typing.Any, scratch: Path) -> Path:
    vtype = describe(python_type)
    return read_value(write_value(scratch / "copied", source, vtype), vtype)


def entry(folder: Path, content: bytes, item_type: typing.Any) -> Path:
    """A file holding `content`, or a folder holding it one level down."""
    if item_type is FlyteFile:
        folder.write_bytes(content)
        return folder
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "data.bin").write_bytes(content)
    return folder


def content_of(path: Path, item_type: typing.Any) -> bytes:
    return (path if item_type is FlyteFile else path / "sub" / "data.bin").read_bytes()


@pytest.mark.parametrize("item_type", [FlyteFile, FlyteDirectory], ids=lambda t: t.__name__)
def test_lists_of_files_and_folders_round_trip_in_order(item_type: typing.Any) -> None:
    @SETTINGS
    @given(st.lists(st.binary(max_size=32), max_size=8))
    def check(contents: list[bytes]) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            items = [entry(Path(scratch) / f"e{index}", content, item_type) for index, content in enumerate(contents)]
            vtype = describe(typing.List[item_type])
            copied = read_value(write_value(Path(scratch) / "list", items, vtype), vtype)
            assert [content_of(path, item_type) for path in copied] == contents

    check()


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_numbers_in_json_are_a_clear_error(tmp_path: Path, bad: float) -> None:
    with pytest.raises(ContractError, match="cannot be written as JSON: Out of range float values"):
        write_value(tmp_path / "v", {"a": bad}, describe(typing.Dict[str, float]))
