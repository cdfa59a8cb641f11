"""Defining Domino tasks: Domino's names and keywords become a job task with Domino's layout, the project's
defaults fill in what is left out, and what we cannot map is one error naming it and the file to map it in."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from flytekit import workflow
from flytekit.types.file import FlyteFile

from flowjobs import jobs
from flowjobs.domino import plugin as runtime
from flowjobs.domino.artifact import DATA, MODEL, Artifact, artifact_mark
from flowjobs.domino.helpers import Input, Output, run_domino_job_task
from flowjobs.domino.task import (
    ClusterProperties,
    ComputeClusterType,
    DatasetSnapshot,
    DominoJobConfig,
    DominoJobTask,
    EnvironmentRevisionSpecification,
    EnvironmentRevisionType,
    ExternalDataVolume,
    GitRef,
)
from flowjobs.jobs import JobDefinitionError

ADD = "python /mnt/code/tests/support/domino/scripts/add.py"


def spec_of(name: str, flow) -> jobs.JobSpec:
    flow.compile()  # flytekit runs a workflow's body when it is first used
    return next(task.spec for key, task in jobs._TASKS.items() if key.endswith(f".{name}"))


def test_every_domino_config_field_is_accepted_and_the_task_keeps_domino_layout() -> None:
    config = DominoJobConfig(
        Command=ADD,
        Title="adds",
        OwnerName="someone",
        ProjectName="a-project",
        ApiKey="not-used",
        CommitId="abc123",
        MainRepoGitRef=GitRef(Type="branches", Value="main"),
        HardwareTierId="Medium",
        EnvironmentId="default",
        EnvironmentRevisionSpec=EnvironmentRevisionSpecification(EnvironmentRevisionType.SomeRevision, "rev"),
        VolumeSizeGiB=20,
        DatasetSnapshots=[DatasetSnapshot(Name="iris", Version=1)],
        ExternalVolumeMountIds=[],
    )
    task = DominoJobTask("Configured", config, inputs={"first_value": int, "second_value": int}, outputs={"sum": int})

    @workflow
    def configured(a: int) -> int:
        return task(first_value=a, second_value=a)["sum"]

    spec = spec_of("Configured", configured)
    assert (spec.tier, spec.environment_name, spec.command) == ("Medium", "default", ADD)
    assert spec.plugin == "domino" and runtime.layout_of(spec).datasets == {"iris": "iris"}
    assert spec.inputs == {"first_value": "int", "second_value": "int", "iris": "str"}


def test_omitted_tier_and_environment_take_the_project_defaults(tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "project.yaml"
    project.write_text("defaults: {hardware_tier: Large, environment: gpu}\n")
    monkeypatch.setenv("FLOWJOBS_DOMINO_PROJECT", str(project))

    @workflow
    def defaulted(a: int) -> int:
        return run_domino_job_task(
            flyte_task_name="Defaulted",
            command=ADD,
            inputs=[Input(name="first_value", type=int, value=a), Input(name="second_value", type=int, value=1)],
            output_specs=[Output(name="sum", type=int)],
            use_project_defaults_for_omitted=True,
        )["sum"]

    spec = spec_of("Defaulted", defaulted)
    assert (spec.tier, spec.environment_name) == ("Large", "gpu")


UNMAPPABLE = [
    ({"hardware_tier_name": "XXL"}, r"unknown hardware tier 'XXL'; map it in \S*toml \[tool.flowjobs.hardware_tiers\]"),
    (
        {"environment_name": "SAS Pro"},
        r"unknown environment 'SAS Pro'; map it in \S*toml \[tool.flowjobs.environments\] to an image, a Python "
        r"environment's requirements, or both",
    ),
    ({"dataset_snapshots": [DatasetSnapshot(Name="sdtm")]}, r"unknown dataset 'sdtm'; add its files under data/"),
    ({"external_data_volumes": [ExternalDataVolume(Name="v1")]}, r"external data volume 'v1' is not mapped; add it to"),
    ({"hardware_tier_nme": "Small"}, r"unknown argument 'hardware_tier_nme' \(did you mean 'hardware_tier_name'\?\)"),
    ({"compute_cluster_properties": ClusterProperties(ComputeClusterType.Spark)}, r"a Spark compute cluster exists"),
]


@pytest.mark.parametrize(("keywords", "expected"), UNMAPPABLE)
def test_what_cannot_be_mapped_is_one_line_naming_it_and_its_file(keywords: dict, expected: str) -> None:
    name = f"T{len(keywords)}"
    with pytest.raises(JobDefinitionError) as raised:

        @workflow
        def unmappable() -> None:
            run_domino_job_task(flyte_task_name=name, command=ADD, **keywords)

        unmappable.compile()
    assert len(str(raised.value).splitlines()) == 1
    assert re.match(rf"task 'T\d': {expected}", str(raised.value)), str(raised.value)


def test_an_artifact_file_is_a_flyte_file_of_its_extension_marked_with_its_artifact() -> None:
    model = Artifact("Forest", MODEL)
    inner, mark = artifact_mark(model.File(name="model.pkl"))
    assert issubclass(inner, FlyteFile) and inner.extension() == "pkl"
    assert (mark.spec.artifact, mark.spec.kind, mark.spec.file) == ("Forest", "MODEL", "model.pkl")
    tables = Artifact(name="Tables", type=DATA)
    assert artifact_mark(tables.File(name="adsl", type="sas7bdat"))[0].extension() == "sas7bdat"
    assert artifact_mark(int) == (int, None)
    with pytest.raises(ValueError, match=r"artifact 'Bad': kind must be DATA, MODEL or REPORT, got 'PLOTS'"):
        Artifact("Bad", "PLOTS")


def test_a_single_output_is_reached_by_its_name_as_domino_flows_do() -> None:
    @workflow
    def single(a: int) -> int:
        result = run_domino_job_task(
            flyte_task_name="Single",
            command=ADD,
            inputs=[Input(name="first_value", type=int, value=a), Input(name="second_value", type=int, value=a)],
            output_specs=[Output(name="sum", type=int)],
        )
        assert result["sum"] is result
        return result

    assert single(a=2) == 4


def test_our_own_job_tasks_keep_today_s_contract() -> None:
    @workflow
    def ours(a: int) -> int:
        return jobs.run_job_task(
            "plain_add",
            "python tests/scripts/echo_values.py",
            "Small",
            inputs=[jobs.Input("count", int, a)],
            output_specs=[jobs.Output("count", int)],
        )

    assert spec_of("plain_add", ours).plugin is None


@pytest.mark.parametrize(
    ("command", "argv_or_error"),
    [
        ("python /mnt/code/x.py --n 1", [sys.executable, "/mnt/code/x.py", "--n", "1"]),
        ("scripts/train.py", [sys.executable, "scripts/train.py"]),
        ("scripts/count.sh data.csv", ["bash", "scripts/count.sh", "data.csv"]),
        ("prod/adsl.sas", "task 'T': command 'prod/adsl.sas' needs the SAS runtime (sas), which is not installed here"),
        ("model/fit.R", "task 'T': command 'model/fit.R' needs the R runtime (Rscript), which is not installed here"),
        ("matlab_only --x", "task 'T': command 'matlab_only --x' needs the program 'matlab_only', which is not"),
    ],
)
def test_a_command_s_file_runs_with_its_interpreter_or_names_the_missing_runtime(command: str, argv_or_error) -> None:
    if isinstance(argv_or_error, list):
        assert runtime.argv_for("T", command) == argv_or_error
    else:
        with pytest.raises(runtime.DominoRuntimeError) as raised:
            runtime.argv_for("T", command)
        assert str(raised.value).startswith(argv_or_error)
        assert len(str(raised.value).splitlines()) == 1


def test_a_snapshot_without_a_name_or_id_is_named_as_such() -> None:
    with pytest.raises(JobDefinitionError, match=r"'Nameless': a dataset snapshot names no dataset"):

        @workflow
        def nameless() -> None:
            run_domino_job_task(flyte_task_name="Nameless", command=ADD, dataset_snapshots=[DatasetSnapshot(Version=1)])

        nameless.compile()
