"""The I/O contract: each kind written and read back, output lookup, limits and links."""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass
from pathlib import Path

import pytest

from flowjobs import contract
from flowjobs.contract import ContractError, locate_output, read_value, write_value
from flowjobs.value_types import Kind, describe


@dataclass
class Pair:
    left: int
    right: str


@pytest.mark.parametrize(
    ("python_type", "value", "text"),
    [
        (str, "a b\nc", "a b\nc"),
        (int, -7, "-7"),
        (float, 0.1, "0.1"),
        (bool, True, "true"),
        (bool, False, "false"),
        (dt.datetime, dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "2026-01-02T03:04:05+00:00"),
        (typing.Dict[str, float], {"a": 1.5}, '{"a": 1.5}'),
        (Pair, Pair(1, "x"), '{"left": 1, "right": "x"}'),
    ],
)
def test_values_are_written_as_documented_and_read_back(tmp_path: Path, python_type, value, text) -> None:
    path = write_value(tmp_path / "v", value, describe(python_type))
    assert path.read_text(encoding="utf-8") == text
    assert read_value(path, describe(python_type)) == value


def test_a_naive_datetime_is_written_as_utc(tmp_path: Path) -> None:
    path = write_value(tmp_path / "when", dt.datetime(2026, 5, 6, 7, 8), describe(dt.datetime))
    assert path.read_text() == "2026-05-06T07:08:00+00:00"


def test_a_list_is_a_folder_of_entries_and_json_is_accepted_too(tmp_path: Path) -> None:
    vtype = describe(typing.List[int])
    folder = write_value(tmp_path / "numbers", [5, 6, 7], vtype)
    assert sorted(p.name for p in folder.iterdir()) == ["0", "1", "2"]
    assert (folder / "1").read_text() == "6"
    assert read_value(folder, vtype) == [5, 6, 7]
    (tmp_path / "as_json").write_text("[1, 2]")
    assert read_value(tmp_path / "as_json", vtype) == [1, 2]


def test_list_entries_must_be_numbered_from_zero(tmp_path: Path) -> None:
    folder = tmp_path / "numbers"
    folder.mkdir()
    (folder / "0").write_text("1")
    (folder / "2").write_text("2")
    with pytest.raises(ContractError, match=r"list entries must be named 0..1"):
        read_value(folder, describe(typing.List[int]))


def test_ten_or_more_entries_keep_numeric_order(tmp_path: Path) -> None:
    vtype = describe(typing.List[int])
    assert read_value(write_value(tmp_path / "n", list(range(12)), vtype), vtype) == list(range(12))


def test_files_and_folders_are_copied(tmp_path: Path) -> None:
    from flytekit.types.directory import FlyteDirectory
    from flytekit.types.file import FlyteFile

    source = tmp_path / "source.csv"
    source.write_text("x\n")
    (tmp_path / "in").mkdir()
    copied = write_value(tmp_path / "in" / "data", source, describe(FlyteFile))
    assert copied.read_text() == "x\n" and read_value(copied, describe(FlyteFile)) == copied
    tree = tmp_path / "tree"
    (tree / "a").mkdir(parents=True)
    (tree / "a" / "b.txt").write_text("b")
    folder = write_value(tmp_path / "in" / "tree", tree, describe(FlyteDirectory))
    assert (folder / "a" / "b.txt").read_text() == "b"
    with pytest.raises(ContractError, match="not a file"):
        read_value(folder, describe(FlyteFile))
    with pytest.raises(ContractError, match=r"file .*missing.csv does not exist"):
        write_value(tmp_path / "in" / "gone", tmp_path / "missing.csv", describe(FlyteFile))


@pytest.mark.parametrize(
    ("python_type", "text", "expected"),
    [
        (int, "abc", r"not a int: 'abc'"),
        (int, "1.5", r"not a int: '1.5'"),
        (float, "", r"not a float: ''"),
        (bool, "yes", r"not a bool: 'yes' \(expected true or false"),
        (dt.datetime, "yesterday", r"not a datetime: 'yesterday'"),
        (typing.Dict[str, float], "{oops", r"not JSON for dict\[float\]"),
        (Pair, '{"left": "x"}', r"not JSON for dataclass:.*Pair"),
    ],
)
def test_unparsable_values_are_errors_quoting_the_text(tmp_path: Path, python_type, text, expected) -> None:
    (tmp_path / "v").write_text(text)
    with pytest.raises(ContractError, match=expected):
        read_value(tmp_path / "v", describe(python_type))


def test_scalar_outputs_are_limited_to_one_kib(tmp_path: Path) -> None:
    (tmp_path / "v").write_text("7" * 1025)
    with pytest.raises(ContractError, match="1025 bytes; a int output is at most 1024 bytes"):
        read_value(tmp_path / "v", describe(int), max_scalar_bytes=contract.MAX_SCALAR_BYTES)
    (tmp_path / "ok").write_text("7" * 1024)
    assert read_value(tmp_path / "ok", describe(int), max_scalar_bytes=contract.MAX_SCALAR_BYTES) == int("7" * 1024)


def test_non_utf8_text_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "v").write_bytes(b"\xff\xfe")
    with pytest.raises(ContractError, match="not a str"):
        read_value(tmp_path / "v", describe(str))


def test_a_file_output_may_carry_one_extension(tmp_path: Path) -> None:
    from flytekit.types.file import FlyteFile

    vtype = describe(FlyteFile)
    (tmp_path / "model.pkl").write_text("m")
    assert locate_output(tmp_path, "model", vtype) == tmp_path / "model.pkl"
    (tmp_path / "model.joblib").write_text("m")
    with pytest.raises(ContractError, match="two or more candidate files: model.joblib, model.pkl"):
        locate_output(tmp_path, "model", vtype)
    (tmp_path / "model").write_text("exact")
    assert locate_output(tmp_path, "model", vtype) == tmp_path / "model"


def test_a_scalar_output_needs_its_exact_name(tmp_path: Path) -> None:
    (tmp_path / "accuracy.txt").write_text("0.9")
    with pytest.raises(ContractError, match="the script did not write it"):
        locate_output(tmp_path, "accuracy", describe(float))


def test_links_out_of_the_outputs_folder_are_rejected(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    (outputs / "tree").mkdir(parents=True)
    (outputs / "tree" / "secret").symlink_to("/etc/hostname")
    with pytest.raises(ContractError, match="link leading outside the outputs folder"):
        contract.check_inside(outputs / "tree", outputs)
    (outputs / "inside.txt").write_text("x")
    (outputs / "alias").symlink_to(outputs / "inside.txt")
    assert contract.check_inside(outputs / "alias", outputs) == outputs / "alias"


@pytest.mark.parametrize("name", ["../up", "a/b", "", "1abc", "with space", "dot.name"])
def test_names_that_could_leave_the_folder_are_refused(name: str) -> None:
    with pytest.raises(ContractError, match="must be an identifier"):
        contract.check_name(name, "output")


def test_flow_env_names_the_folders_and_says_it_is_a_flow(tmp_path: Path) -> None:
    env = contract.flow_env(tmp_path / "i", tmp_path / "o", "flows.x.step")
    assert env == {
        "FLOWJOBS_IS_WORKFLOW_JOB": "true",
        "FLOWJOBS_INPUTS_DIR": str(tmp_path / "i"),
        "FLOWJOBS_OUTPUTS_DIR": str(tmp_path / "o"),
        "FLOWJOBS_TASK_NAME": "flows.x.step",
    }
    assert describe(int).kind == Kind.INT
