"""Domino's flow artifacts: named groups of output files (DATA, MODEL, REPORT), here real and inspectable.

    DataArtifact = Artifact("Merged Data", DATA)
    run_domino_job_task(..., output_specs=[Output(name="merged", type=DataArtifact.File(name="merged.csv"))])
    run_launch_export_artifacts_task(spec_list=[ExportArtifactToDatasetsSpec(artifact=DataArtifact, dataset_id="d1")])

An output typed `Artifact(...).File(name=...)` is a FlyteFile to Flyte; when its task succeeds the file is
recorded under the execution's artifacts, grouped by artifact, and logged to the execution's MLflow parent run
under `artifacts/<KIND>/<name>/` (flowjobs/domino/artifact_store.py; `flowjobs artifacts` lists them).
The export copies an artifact's files of the execution to a dataset folder (the project config's `domino` section).
"""

from __future__ import annotations

import hashlib
import json
import typing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flytekit.core.context_manager import ExecutionState
from flytekit.core.type_engine import AsyncTypeTransformer, TypeEngine

from flowjobs.domino.layout import ArtifactFileSpec

DATA, MODEL, REPORT = "DATA", "MODEL", "REPORT"
KINDS = (DATA, MODEL, REPORT)
EXPORT_COMMAND = "python -m flowjobs.domino.export_artifacts"  # found wherever helpers is, any project root


def _path_words(name: str) -> list[str]:
    return name.replace("\\", "/").split("/")


def check_name(name: str, what: str = "artifact") -> str:
    """An artifact's name: free text (`ADaM Datasets`), but a path under the execution's artifacts folder and its
    MLflow run, so nothing that leads out of them (`..`, a leading `/`); refused when the flow is defined, not
    after its script ran."""
    if "\0" in name or name.startswith(("/", "\\")) or any(word in (".", "..") for word in _path_words(name)):
        raise ValueError(f"{what} name {name!r}: a name, not a path leading out of its folder (no '..', no '/' first)")
    return name


def check_file_name(artifact: str, name: str) -> str:
    """An artifact's file name: one file name, no folder part."""
    if not name or "\0" in name or len(_path_words(name)) > 1 or name in (".", ".."):
        raise ValueError(f"artifact {artifact!r}: file name {name!r} is not a file name (no folder part, no '..')")
    return name


class ArtifactMark(AsyncTypeTransformer):
    """What `Artifact.File` puts on its FlyteFile type. A job task's output with it is recorded when the task
    succeeds (flowjobs/domino/plugin.py); for Flyte, which takes a TypeTransformer in `Annotated` as the type's
    transformer, it is a FlyteFile, and a workflow's output with it is recorded when a local run reads it back."""

    def __init__(self, spec: ArtifactFileSpec, artifact: Artifact, inner: type):
        super().__init__(name=f"artifact file {spec.artifact}/{spec.file}", t=inner)
        self.spec, self.artifact, self.inner = spec, artifact, inner

    def get_literal_type(self, t: typing.Any = None) -> typing.Any:
        return TypeEngine.to_literal_type(self.inner)

    def guess_python_type(self, literal_type: typing.Any) -> type:
        return self.inner

    def assert_type(self, t: typing.Any, v: typing.Any) -> None:
        TypeEngine.get_transformer(self.inner).assert_type(self.inner, v)

    async def async_to_literal(self, ctx, python_val, python_type, expected):  # noqa: ANN001, ANN201 (flytekit's)
        return await TypeEngine.async_to_literal(ctx, python_val, self.inner, expected)

    async def async_to_python_value(self, ctx, lv, expected_python_type):  # noqa: ANN001, ANN201 (flytekit's)
        value = await TypeEngine.async_to_python_value(ctx, lv, self.inner)
        path = Path(getattr(value, "path", ""))
        state = ctx.execution_state
        in_pod_task = state is not None and state.mode == ExecutionState.Mode.TASK_EXECUTION
        if path.is_file() and not in_pod_task:  # a workflow's output, as a local run reads it back
            from flowjobs.domino import artifact_store

            artifact_store.record("workflow", self.spec.file, self.spec, path)
        return value


class Artifact:
    """A named flow artifact of one kind; `.File(name=...)` is the type of an output that is one of its files."""

    def __init__(self, name: str, type: str | None = None, *, kind: str | None = None):  # noqa: A002 (Domino's name)
        chosen = kind or type
        if chosen not in KINDS:
            raise ValueError(f"artifact {name!r}: kind must be DATA, MODEL or REPORT, got {chosen!r}")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"an artifact needs a name, got {name!r}")
        check_name(name)
        self.name, self.kind = name, chosen
        self._produced: list[tuple[object, object, str]] = []  # (definition state, promise, file name)

    def __repr__(self) -> str:
        return f"Artifact({self.name!r}, {self.kind})"

    def File(self, name: str, type: str | None = None) -> typing.Any:  # noqa: N802, A002 (Domino's names)
        """The type of an output that is file `name` of this artifact: a FlyteFile of its extension."""
        from flytekit.types.file import FlyteFile

        extension = type or PurePosixPath(name).suffix.lstrip(".")
        file_type = FlyteFile[typing.TypeVar(extension)] if extension else FlyteFile
        spec = ArtifactFileSpec(artifact=self.name, kind=self.kind, file=check_file_name(self.name, name))
        return typing.Annotated[file_type, ArtifactMark(spec, self, file_type)]

    def produced(self, promise: object, file_name: str) -> None:
        """A task of the workflow being defined (or run) outputs a file of this artifact."""
        self._produced.append((_definition_state(), promise, file_name))

    def files_here(self) -> list[tuple[object, str]]:
        """The (promise, file name) pairs produced in the workflow being defined (or run) now."""
        state = _definition_state()
        return [(promise, name) for owner, promise, name in self._produced if owner is state]


def _definition_state() -> object:
    from flytekit import FlyteContextManager

    ctx = FlyteContextManager.current_context()
    return ctx.compilation_state or ctx.execution_state


def artifact_mark(output_type: typing.Any) -> tuple[typing.Any, ArtifactMark | None]:
    """An output type without its artifact mark, and the mark (None for an ordinary type)."""
    if typing.get_origin(output_type) is typing.Annotated:
        inner, *marks = typing.get_args(output_type)
        found = next((mark for mark in marks if isinstance(mark, ArtifactMark)), None)
        if found is not None:
            return inner, found
    return output_type, None


def flyte_artifact(output_type: typing.Any) -> tuple[typing.Any, ArtifactFileSpec | None]:
    """An output annotated with flytekit's own Artifact, as Domino flows write one before `Artifact.File`:

        Report = flytekit.Artifact(name="report.pdf", partition_keys=["artifact_type", "artifact_name"])
        Annotated[FlyteFile[TypeVar("pdf")], Report(artifact_type="report", artifact_name="Reports")]

    is file `report.pdf` of the REPORT artifact `Reports`. Without those two partitions an Artifact is Flyte's
    alone (its artifact service), not one of Domino's flow artifacts: the output is its plain type, not recorded.
    Returns the type without the Artifact, and the artifact file it is (None when it is none)."""
    from flytekit.core.artifact import Artifact as FlyteArtifact
    from flytekit.core.artifact import ArtifactIDSpecification

    if typing.get_origin(output_type) is not typing.Annotated:
        return output_type, None
    inner, *marks = typing.get_args(output_type)
    found = next((mark for mark in marks if isinstance(mark, FlyteArtifact | ArtifactIDSpecification)), None)
    if found is None:
        return output_type, None
    rest = [mark for mark in marks if mark is not found]
    plain = typing.Annotated[(inner, *rest)] if rest else inner
    artifact = found.artifact if isinstance(found, ArtifactIDSpecification) else found
    partitions = found.partitions.partitions if found.partitions is not None else {}
    values = {
        key: partition.value.static_value
        for key, partition in partitions.items()
        if partition.value is not None and partition.value.HasField("static_value")
    }
    kind, group = values.get("artifact_type"), values.get("artifact_name")
    if not kind or not group:
        return plain, None
    if kind.upper() not in KINDS:
        raise ValueError(f"artifact {group!r}: artifact_type must be data, model or report, got {kind!r}")
    check_name(group)
    return plain, ArtifactFileSpec(artifact=group, kind=kind.upper(), file=check_file_name(group, artifact.name))


@dataclass(frozen=True)
class ExportArtifactToDatasetsSpec:
    """Copy an artifact's files of this execution into a dataset (here: <datasets folder>/<dataset_id>/)."""

    artifact: Artifact
    dataset_id: str


@dataclass(frozen=True)
class ExportArtifactToNetAppVolumesSpec:
    """Domino's export to a NetApp volume: there are no NetApp volumes here, so an export naming one is refused."""

    artifact: Artifact
    netapp_volume_id: str
    target_relative_path: str = ""

    def refusal(self) -> str:
        return (
            f"exporting artifact {self.artifact.name!r} to NetApp volume {self.netapp_volume_id!r}: NetApp volumes "
            "exist only on Domino; export to a dataset folder instead (ExportArtifactToDatasetsSpec)"
        )


@dataclass(frozen=True)
class ExportArtifactFilesToBundleSpec:
    """Domino's attachment of artifact files to governance bundles: bundles live in Domino Governance, reached
    through Domino's API only, so an export naming one is refused."""

    files: list[typing.Any]
    bundles: list[str]

    def refusal(self) -> str:
        return (
            f"attaching artifact files to governance bundles ({', '.join(map(repr, self.bundles))}): bundles exist "
            "only on Domino (Domino Governance, through its API); export the files to a dataset folder instead "
            "(ExportArtifactToDatasetsSpec)"
        )


EXPORT_TASK = "Export artifacts"  # how the export task is named in a refusal: it is defined by the call


def run_launch_export_artifacts_task(
    spec_list: list[typing.Any], use_project_defaults_for_omitted: bool = True, **_: typing.Any
) -> typing.Any:
    """A task that runs after the artifact files it exports and copies them to their datasets' folders."""
    from flytekit.types.file import FlyteFile

    from flowjobs.jobs import Input, JobDefinitionError, run_job_task

    refused = [spec.refusal() for spec in spec_list if hasattr(spec, "refusal")]
    if refused:
        raise JobDefinitionError(f"task '{EXPORT_TASK}' (run_launch_export_artifacts_task): {refused[0]}")
    inputs, plan = [], []
    for spec in spec_list:
        files = spec.artifact.files_here()
        if not files:
            raise ValueError(f"artifact {spec.artifact.name!r} has no file output before its export in this workflow")
        for promise, file_name in files:
            name = f"file_{len(inputs)}"
            inputs.append(Input(name, FlyteFile, promise))
            plan.append({"input": name, "dataset": spec.dataset_id, "artifact": spec.artifact.name, "file": file_name})
    text = json.dumps(plan, sort_keys=True)
    inputs.append(Input("plan", str, text))
    key = hashlib.sha256(text.encode()).hexdigest()[:8]  # one task per export plan, the same in every process
    return run_job_task(f"export_artifacts_{key}", EXPORT_COMMAND, _default_tier(), inputs=inputs)


def _default_tier() -> str:
    from flowjobs.domino.layout import load_project

    return load_project().defaults.hardware_tier
