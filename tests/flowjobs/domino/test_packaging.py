"""The Domino-style flows package for a cluster like any flow: each Domino task is a job task whose spec carries
its Domino layout; in a pod the image lays out Domino's folders, and a task in an image without them fails with
one line (never making them on the machine's /)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path, PurePosixPath

import pytest

from flowjobs.domino import sandbox
from flowjobs.domino.layout import CODE, DATA, INPUTS, OUTPUTS
from flowjobs.domino.plugin import layout_of
from flowjobs.jobs import JobSpec
from tests.support.image import build_layout
from tests.support.pod import literal_map, package, run_as_pod
from tests.support.project import PROJECT_ROOT

IMAGE = "registry.example.com/flowjobs:domino"
PREFIX = "tests.support.domino.flows."


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory):
    return package(tmp_path_factory.mktemp("package"), IMAGE, packages="tests.support.domino")


def spec_of(packaged, name: str) -> JobSpec:
    args = list(packaged.tasks[PREFIX + name].template.container.args)
    assert args[args.index("--resolver") + 1] == "flowjobs.jobs.job_task_resolver"
    return JobSpec.model_validate_json(args[args.index("job-spec") + 1])


def test_every_domino_task_packages_as_a_job_task_with_its_domino_layout(packaged) -> None:
    assert {PREFIX + name for name in ("hello_workflow", "iris_workflow", "side_by_side")} <= set(packaged.workflows)
    load = spec_of(packaged, "Load iris")
    assert load.command == "python /mnt/code/tests/support/domino/scripts/load_snapshot.py"
    assert load.plugin == "domino" and layout_of(load).datasets == {"iris": "iris"} and load.cache
    table = layout_of(load).artifacts["table"]
    assert (table.artifact, table.kind, table.file) == ("Iris Tables", "DATA", "iris.csv")
    summary = spec_of(packaged, "Summarize")
    assert layout_of(summary).fixed_outputs == {"report": "/mnt/results/report.html"}
    assert summary.inputs == {"table": "file:csv", "title": "str"}
    assert spec_of(packaged, "Square root").tier == "Medium"
    assert spec_of(packaged, "Add numbers").tier == "Small"  # the project's default tier
    export = next(name for name in packaged.tasks if ".export_artifacts_" in name)
    assert spec_of(packaged, export.removeprefix(PREFIX)).plugin is None  # our own task type, our own contract


def describe_inputs(packaged, label: str):
    interface = packaged.tasks[PREFIX + "Describe job"].template.interface
    assert list(interface.inputs.variables) == ["label"]
    return literal_map({"label": label}, {"label": str})


def test_in_an_image_without_domino_s_folders_the_task_fails_with_one_line(packaged, tmp_path: Path) -> None:
    image = build_layout(tmp_path / "image")
    result = run_as_pod(packaged.tasks[PREFIX + "Describe job"], describe_inputs(packaged, "x"), tmp_path, image)
    assert result.error is not None, result.log
    message = result.error.error.message
    assert f"task '{PREFIX}Describe job': this image has no /workflow/inputs folder" in message
    assert not Path("/workflow").exists()


def test_in_an_image_with_domino_s_folders_the_task_reads_and_writes_them(packaged, tmp_path: Path) -> None:
    image = build_layout(tmp_path / "image")
    script = Path("tests/support/domino/scripts/describe_job.py")
    (image.root / script).parent.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / script, image.root / script)
    folders = {name: tmp_path / name for name in ("inputs", "outputs", "data")}
    for folder in folders.values():
        folder.mkdir()
    binds = [
        sandbox.Bind(folders["inputs"], INPUTS),
        sandbox.Bind(folders["outputs"], OUTPUTS),
        sandbox.Bind(image.root, CODE, read_only=True),
        sandbox.Bind(folders["data"], DATA),
        sandbox.Bind(tmp_path, PurePosixPath(tmp_path)),  # the pod's own files (inputs.pb, outputs), /tmp being private
        *sandbox.kept_from_tmp(Path(sys.prefix)),
    ]
    wrapper = sandbox.command(sandbox.require_namespaces("pod"), [], binds, {}, CODE)  # the image's folders
    pod = run_as_pod(
        packaged.tasks[PREFIX + "Describe job"], describe_inputs(packaged, "in a pod"), tmp_path, image, wrapper=wrapper
    )
    assert pod.error is None and pod.outputs is not None, pod.log
    seen = json.loads(pod.outputs.literals["report"].scalar.primitive.string_value)
    assert (seen["cwd"], seen["inputs"], seen["label"]) == ("/mnt/code", ["label"], "in a pod")
    assert seen["env"]["DOMINO_IS_WORKFLOW_JOB"] == "true"
