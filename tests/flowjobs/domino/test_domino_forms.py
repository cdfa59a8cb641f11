"""The rest of Domino's API, at definition: `flowjobs.domino.file`, each PathConfig form, flytekit's Artifact with
Domino's partitions, snapshots and environments by Domino's ids, keywords DominoJobTask ignores, a missing input
named; and what exists only on Domino (SAS without an image, its REST API, governance bundles, NetApp volumes)
refused in one line naming the task, the feature and why."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TypeVar

import pytest
from flytekit import Artifact as FlyteArtifact
from flytekit import workflow
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

from flowjobs import jobs
from flowjobs.domino import survey
from flowjobs.domino.artifact import (
    DATA,
    REPORT,
    Artifact,
    ExportArtifactFilesToBundleSpec,
    ExportArtifactToNetAppVolumesSpec,
    run_launch_export_artifacts_task,
)
from flowjobs.domino.file import DominoFile, PathConfig
from flowjobs.domino.helpers import Input, Output, run_domino_job_task
from flowjobs.domino.plugin import layout_of
from flowjobs.domino.task import DatasetSnapshot, DominoJobConfig, DominoJobTask
from flowjobs.hashing import content_hash
from flowjobs.jobs import JobDefinitionError

ADD = "python /mnt/code/tests/support/domino/scripts/add.py"
NUMBERS = {"first_value": int, "second_value": int}
Tables = Artifact("Tables", DATA)
Report = FlyteArtifact(name="report.html", partition_keys=["artifact_type", "artifact_name"])


def spec_of(name: str, flow) -> jobs.JobSpec:
    flow.compile()
    return next(task.spec for key, task in jobs._TASKS.items() if key.endswith(f".{name}"))


def define_one(name: str, outputs: dict, **config) -> jobs.JobSpec:
    task = DominoJobTask(name, DominoJobConfig(Command=ADD, **config), inputs=NUMBERS, outputs=outputs)

    @workflow
    def flow() -> None:
        task(first_value=1, second_value=2)

    return spec_of(name, flow)


def one_line_error(name: str, outputs: dict | None = None, command: str = ADD, **config) -> str:
    with pytest.raises(JobDefinitionError) as raised:
        define_one(name, outputs or {"sum": int}, **config) if command == ADD else define_command(name, command)
    assert len(str(raised.value).splitlines()) == 1, str(raised.value)
    return str(raised.value)


def define_command(name: str, command: str) -> None:
    @workflow
    def flow() -> None:
        run_domino_job_task(flyte_task_name=name, command=command)

    flow.compile()


def test_the_file_module_has_domino_s_names() -> None:
    assert DominoFile[TypeVar("csv")].extension() == "csv"
    assert PathConfig(path="/mnt/out/a.txt").output_type().extension() == "txt"


def test_each_path_config_form_is_an_output_read_from_its_path() -> None:
    spec = define_one(
        "Forms",
        {
            "plain": PathConfig(path="/mnt/out/plain.txt"),
            "typed": Annotated[FlyteFile[TypeVar("json")], PathConfig(path="/mnt/data/study/results/typed.json")],
            "tables": Annotated[Tables.File(name="adsl.csv"), PathConfig(path="/workflow/adsl.csv")],
        },
    )
    layout = layout_of(spec)
    assert layout.fixed_outputs == {
        "plain": "/mnt/out/plain.txt",
        "typed": "/mnt/data/study/results/typed.json",  # /mnt/data: Domino scripts write there
        "tables": "/workflow/adsl.csv",
    }
    assert spec.outputs == {"plain": "file:txt", "typed": "file:json", "tables": "file:csv"}
    assert (layout.artifacts["tables"].artifact, layout.artifacts["tables"].file) == ("Tables", "adsl.csv")


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/tmp/report.html", "a fixed output path must lie under /workflow, /mnt or /domino"),
        ("/mnt/code/out.txt", "a fixed output path cannot lie in /mnt/code"),
        ("/mnt/data/iris/out.csv", "a fixed output path cannot lie in /mnt/data/iris"),  # the task's snapshot
        ("/workflow/inputs/x", "a fixed output path cannot lie in /workflow/inputs"),
        ("/mnt/../tmp/x", "a fixed output path must be absolute, without '..'"),
        ("/mnt/out/../../etc/passwd", "a fixed output path must be absolute, without '..'"),
        ("relative/out.txt", "a fixed output path must be absolute, without '..'"),
    ],
)
def test_a_fixed_output_path_must_lie_in_a_folder_of_the_task_s_own(path: str, why: str) -> None:
    snapshot = [DatasetSnapshot(Name="iris", Version=1)]
    error = one_line_error(f"Fixed {len(path)}", {"out": PathConfig(path=path)}, DatasetSnapshots=snapshot)
    assert error == f"task 'Fixed {len(path)}': output 'out' at {path}: {why}" + error.split(why, 1)[1]


def test_a_fixed_output_path_cannot_lie_under_another_one_a_link_in_the_task_s_view() -> None:
    outputs = {"folder": PathConfig(path="/mnt/out/report"), "inner": PathConfig(path="/mnt/out/report/page.html")}
    error = one_line_error("Nested fixed", outputs)
    assert error.startswith(
        "task 'Nested fixed': output 'inner' at /mnt/out/report/page.html: a fixed output path "
        "cannot lie in /mnt/out/report"
    )


def test_a_flytekit_artifact_with_domino_s_partitions_is_an_artifact_file() -> None:
    spec = define_one(
        "Flyte artifact",
        {
            "report": Annotated[FlyteFile[TypeVar("html")], Report(artifact_type="report", artifact_name="Study")],
            "plain": Annotated[FlyteFile, FlyteArtifact(name="processed.sas7bdat", version="1")],
        },
    )
    artifacts = layout_of(spec).artifacts
    assert set(artifacts) == {"report"}, "an Artifact without Domino's partitions is Flyte's alone"
    assert (artifacts["report"].kind, artifacts["report"].artifact, artifacts["report"].file) == (
        REPORT,
        "Study",
        "report.html",
    )
    assert spec.outputs == {"report": "file:html", "plain": "file"}
    error = one_line_error("Bad kind", {"x": Annotated[FlyteFile, Report(artifact_type="plots", artifact_name="P")]})
    assert (
        error == "task 'Bad kind': output 'x': artifact 'P': artifact_type must be data, model or report, got 'plots'"
    )


def test_extra_domino_job_task_keywords_are_ignored_as_on_domino_and_said() -> None:
    with survey.surveying() as seen:
        task = DominoJobTask(
            "Extra",
            DominoJobConfig(Command=ADD),
            inputs=NUMBERS,
            outputs={"sum": int},
            hardware_tier_name="Large",
            environment_name="Domino Standard Environment",
            upstream=["a task"],
        )
    (note,) = seen.needs
    assert not note.blocking and note.task == "Extra"
    assert "ignores 'environment_name', 'hardware_tier_name', 'upstream' as Domino does" in note.message

    @workflow
    def flow() -> None:
        task(first_value=1, second_value=2)

    assert spec_of("Extra", flow).tier == "Small", "the tier is the job config's (here the project's default)"


def test_a_missing_required_input_is_named() -> None:
    task = DominoJobTask("Missing", DominoJobConfig(Command=ADD), inputs=NUMBERS, outputs={"sum": int})

    @workflow
    def flow(a: int) -> None:
        task(first_value=a)

    with pytest.raises(JobDefinitionError, match=r"^task '\S*Missing': input 'second_value' is required and was"):
        flow.compile()


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sdtm").mkdir()
    (tmp_path / "sdtm" / "dm.csv").write_text("USUBJID\n1\n")
    sha = content_hash([tmp_path / "sdtm" / "dm.csv"], tmp_path / "sdtm")
    path = tmp_path / "snapshots.yaml"
    path.write_text(
        f"SDTM:\n  id: 66b2a1f0c9e84d3b\n  1: {{folder: sdtm, files: [dm.csv], sha256: {sha}}}\n"
        f"  2: {{folder: sdtm, files: [dm.csv], sha256: {sha}, id: 77aa00}}\n"
    )
    monkeypatch.setenv("FLOWJOBS_SNAPSHOTS", str(path))
    return path


def test_a_snapshot_by_domino_s_id_is_the_catalog_s_dataset_of_that_id(catalog: Path) -> None:
    spec = define_one("By id", {"sum": int}, DatasetSnapshots=[DatasetSnapshot(Id="66b2a1f0c9e84d3b", Version=1)])
    assert layout_of(spec).datasets == {"SDTM": "SDTM"} and "SDTM" in spec.inputs
    latest = define_one("By snapshot id", {"sum": int}, DatasetSnapshots=[DatasetSnapshot(Id="77aa00")])
    assert layout_of(latest).datasets == {"SDTM": "SDTM"}
    error = one_line_error("Unknown id", DatasetSnapshots=[DatasetSnapshot(Id="0123abcd", Version=1)])
    assert error.startswith(
        f"task 'Unknown id': unknown dataset '0123abcd'; add its files under data/ and the "
        f"dataset to {catalog} with id = '0123abcd' beside its versions"
    )


def test_an_environment_by_domino_s_id_is_the_config_s_environment_with_that_id(tmp_path, monkeypatch) -> None:
    config = tmp_path / "environments.yaml"
    config.write_text("environments:\n  Study:\n    ids: ['664f0c1e']\n    image: registry.example.com/study:1\n")
    monkeypatch.setenv("FLOWJOBS_ENVIRONMENTS", str(config))
    assert define_one("Env by id", {"sum": int}, EnvironmentId="664f0c1e").environment_name == "Study"
    error = one_line_error("Env unknown", EnvironmentId="999")
    assert error.startswith(f"task 'Env unknown': unknown environment '999'; map it in {config} to an image")


def test_sas_without_an_image_to_run_it_is_refused_when_the_flow_is_defined() -> None:
    error = one_line_error("SAS", command="prod/adsl.sas")
    assert error == (
        "task 'SAS': command 'prod/adsl.sas' needs the SAS runtime (sas), which is not installed here; run it in "
        "an environment whose image has it (environment_name=…, the config's `environments`)"
    )


def test_a_script_calling_domino_s_rest_api_is_refused_without_a_domino_host(tmp_path, monkeypatch) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "fetch.py").write_text("from domino import Domino\nDomino('me/project').runs_list()\n")
    monkeypatch.setenv("FLOWJOBS_PROJECT_ROOT", str(tmp_path))
    monkeypatch.delenv("DOMINO_API_HOST", raising=False)
    error = one_line_error("Fetch", command="python /mnt/code/scripts/fetch.py")
    assert error == (
        "task 'Fetch': scripts/fetch.py calls Domino's REST API through domino (python-domino, PyPI dominodatalab), "
        "which exists only on Domino: there is no Domino host here (DOMINO_API_HOST is not set)"
    )
    monkeypatch.setenv("DOMINO_API_HOST", "https://domino.example.com")
    define_command("Fetch with a host", "python /mnt/code/scripts/fetch.py")  # a real host may answer


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        (
            ExportArtifactFilesToBundleSpec(files=[Tables.File(name="adsl.csv")], bundles=["QC Bundle"]),
            "attaching artifact files to governance bundles ('QC Bundle'): bundles exist only on Domino "
            "(Domino Governance, through its API); export the files to a dataset folder instead "
            "(ExportArtifactToDatasetsSpec)",
        ),
        (
            ExportArtifactToNetAppVolumesSpec(artifact=Tables, netapp_volume_id="v1"),
            "exporting artifact 'Tables' to NetApp volume 'v1': NetApp volumes exist only on Domino; export to a "
            "dataset folder instead (ExportArtifactToDatasetsSpec)",
        ),
    ],
)
def test_exports_that_exist_only_on_domino_are_refused_in_one_line(spec, why: str) -> None:
    @workflow
    def flow() -> None:
        run_launch_export_artifacts_task(spec_list=[spec])

    with pytest.raises(JobDefinitionError) as raised:
        flow.compile()
    assert str(raised.value) == f"task 'Export artifacts' (run_launch_export_artifacts_task): {why}"


def test_output_types_of_run_domino_job_task_take_the_same_forms() -> None:
    @workflow
    def flow() -> None:
        run_domino_job_task(
            flyte_task_name="Helper forms",
            command=ADD,
            inputs=[Input(name="first_value", type=int, value=1), Input(name="second_value", type=int, value=2)],
            output_specs=[Output(name="sum", type=PathConfig(path="/mnt/out/sum.txt", type=int))],
        )

    assert layout_of(spec_of("Helper forms", flow)).fixed_outputs == {"sum": "/mnt/out/sum.txt"}


NAMED_FOLDER = (
    "python -c \"import pathlib; p = pathlib.Path('/workflow/outputs'); (p / 'files').mkdir(); "
    "(p / 'files/a.txt').write_text('a'); (p / 'listing').write_text('/workflow/outputs/files')\""
)


def test_a_folder_output_named_by_its_path_is_that_folder() -> None:
    """Domino's named output: the script writes the folder's path where the FlyteDirectory output goes."""

    @workflow
    def named_folder() -> FlyteDirectory:
        return run_domino_job_task(
            flyte_task_name="Named folder",
            command=NAMED_FOLDER,
            output_specs=[Output(name="listing", type=FlyteDirectory)],
        )

    folder = Path(named_folder().path)
    assert folder.is_dir() and (folder / "a.txt").read_text() == "a"
