"""Domino-style flows written for the tests, in Domino's own API: only their imports name flowjobs.domino.

They use each API of Domino's plugin: DominoJobTask with a job config, run_domino_job_task with Domino's keywords,
dataset snapshots at /mnt/data, artifacts and their export, a PathConfig output, a .sh command, two
tasks side by side that each see only their own /workflow folder, and artifacts of cached and resumed tasks.
"""

from typing import NamedTuple, TypeVar

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flowjobs.domino.artifact import (
    DATA,
    MODEL,
    REPORT,
    Artifact,
    ExportArtifactToDatasetsSpec,
    run_launch_export_artifacts_task,
)
from flowjobs.domino.helpers import Input, Output, run_domino_job_task
from flowjobs.domino.task import DatasetSnapshot, DominoJobConfig, DominoJobTask, GitRef, PathConfig

SCRIPTS = "/mnt/code/tests/support/domino/scripts"
TableArtifact = Artifact("Iris Tables", DATA)
ReportArtifact = Artifact(name="Iris Report", type=REPORT)
ModelArtifact = Artifact("Sum Model", MODEL)
NotesArtifact = Artifact("Gate Notes", DATA)
WeightsArtifact = Artifact("Gate Weights", MODEL)


@workflow
def hello_workflow(a: int, b: int) -> float:
    """Two Domino job tasks with literal /workflow paths: the sum of a and b, then its square root."""
    add_task = DominoJobTask(
        name="Add numbers",
        domino_job_config=DominoJobConfig(Command=f"python {SCRIPTS}/add.py", MainRepoGitRef=GitRef(Type="head")),
        inputs={"first_value": int, "second_value": int},
        outputs={"sum": int},
        use_latest=True,
    )
    total = add_task(first_value=a, second_value=b)
    sqrt_task = DominoJobTask(
        name="Square root",
        domino_job_config=DominoJobConfig(Command=f"python {SCRIPTS}/sqrt.py", HardwareTierId="Medium"),
        inputs={"value": int},
        outputs={"sqrt": float},
        use_latest=True,
    )
    return sqrt_task(value=total["sum"])


@workflow
def describe_job(label: str) -> str:
    """What a Domino job sees: working folder, inputs, DOMINO_* variables, the project at /mnt/code."""
    return run_domino_job_task(
        flyte_task_name="Describe job",
        command="python tests/support/domino/scripts/describe_job.py",
        inputs=[Input(name="label", type=str, value=label)],
        output_specs=[Output(name="report", type=str)],
        use_project_defaults_for_omitted=True,
        environment_revision_id="rev-1",
        volume_size_gib=10,
    )["report"]


class IrisOutputs(NamedTuple):
    table: FlyteFile[TypeVar("csv")]
    summary: FlyteFile[TypeVar("json")]
    lines: str


@workflow
def iris_workflow(species: str = "Iris-setosa") -> IrisOutputs:
    """A snapshot read at /mnt/data/iris, a file input read by a `type=str` flag, artifacts and their export."""
    loaded = run_domino_job_task(
        flyte_task_name="Load iris",
        command=f"python {SCRIPTS}/load_snapshot.py",
        inputs=[Input(name="species", type=str, value=species)],
        output_specs=[Output(name="table", type=TableArtifact.File(name="iris.csv"))],
        dataset_snapshots=[DatasetSnapshot(Name="iris", Version=1)],
        hardware_tier_name="Small",
        use_project_defaults_for_omitted=True,
        cache=True,
        cache_version="1.0",
    )
    summary = DominoJobTask(
        name="Summarize",
        domino_job_config=DominoJobConfig(Command=f"python {SCRIPTS}/summarize.py"),
        inputs={"table": FlyteFile[TypeVar("csv")], "title": str},
        outputs={"summary": FlyteFile[TypeVar("json")], "report": PathConfig(path="/mnt/results/report.html")},
        use_latest=True,
    )(table=loaded["table"], title=species)
    lines = run_domino_job_task(
        flyte_task_name="Count lines",
        command="tests/support/domino/scripts/count_lines.sh",
        inputs=[Input(name="table", type=FlyteFile[TypeVar("csv")], value=loaded["table"])],
        output_specs=[Output(name="lines", type=str)],
    )
    run_domino_job_task(
        flyte_task_name="Keep report",
        command="cp /workflow/inputs/page /workflow/outputs/page",
        inputs=[Input(name="page", type=FlyteFile, value=summary["report"])],
        output_specs=[Output(name="page", type=ReportArtifact.File(name="report.html"))],
    )
    run_launch_export_artifacts_task(
        spec_list=[ExportArtifactToDatasetsSpec(artifact=TableArtifact, dataset_id="iris-tables")],
        use_project_defaults_for_omitted=True,
    )
    return IrisOutputs(table=loaded["table"], summary=summary["summary"], lines=lines)


@workflow
def side_by_side(meeting: str) -> str:
    """Two tasks that run at once, each reading its own /workflow/inputs/token."""
    echoes = [
        run_domino_job_task(
            flyte_task_name=f"Echo {token}",
            command=f"python {SCRIPTS}/slow_echo.py",
            inputs=[Input(name="token", type=str, value=token), Input(name="meeting", type=str, value=meeting)],
            output_specs=[Output(name="echoed", type=str)],
        )
        for token in ("left", "right")
    ]
    return run_domino_job_task(
        flyte_task_name="Join",
        command="python -c \"import pathlib; p = pathlib.Path('/workflow'); "
        "(p / 'outputs/joined').write_text((p / 'inputs/a').read_text() + '+' + (p / 'inputs/b').read_text())\"",
        inputs=[Input(name=name, type=str, value=echo["echoed"]) for name, echo in zip("ab", echoes, strict=True)],
        output_specs=[Output(name="joined", type=str)],
    )["joined"]


@workflow
def sleepy_workflow(marker: str) -> None:
    """A task that outlives its timeout: it is killed with everything it started inside its namespace."""
    run_domino_job_task(
        flyte_task_name="Sleepy",
        command=f"python {SCRIPTS}/sleep_with_child.py",
        inputs=[Input(name="marker", type=str, value=marker)],
        timeout=3,
    )


@workflow
def model_workflow(a: int) -> ModelArtifact.File(name="model.txt"):
    """An artifact named on the workflow's return type only: recorded when the run reads the output back."""
    return run_domino_job_task(
        flyte_task_name="Write model",
        command="python -c \"import pathlib; p = pathlib.Path('/workflow'); "
        "(p / 'outputs/model').write_text('sum=' + (p / 'inputs/a').read_text())\"",
        inputs=[Input(name="a", type=int, value=a)],
        output_specs=[Output(name="model", type=FlyteFile[TypeVar("txt")])],
    )


@workflow
def gated_artifacts(label: str, gate: FlyteFile[TypeVar("txt")]) -> str:
    """Two artifact files (one from a cached task), then a gate that fails unless its file says "pass": a re-run
    takes the first from the cache and resumes the second, and records both artifacts for itself too."""
    weights = run_domino_job_task(
        flyte_task_name="Cached weights",
        command="python -c \"import pathlib; p = pathlib.Path('/workflow'); "
        "(p / 'outputs/weights').write_text('w=' + (p / 'inputs/label').read_text())\"",
        inputs=[Input(name="label", type=str, value=label)],
        output_specs=[Output(name="weights", type=WeightsArtifact.File(name="weights.txt"))],
        cache=True,
        cache_version="1",
    )
    notes = run_domino_job_task(
        flyte_task_name="Write notes",
        command="python -c \"import pathlib; p = pathlib.Path('/workflow'); "
        "(p / 'outputs/notes').write_text('notes of ' + (p / 'inputs/label').read_text())\"",
        inputs=[Input(name="label", type=str, value=label)],
        output_specs=[Output(name="notes", type=NotesArtifact.File(name="notes.txt"))],
    )
    return run_domino_job_task(
        flyte_task_name="Check gate",
        command="python -c \"import pathlib, sys; p = pathlib.Path('/workflow'); "
        "opened = (p / 'inputs/gate').read_text().strip() == 'pass'; "
        "(p / 'outputs/verdict').write_text((p / 'inputs/notes').read_text()); sys.exit(0 if opened else 1)\"",
        inputs=[
            Input(name="gate", type=FlyteFile[TypeVar("txt")], value=gate),
            Input(name="notes", type=FlyteFile, value=notes["notes"]),
            Input(name="weights", type=FlyteFile, value=weights["weights"]),
        ],
        output_specs=[Output(name="verdict", type=str)],
    )["verdict"]


@workflow
def confined() -> str:
    """A task that tries to write where a Domino task may not, and to read another execution's state."""
    return run_domino_job_task(
        flyte_task_name="Try writes",
        command=f"python {SCRIPTS}/try_writes.py",
        output_specs=[Output(name="report", type=str)],
    )["report"]
