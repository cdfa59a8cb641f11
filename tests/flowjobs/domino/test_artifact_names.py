"""An artifact name or file name that leads out of its folder (`../`) is refused when the flow is defined: one
line, exit code 2, nothing run, nothing listed by `flowjobs artifacts` (it was refused by MLflow only after the
script ran, and the file was listed anyway)."""

from __future__ import annotations

import typing
from pathlib import Path

import flytekit
import pytest
from flytekit.types.file import FlyteFile

from flowjobs.domino import artifact_store
from flowjobs.domino.artifact import DATA, Artifact, flyte_artifact
from tests.support.project import PROJECT_ROOT, run, tool
from tests.support.runner.harness import run_flow

FLOW = """
import typing
import flytekit
from flytekit import workflow
from flytekit.types.file import FlyteFile
from flowjobs.domino.artifact import Artifact, DATA
from flowjobs.domino.helpers import Output, run_domino_job_task

{declaration}

@workflow
def escape() -> None:
    run_domino_job_task(
        flyte_task_name="Write",
        command="tests/support/domino/scripts/count_lines.sh",
        output_specs=[Output(name="out", type={output_type})],
    )
"""

CASES = {
    "Artifact name": ('Out = Artifact("../../Esc", DATA)', 'Out.File(name="out.txt")', "artifact name '../../Esc'"),
    "Artifact file": ('Out = Artifact("Tables", DATA)', 'Out.File(name="../out.txt")', "file name '../out.txt'"),
    "Flyte partition": (
        'Out = flytekit.Artifact(name="out.txt", partition_keys=["artifact_type", "artifact_name"])',
        'typing.Annotated[FlyteFile[typing.TypeVar("txt")], Out(artifact_type="data", artifact_name="../up")]',
        "artifact name '../up'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_name_leading_out_is_refused_when_the_flow_is_defined(case: str, tmp_path: Path) -> None:
    declaration, output_type, named = CASES[case]
    flow = tmp_path / f"escape_{case.replace(' ', '_').lower()}.py"  # a module name of its own in this process
    flow.write_text(FLOW.format(declaration=declaration, output_type=output_type))
    ran = run_flow("escape", file=str(flow))
    assert ran.code == 2 and ran.record is None, ran.log
    line = ran.log.strip()
    assert len(line.splitlines()) == 1 and line.startswith(f"error: {flow}: ") and named in line, line
    assert artifact_store.executions_with_artifacts() == []
    listed = run([tool("flowjobs"), "artifacts"], cwd=PROJECT_ROOT)
    assert "escape" not in listed.stdout.lower() and "../" not in listed.stdout


@pytest.mark.parametrize("name", ["..", "../x", "a/../../b", "/etc", "a\\..\\b"])
def test_artifact_names_that_are_paths_out_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a path leading out"):
        Artifact(name, DATA)


def test_free_text_names_are_kept() -> None:
    assert Artifact("ADaM Datasets (v2.1)", DATA).name == "ADaM Datasets (v2.1)"
    found = flytekit.Artifact(name="t.csv", partition_keys=["artifact_type", "artifact_name"])
    kept = typing.Annotated[FlyteFile[typing.TypeVar("csv")], found(artifact_type="data", artifact_name="Iris v1.2")]
    assert flyte_artifact(kept)[1].artifact == "Iris v1.2"
