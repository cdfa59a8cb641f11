"""The input manifest: a `type=str` flag of a file input gets the file's path when the job task declared a file;
without a manifest (our own job tasks) the flag gets the input's text, as before."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from flowjobs import input_manifest
from flowjobs.script import get_param_from_args, read_input


@pytest.fixture
def flow_inputs(tmp_path: Path, monkeypatch) -> Path:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "table").write_text("Id,SepalLengthCm\n1,5.1\n")
    (inputs / "title").write_text("Iris")
    monkeypatch.setenv("FLOWJOBS_IS_WORKFLOW_JOB", "true")
    monkeypatch.setenv("FLOWJOBS_INPUTS_DIR", str(inputs))
    return inputs


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser()
    made.add_argument("--table", type=str)
    made.add_argument("--title", type=str)
    made.add_argument("--folder", type=Path)
    return made


def test_a_declared_file_input_read_by_a_str_flag_is_its_path(flow_inputs: Path, tmp_path: Path, monkeypatch) -> None:
    manifest = input_manifest.write(tmp_path / "input_types.json", {"table": "file", "title": "str"})
    monkeypatch.setenv(input_manifest.ENV_INPUT_TYPES, str(manifest))
    assert get_param_from_args(parser(), "table") == str(flow_inputs / "table")
    assert read_input("table", argparse.Namespace(), is_file=True) == str(flow_inputs / "table")
    assert get_param_from_args(parser(), "title") == "Iris"


def test_without_a_manifest_a_str_flag_gets_the_input_s_text(flow_inputs: Path, monkeypatch) -> None:
    monkeypatch.delenv(input_manifest.ENV_INPUT_TYPES, raising=False)
    assert get_param_from_args(parser(), "table") == "Id,SepalLengthCm\n1,5.1\n"
    assert input_manifest.declared_kinds() == {}


def test_a_declared_folder_read_by_a_path_flag_is_its_path(flow_inputs: Path, tmp_path: Path, monkeypatch) -> None:
    (flow_inputs / "folder").mkdir()
    manifest = input_manifest.write(tmp_path / "input_types.json", {"folder": "directory"})
    monkeypatch.setenv(input_manifest.ENV_INPUT_TYPES, str(manifest))
    assert get_param_from_args(parser(), "folder") == flow_inputs / "folder"
