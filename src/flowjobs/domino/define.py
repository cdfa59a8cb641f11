"""One way from Domino's task arguments to our job task, shared by DominoJobTask and run_domino_job_task.

Domino names things the project's config maps (flowjobs/project.py): a hardware tier (`hardware_tiers`), an
environment by name or id (`environments`), a dataset snapshot by name or id (`snapshots`), an external volume
(`domino.external_volumes`). What a task leaves out takes the Domino project's defaults (`domino.defaults`); a name
we cannot map is one JobDefinitionError naming the task, it and the file to map it in (or, while `flowjobs
port-domino` surveys the flow, a note: flowjobs/domino/survey.py). What exists only on Domino (SAS with no image to
run it, its REST API with no host) is refused here too, before anything runs.
"""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import PurePosixPath

from flytekit.core.promise import Promise

from flowjobs import environments, snapshots, tiers
from flowjobs.domino import rest_api, survey
from flowjobs.domino.artifact import ArtifactMark, artifact_mark, flyte_artifact
from flowjobs.domino.file import check_fixed_path, fixed_path_of
from flowjobs.domino.layout import DATA, EDV, ArtifactFileSpec, DominoLayout, host_command, load_project
from flowjobs.domino.plugin import DominoRuntimeError, argv_for
from flowjobs.jobs import Input, JobDefinitionError, Output, run_job_task
from flowjobs.script_command import script_path
from flowjobs.settings import domino_place, environments_place, hardware_tiers_place, project_root, snapshots_place


class DominoPromise(Promise):
    """A task's only output, reachable as Domino flows reach it: `result["name"]` is the output itself."""

    def __getitem__(self, key: typing.Any) -> Promise:
        return self if key == self.var else super().__getitem__(key)


def ignore(task: str, keywords: list[str]) -> None:
    """Keywords Domino's DominoJobTask hands to flytekit, which drops them: dropped here too, with a warning."""
    survey.note(
        "ignored",
        ",".join(keywords),
        task,
        f"DominoJobTask ignores {', '.join(map(repr, keywords))} as Domino does (flytekit drops keywords it does not "
        "know); the tier and environment are DominoJobConfig's (HardwareTierName=…, EnvironmentName=…)",
    )


def tier_for(task: str, name: str | None) -> str:
    chosen = name or load_project().defaults.hardware_tier
    known = tiers.load_tiers()
    if chosen not in known:
        survey.need(
            "tier",
            chosen,
            task,
            f"unknown hardware tier {chosen!r}; map it in {hardware_tiers_place()} "
            f"({chosen!r}: {{cpu: {{request: '1', limit: '1'}}, memory: {{request: 2Gi, limit: 2Gi}}}}) "
            f"or use one of {', '.join(known)}",
        )
        return load_project().defaults.hardware_tier
    return chosen


def environment_for(task: str, name: str | None) -> str | None:
    """The environment's name in the config (a Domino EnvironmentId maps by the environment's `ids`)."""
    chosen = name or load_project().defaults.environment
    try:
        return environments.named(chosen)
    except environments.EnvironmentConfigError:
        survey.need(
            "environment",
            str(chosen),
            task,
            f"unknown environment {chosen!r}; map it in {environments_place()} to an image, a Python environment's "
            f"requirements, or both ({chosen!r}: {{image: <registry/image:tag>, requirements: [seaborn, …]}}; "
            "an EnvironmentId goes in its `ids`)",
        )
        return None


def snapshot_for(task: str, wanted: typing.Any) -> tuple[snapshots.DatasetSnapshot, str] | None:
    """A Domino DatasetSnapshot (by Name, or by Id as the catalog's `id` of a dataset or version) as our snapshot
    (its latest version when none is given) and its /mnt/data name."""
    catalog = snapshots.load_catalog()
    name, version = wanted.Name or wanted.Id, wanted.Version
    if not name:
        survey.need("dataset", "", task, f"a dataset snapshot names no dataset (Name or Id) in {snapshots_place()}")
        return None
    if name not in catalog and wanted.Id:
        found = snapshots.find_id(str(wanted.Id))
        if found is not None:
            name, version = found[0], version if version not in (None, "") else found[1]
    if name not in catalog:
        how = f"id = {wanted.Id!r} beside its versions" if wanted.Id and not wanted.Name else "its versions"
        survey.need(
            "dataset",
            str(name),
            task,
            f"unknown dataset {name!r}; add its files under data/ and the dataset to {snapshots_place()} with "
            f"{how} ({{'1': {{files: [...]}}}}, then `flowjobs snapshots` prints the sha256 to pin)",
        )
        return None
    version = version if version not in (None, "") else max(catalog[name], key=_version_order)
    ours = snapshots.DatasetSnapshot(name, str(version))
    try:
        snapshots.resolve(ours)
    except snapshots.SnapshotError as err:
        survey.need("dataset", f"{name}@{version}", task, f"{err} ({snapshots_place()})")
        return None
    return ours, name


def _version_order(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (-1, version)


def volume_for(task: str, volume: typing.Any) -> tuple[str, str] | None:
    name = volume.Name or volume.Id
    folders = load_project().external_volumes
    if name not in folders:
        survey.need(
            "volume",
            str(name),
            task,
            f"external data volume {name!r} is not mapped; add it to {domino_place()} "
            f"(external_volumes: {{{name!r}: /a/folder}}), seen at /domino/edv/{name}",
        )
        return None
    return name, folders[name]


def command_for(task: str, command: str, environment: str | None) -> str:
    """The command, once what it needs is here: its script, its runtime (unless the task's environment is an
    image, which may have it), and no call to Domino's REST API without a Domino host. While surveying a command
    that cannot run is noted and stood in for by `true`."""
    has_image = environments.image_for(environment) is not None if environment else False
    try:
        argv_for(task, command)
    except (DominoRuntimeError, ValueError) as err:
        if not has_image or survey.active():
            survey.need("runtime", command, task, str(err).removeprefix(f"task '{task}': "))
            return "true"
    script = script_path(host_command(command))
    if script is not None and not script.is_file():
        if not survey.active():
            return command  # the job task names the missing script and the project root it looked in
        survey.need("script", str(script), task, f"script {script} does not exist")
        return "true"
    refused = rest_api.refusal(script, project_root()) if script is not None else None
    if refused is not None:
        survey.need("api", str(script), task, refused)
        return "true"
    return command


def _outputs(
    task: str, outputs: list[Output], taken: list[PurePosixPath]
) -> tuple[list[Output], dict[str, ArtifactFileSpec], dict[str, ArtifactMark], dict[str, str]]:
    """Each output as its plain type, with what Domino puts on it: an artifact file (Artifact.File or flytekit's
    Artifact with Domino's partitions) and a fixed path (PathConfig, as the type or in Annotated)."""
    plain, artifacts, marks, fixed = [], {}, {}, {}
    for output in outputs:
        output_type, path = fixed_path_of(output.type)
        output_type, mark = artifact_mark(output_type)
        try:
            output_type, flyte_spec = flyte_artifact(output_type)
        except ValueError as err:
            raise JobDefinitionError(f"task '{task}': output {output.name!r}: {err}") from None
        if path is not None:
            refused = check_fixed_path(output.name, path, [*taken, *map(PurePosixPath, fixed.values())])
            if refused is not None:
                raise JobDefinitionError(f"task '{task}': {refused}")
            fixed[output.name] = str(PurePosixPath(path.path))
        if mark is not None:
            marks[output.name] = mark
        if mark is not None or flyte_spec is not None:
            artifacts[output.name] = mark.spec if mark is not None else flyte_spec
        plain.append(Output(output.name, output_type))
    return plain, artifacts, marks, fixed


def define(
    name: str,
    command: str,
    inputs: list[Input],
    outputs: list[Output],
    *,
    hardware_tier: str | None = None,
    environment: str | None = None,
    dataset_snapshots: typing.Sequence[typing.Any] = (),
    external_volumes: typing.Sequence[typing.Any] = (),
    cache: bool = False,
    cache_version: str = "",
    retries: int = 0,
    timeout: dt.timedelta | int | float | None = None,
) -> typing.Any:
    """Define the job task with Domino's layout and call it with `inputs`; returns its outputs as Domino does."""
    tier, env = tier_for(name, hardware_tier), environment_for(name, environment)
    ours, datasets = [], {}
    for wanted in dataset_snapshots:
        found = snapshot_for(name, wanted)
        if found is not None:
            ours.append(found[0])
            datasets[found[0].input_name] = found[1]
    volumes = dict(filter(None, (volume_for(name, volume) for volume in external_volumes)))
    taken = [DATA / mount for mount in datasets.values()] + [EDV / volume for volume in volumes]
    plain_outputs, artifacts, marks, fixed = _outputs(name, outputs, taken)
    layout = DominoLayout(datasets=datasets, fixed_outputs=fixed, artifacts=artifacts, volumes=volumes)
    runs = command_for(name, command, env)
    survey.saw(name, runs, env)
    result = run_job_task(
        name,
        runs,
        tier,
        inputs=inputs,
        output_specs=plain_outputs,
        dataset_snapshots=ours,
        cache=cache,
        cache_version=cache_version,
        retries=retries,
        timeout=timeout,
        environment_name=env,
        plugin="domino",
        plugin_settings=layout.model_dump(),
    )
    return _as_domino_result(result, [output.name for output in outputs], marks)


def _as_domino_result(result: typing.Any, names: list[str], marks: dict[str, ArtifactMark]) -> typing.Any:
    if len(names) == 1 and isinstance(result, Promise):
        result.__class__ = DominoPromise
    for output, mark in marks.items():
        mark.artifact.produced(result if len(names) == 1 else result[output], mark.spec.file)
    return result
