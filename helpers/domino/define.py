"""One way from Domino's task arguments to our job task, shared by DominoJobTask and run_domino_job_task.

Domino names things our config maps: a hardware tier (helpers/hardware_tiers.yaml), an environment
(helpers/environments.yaml), a dataset snapshot (data/snapshots.yaml), an external volume
(helpers/domino/project.yaml). What a task leaves out takes the Domino project's defaults; a name we cannot
map is one JobDefinitionError naming it and the file to map it in.
"""

from __future__ import annotations

import datetime as dt
import typing

from flytekit.core.promise import Promise

from helpers import environments, snapshots, tiers
from helpers.domino.artifact import ArtifactMark, artifact_mark
from helpers.domino.layout import DominoLayout, load_project, project_file
from helpers.jobs import Input, JobDefinitionError, Output, run_job_task
from helpers.settings import hardware_tiers_file, snapshots_file


class DominoPromise(Promise):
    """A task's only output, reachable as Domino flows reach it: `result["name"]` is the output itself."""

    def __getitem__(self, key: typing.Any) -> Promise:
        return self if key == self.var else super().__getitem__(key)


def tier_for(task: str, name: str | None) -> str:
    chosen = name or load_project().defaults.hardware_tier
    try:
        tiers.get_tier(chosen)
    except tiers.TierError:
        known = ", ".join(tiers.load_tiers())
        raise JobDefinitionError(
            f"task '{task}': unknown hardware tier {chosen!r}; map it in {hardware_tiers_file()} "
            f"(tiers: {chosen!r}: {{cpu: …, memory: …}}) or use one of {known}"
        ) from None
    return chosen


def environment_for(task: str, name: str | None) -> str | None:
    chosen = name or load_project().defaults.environment
    try:
        environments.image_for(chosen)
    except environments.EnvironmentConfigError:
        raise JobDefinitionError(
            f"task '{task}': unknown environment {chosen!r}; map it to an image in {environments.environments_file()} "
            f"(environments: {chosen!r}: <image>)"
        ) from None
    return chosen


def snapshot_for(task: str, wanted: typing.Any) -> tuple[snapshots.DatasetSnapshot, str]:
    """A Domino DatasetSnapshot as our snapshot (its latest version when none is given) and its /mnt/data name."""
    name = wanted.Name or wanted.Id
    catalog = snapshots.load_catalog()
    if not name or name not in catalog:
        raise JobDefinitionError(
            f"task '{task}': unknown dataset {name!r}; add it to {snapshots_file()} "
            f"({name}: {{'1': {{files: […], sha256: …}}}}); datasets: {', '.join(catalog) or 'none'}"
        )
    version = wanted.Version if wanted.Version not in (None, "") else max(catalog[name], key=_version_order)
    ours = snapshots.DatasetSnapshot(name, str(version))
    try:
        snapshots.resolve(ours)
    except snapshots.SnapshotError as err:
        raise JobDefinitionError(f"task '{task}': {err} ({snapshots_file()})") from None
    return ours, name


def _version_order(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (-1, version)


def volume_for(task: str, volume: typing.Any) -> tuple[str, str]:
    name = volume.Name or volume.Id
    folders = load_project().external_volumes
    if name not in folders:
        raise JobDefinitionError(
            f"task '{task}': external data volume {name!r} is not mapped; add it to {project_file()} "
            f"(external_volumes: {{{name!r}: /a/folder}}), seen at /domino/edv/{name}"
        )
    return name, folders[name]


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
    fixed_outputs: dict[str, str] | None = None,
    cache: bool = False,
    cache_version: str = "",
    retries: int = 0,
    timeout: dt.timedelta | int | float | None = None,
) -> typing.Any:
    """Define the job task with Domino's layout and call it with `inputs`; returns its outputs as Domino does."""
    tier, env = tier_for(name, hardware_tier), environment_for(name, environment)
    ours, datasets = [], {}
    for wanted in dataset_snapshots:
        snapshot, mount = snapshot_for(name, wanted)
        ours.append(snapshot)
        datasets[snapshot.input_name] = mount
    volumes = dict(volume_for(name, volume) for volume in external_volumes)
    plain_outputs, marks = [], {}
    for output in outputs:
        output_type, mark = artifact_mark(output.type)
        plain_outputs.append(Output(output.name, output_type))
        if mark is not None:
            marks[output.name] = mark
    layout = DominoLayout(
        datasets=datasets,
        fixed_outputs=fixed_outputs or {},
        artifacts={output: mark.spec for output, mark in marks.items()},
        volumes=volumes,
    )
    result = run_job_task(
        name,
        command,
        tier,
        inputs=inputs,
        output_specs=plain_outputs,
        dataset_snapshots=ours,
        cache=cache,
        cache_version=cache_version,
        retries=retries,
        timeout=timeout,
        environment_name=env,
        domino=layout,
    )
    return _as_domino_result(result, [output.name for output in outputs], marks)


def _as_domino_result(result: typing.Any, names: list[str], marks: dict[str, ArtifactMark]) -> typing.Any:
    if len(names) == 1 and isinstance(result, Promise):
        result.__class__ = DominoPromise
    for output, mark in marks.items():
        mark.artifact.produced(result if len(names) == 1 else result[output], mark.spec.file)
    return result
