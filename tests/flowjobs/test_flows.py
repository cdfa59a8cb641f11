"""Script side: the same script reads the same values alone (flags) and in a flow (inputs folder)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import typing
from pathlib import Path

import numpy as np
import pytest

from flowjobs import contract
from flowjobs.script import (
    ScriptInputError,
    add_output_dir,
    boolean,
    get_output_location,
    get_param_from_args,
    handle_outputs,
    is_workflow_job,
    read_input,
    rfc3339,
    run_main,
)
from flowjobs.value_types import describe


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int)
    p.add_argument("--ratio", type=float)
    p.add_argument("--name")
    p.add_argument("--flag", type=boolean)
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--when", type=rfc3339)
    p.add_argument("--data-path", dest="data_path", type=Path)
    p.add_argument("--numbers", type=int, nargs="+")
    p.add_argument("--weights", type=json.loads)
    return add_output_dir(p)


ARGV = [
    "--count",
    "3",
    "--ratio",
    "0.5",
    "--name",
    "iris",
    "--flag",
    "true",
    "--verbose",
    "--when",
    "2026-01-01T00:00:00Z",
    "--data-path",
    "data/x.csv",
    "--numbers",
    "1",
    "2",
    "--weights",
    '{"a": 1}',
]
EXPECTED = {
    "count": 3,
    "ratio": 0.5,
    "name": "iris",
    "flag": True,
    "verbose": True,
    "when": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    "numbers": [1, 2],
    "weights": {"a": 1},
}


@pytest.fixture
def in_flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    inputs.mkdir()
    outputs.mkdir()
    for name, value in contract.flow_env(inputs, outputs, "flows.demo.step").items():
        monkeypatch.setenv(name, value)
    return inputs, outputs


def test_alone_values_come_from_the_flags() -> None:
    assert not is_workflow_job()
    for name, value in EXPECTED.items():
        assert get_param_from_args(parser(), name, argv=ARGV) == value
    assert get_param_from_args(parser(), "data_path", argv=ARGV) == Path("data/x.csv")


def test_in_a_flow_the_same_values_come_from_the_inputs_folder(in_flow) -> None:
    inputs, _ = in_flow
    assert is_workflow_job()
    for name, text in {
        "count": "3",
        "ratio": "0.5",
        "name": "iris",
        "flag": "true",
        "verbose": "true",
        "when": "2026-01-01T00:00:00+00:00",
        "weights": '{"a": 1}',
    }.items():
        (inputs / name).write_text(text)
    contract.write_value(inputs / "numbers", [1, 2], describe(typing.List[int]))
    (inputs / "data_path").write_text("a,b\n")
    for name, value in EXPECTED.items():
        assert get_param_from_args(parser(), name) == value
    assert get_param_from_args(parser(), "data_path") == inputs / "data_path"


def test_a_path_flag_may_receive_a_folder(in_flow) -> None:
    inputs, _ = in_flow
    (inputs / "data_path").mkdir()
    assert get_param_from_args(parser(), "data_path").is_dir()


def test_a_missing_input_names_the_task_and_the_input(in_flow) -> None:
    with pytest.raises(
        ScriptInputError, match=r"flows.demo.step: input 'count' is missing \(expected .*inputs/count\)"
    ):
        get_param_from_args(parser(), "count")


def test_an_unparsable_input_names_the_input_and_its_path(in_flow) -> None:
    inputs, _ = in_flow
    (inputs / "count").write_text("many")
    with pytest.raises(ScriptInputError, match=r"flows.demo.step: input 'count' at .*inputs/count: invalid literal"):
        get_param_from_args(parser(), "count")


def test_an_unknown_input_name_is_an_error(in_flow) -> None:
    with pytest.raises(ScriptInputError, match="the parser has no flag for input 'nope'"):
        get_param_from_args(parser(), "nope")


def test_outputs_in_a_flow_follow_the_contract(in_flow, tmp_path: Path) -> None:
    _, outputs = in_flow
    model = tmp_path / "model.pkl"
    model.write_bytes(b"\x00model")
    written = handle_outputs(
        {
            "model": model,
            "accuracy": np.float64(0.75),
            "n": np.int64(4),
            "ok": True,
            "label": "setosa",
            "when": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            "scores": [0.5, 0.25],
            "per_class": {"a": 1.0},
        }
    )
    assert written["model"] == outputs / "model.pkl" and (outputs / "model.pkl").read_bytes() == b"\x00model"
    assert {p.name: p.read_text() for p in outputs.iterdir() if p.name != "model.pkl"} == {
        "accuracy": "0.75",
        "n": "4",
        "ok": "true",
        "label": "setosa",
        "when": "2026-01-01T00:00:00+00:00",
        "scores": "[0.5, 0.25]",
        "per_class": '{"a": 1.0}',
    }
    assert contract.read_value(outputs / "scores", describe(typing.List[float])) == [0.5, 0.25]


def test_a_list_of_paths_is_written_as_a_folder_of_entries(in_flow, tmp_path: Path) -> None:
    _, outputs = in_flow
    files = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for path in files:
        path.write_text(path.stem)
    handle_outputs({"parts": files})
    assert [p.read_text() for p in sorted((outputs / "parts").iterdir())] == ["a", "b"]


def test_an_output_written_in_place_is_kept(in_flow) -> None:
    _, outputs = in_flow
    location = Path(get_output_location("report"))
    assert location == outputs / "report"
    location.write_text("done")
    assert handle_outputs({"report": location})["report"] == location and location.read_text() == "done"


def test_alone_outputs_go_under_output_dir_and_are_overwritten(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("sys.argv", ["step.py", "--output-dir", str(tmp_path / "out")])
    handle_outputs({"accuracy": 0.5})
    handle_outputs({"accuracy": 0.75})
    assert (tmp_path / "out" / "accuracy").read_text() == "0.75"
    args = parser().parse_args(["--output-dir", str(tmp_path / "elsewhere")])
    assert get_output_location("model", args) == str(tmp_path / "elsewhere" / "model")


def test_domino_read_input_gives_the_path_or_the_text(in_flow) -> None:
    inputs, _ = in_flow
    (inputs / "data_path").write_text("a,b\n")
    (inputs / "name").write_text("iris")
    args = argparse.Namespace()
    assert read_input("data_path", args, is_file=True) == str(inputs / "data_path")
    assert read_input("name", args) == "iris"


def test_domino_read_input_alone_reads_the_parsed_flag() -> None:
    assert read_input("name", argparse.Namespace(name="iris")) == "iris"


def test_run_main_turns_bad_input_into_one_line_and_exit_1(capsys, in_flow) -> None:
    def main() -> None:
        raise ScriptInputError("column 'Id' is missing")

    with pytest.raises(SystemExit) as caught:
        run_main(main)
    assert caught.value.code == 1
    assert capsys.readouterr().err == "error: flows.demo.step: column 'Id' is missing\n"


def test_an_output_value_of_an_unknown_kind_is_refused(in_flow) -> None:
    with pytest.raises(TypeError, match="cannot write a object as an output"):
        handle_outputs({"thing": object()})
