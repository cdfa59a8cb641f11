"""One way from Domino's task arguments to our job task, shared by DominoJobTask and run_domino_job_task.

Domino names things the project's config maps (flowjobs/project.py): a hardware tier (`hardware_tiers`), an
environment (`environments`), a dataset snapshot (`snapshots`), an external volume (`domino.external_volumes`).
What a task leaves out takes the Domino project's defaults (`domino.defaults`); a name we cannot
map is one JobDefinitionError naming it and the file to map it in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import typing
from dataclasses import dataclass

from flytekit.core.promise import Promise

from flowjobs import environments, snapshots, tiers
from flowjobs.domino.artifact import ArtifactMark, artifact_mark
from flowjobs.domino.layout import DominoLayout, host_command, load_project
from flowjobs.domino.plugin import DominoRuntimeError, argv_for
from flowjobs.jobs import Input, JobDefinitionError, Output, run_job_task
from flowjobs.settings import domino_place, environments_place, hardware_tiers_place, snapshots_place


@dataclass(frozen=True)
class Need:
    """Something a flow needs before it runs here (`flowjobs port-domino`): what, which one, and how to add it."""

    kind: str  # tier, environment, dataset, volume, script, runtime
    key: str
    message: str
    task: str


_survey: list[Need] | None = None  # set while `flowjobs port-domino` loads a flow: needs are noted, not raised


@contextlib.contextmanager
def surveying() -> typing.Iterator[list[Need]]:
    """While a flow loads, note every need (standing in a default for it) instead of failing at the first."""
    global _survey
    _survey, before = [], _survey
    try:
        yield _survey
    finally:
        _survey = before


def _need(kind: str, key: str, task: str, message: str) -> None:
    """Raise the need as a definition error, or note it while surveying."""
    if _survey is None:
        raise JobDefinitionError(f"task '{task}': {message}")
    _survey.append(Need(kind, key, message, task))


class DominoPromise(Promise):
    """A task's only output, reachable as Domino flows reach it: `result["name"]` is the output itself."""

    def __getitem__(self, key: typing.Any) -> Promise:
        return self if key == self.var else super().__getitem__(key)


def tier_for(task: str, name: str | None) -> str:
    chosen = name or load_project().defaults.hardware_tier
    known = tiers.load_tiers()
    if chosen not in known:
        _need(
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
    chosen = name or load_project().defaults.environment
    try:
        environments.image_for(chosen)
    except environments.EnvironmentConfigError:
        _need(
            "environment",
            str(chosen),
            task,
            f"unknown environment {chosen!r}; map it to an image in {environments_place()} "
            f"({chosen!r}: <registry/image:tag>)",
        )
        return load_project().defaults.environment
    return chosen


def snapshot_for(task: str, wanted: typing.Any) -> tuple[snapshots.DatasetSnapshot, str] | None:
    """A Domino DatasetSnapshot as our snapshot (its latest version when none is given) and its /mnt/data name."""
    name = wanted.Name or wanted.Id
    catalog = snapshots.load_catalog()
    if not name:
        _need("dataset", "", task, f"a dataset snapshot names no dataset (Name or Id) in {snapshots_place()}")
        return None
    if name not in catalog:
        _need(
            "dataset",
            str(name),
            task,
            f"unknown dataset {name!r}; add its files under data/ and to {snapshots_place()} "
            f"({name}: {{'1': {{files: [...]}}}}, then `flowjobs snapshots` prints the sha256 to pin)",
        )
        return None
    version = wanted.Version if wanted.Version not in (None, "") else max(catalog[name], key=_version_order)
    ours = snapshots.DatasetSnapshot(name, str(version))
    try:
        snapshots.resolve(ours)
    except snapshots.SnapshotError as err:
        _need("dataset", f"{name}@{version}", task, f"{err} ({snapshots_place()})")
        return None
    return ours, name


def _version_order(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (-1, version)


def volume_for(task: str, volume: typing.Any) -> tuple[str, str] | None:
    name = volume.Name or volume.Id
    folders = load_project().external_volumes
    if name not in folders:
        _need(
            "volume",
            str(name),
            task,
            f"external data volume {name!r} is not mapped; add it to {domino_place()} "
            f"(external_volumes: {{{name!r}: /a/folder}}), seen at /domino/edv/{name}",
        )
        return None
    return name, folders[name]


def command_for(task: str, command: str) -> str:
    """While surveying, a command whose script or runtime is missing is noted (and stood in for by `true`)."""
    if _survey is None:
        return command
    try:
        argv_for(task, command)
    except (DominoRuntimeError, ValueError) as err:
        _need("runtime", command, task, str(err).removeprefix(f"task '{task}': "))
        return "true"
    from flowjobs.script_command import script_path

    script = script_path(host_command(command))
    if script is not None and not script.is_file():
        _need("script", str(script), task, f"script {script} does not exist")
        return "true"
    return command


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
        found = snapshot_for(name, wanted)
        if found is not None:
            ours.append(found[0])
            datasets[found[0].input_name] = found[1]
    volumes = dict(filter(None, (volume_for(name, volume) for volume in external_volumes)))
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
        command_for(name, command),
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
