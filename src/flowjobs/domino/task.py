"""Domino's `DominoJobTask` and its job config, as a view over our job task.

    add = DominoJobTask(
        name="Add numbers",
        domino_job_config=DominoJobConfig(Command="python add.py", HardwareTierId="Small"),
        inputs={"first": int, "second": int},
        outputs={"sum": int},
        use_latest=True,
    )
    total = add(first=a, second=b)          # total, or total["sum"]

Calling a DominoJobTask inside a workflow defines (once) and calls a `flowjobs.jobs.JobTask` with Domino's layout.
A keyword DominoJobTask does not have (`hardware_tier_name=`, `environment_name=`, `upstream=`) is ignored as Domino
ignores it (it hands it to flytekit, which drops it), with a warning naming it: the tier and environment are the
job config's.
The config's CamelCase fields keep Domino's names; what has no meaning outside Domino (ApiKey, CommitId,
VolumeSizeGiB, environment revisions, git refs) is accepted and does not change how the task runs: the code is
this project's working tree, the environment's image is the one the config's `environments` names.
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass, field
from enum import Enum

from flowjobs.domino.define import define, ignore
from flowjobs.domino.file import PathConfig
from flowjobs.jobs import Input, JobDefinitionError, Output

__all__ = [
    "ClusterProperties",
    "ComputeClusterType",
    "DatasetSnapshot",
    "DominoJobConfig",
    "DominoJobTask",
    "EnvironmentRevisionSpecification",
    "EnvironmentRevisionType",
    "ExternalDataVolume",
    "GitRef",
    "NetAppVolumeSnapshot",
    "PathConfig",
]


@dataclass
class GitRef:
    """A git reference of the project (`head`, `branches`, `tags`, `commitId`); here the working tree runs."""

    Type: str
    Value: str | None = None


class EnvironmentRevisionType(str, Enum):  # noqa: UP042 (Domino's str enum, compared with plain strings)
    ActiveRevision = "ActiveRevision"
    LatestRevision = "LatestRevision"
    SomeRevision = "SomeRevision"
    RestrictedRevision = "RestrictedRevision"


@dataclass
class EnvironmentRevisionSpecification:
    """A revision of a Domino environment; here an environment is one image, named in the config's `environments`."""

    EnvironmentRevisionType: EnvironmentRevisionType
    EnvironmentRevisionId: str | None = None


class ComputeClusterType(str, Enum):  # noqa: UP042
    Dask = "Dask"
    Spark = "Spark"
    Ray = "Ray"
    MPI = "MPI"


@dataclass
class ClusterProperties:
    """A Domino on-demand cluster: there are none here, so a task asking for one is a definition error."""

    ClusterType: ComputeClusterType
    ComputeEnvironmentId: str = ""
    WorkerHardwareTierId: str = ""
    WorkerCount: int = 0
    extra: dict = field(default_factory=dict)


@dataclass
class DatasetSnapshot:
    """A dataset snapshot (Domino's Id/Name/Version), here one of the config's `snapshots`, at /mnt/data/<Name>.

    The Name (or, without one, the Id) names the catalog's dataset; no Version means its latest version."""

    Id: str | None = None
    Name: str | None = None
    Version: int | str | None = None
    DatasetId: str | None = None  # the plugin's older field names
    SnapshotVersion: int | None = None
    DatasetName: str | None = None

    def __post_init__(self) -> None:
        self.Id = self.Id or self.DatasetId
        self.Name = self.Name or self.DatasetName
        self.Version = self.Version if self.Version is not None else self.SnapshotVersion


@dataclass
class ExternalDataVolume:
    """A Domino external data volume, here a folder of the project config's `domino` seen at /domino/edv/<Name>."""

    Id: str | None = None
    Name: str | None = None


@dataclass
class NetAppVolumeSnapshot:
    """A Domino NetApp volume snapshot: NetApp volumes exist only on Domino."""

    Id: str | None = None
    Name: str | None = None
    Version: int | None = None


@dataclass(kw_only=True)
class DominoJobConfig:
    """A Domino job: the command and what it runs on. Omitted tier or environment: the project's defaults."""

    Command: str
    Title: str | None = None
    OwnerName: str | None = None
    ProjectName: str | None = None
    ApiKey: str | None = None
    CommitId: str | None = None
    MainRepoGitRef: GitRef | None = None
    HardwareTierId: str | None = None
    HardwareTierName: str | None = None
    EnvironmentId: str | None = None
    EnvironmentName: str | None = None
    EnvironmentRevisionSpec: EnvironmentRevisionSpecification | str | None = None
    ComputeClusterProperties: ClusterProperties | None = None
    VolumeSizeGiB: float | None = None
    DatasetSnapshots: list[DatasetSnapshot] | None = None
    ExternalVolumeMountIds: list[str] | None = None
    ExternalDataVolumes: list[ExternalDataVolume] | None = None
    NetAppVolumeSnapshots: list[NetAppVolumeSnapshot] | None = None


def check_unsupported(task: str, cluster: typing.Any = None, netapp: typing.Any = None) -> None:
    """What exists only on Domino and would change what the task computes is refused, naming it."""
    if cluster is not None:
        kind = getattr(getattr(cluster, "ClusterType", None), "value", cluster)
        raise JobDefinitionError(f"task '{task}': a {kind} compute cluster exists only on Domino; use a tier")
    if netapp:
        raise JobDefinitionError(f"task '{task}': NetApp volume snapshots exist only on Domino; use a dataset snapshot")


class DominoJobTask:
    """Domino's job task: called in a workflow, it runs `domino_job_config.Command` as a job task."""

    def __init__(
        self,
        name: str,
        domino_job_config: DominoJobConfig,
        use_latest: bool = False,
        inputs: dict[str, typing.Any] | None = None,
        outputs: dict[str, typing.Any] | None = None,
        cache: bool = False,
        cache_version: str = "",
        retries: int = 0,
        timeout: dt.timedelta | int | None = None,
        log_level: int = 20,
        cache_serialize: bool = False,
        cache_ignore_input_vars: tuple[str, ...] = (),
        **ignored: typing.Any,
    ):
        config = domino_job_config
        check_unsupported(name, config.ComputeClusterProperties, config.NetAppVolumeSnapshots)
        if ignored:  # Domino hands them to flytekit's task, which drops them: so do we, saying so
            ignore(name, sorted(ignored))
        self.name, self.config, self.use_latest = name, config, use_latest
        self.inputs, self.outputs = dict(inputs or {}), dict(outputs or {})
        self.settings = {"cache": cache, "cache_version": cache_version, "retries": retries, "timeout": timeout}

    def __call__(self, **values: typing.Any) -> typing.Any:
        unknown = sorted(set(values) - set(self.inputs))
        if unknown:
            raise JobDefinitionError(f"task '{self.name}': no input named {', '.join(map(repr, unknown))}")
        config = self.config
        volumes = list(config.ExternalDataVolumes or []) + [
            ExternalDataVolume(Id=volume) for volume in config.ExternalVolumeMountIds or []
        ]
        return define(
            self.name,
            config.Command,
            [Input(name, kind, values.get(name)) for name, kind in self.inputs.items()],
            [Output(name, kind) for name, kind in self.outputs.items()],
            hardware_tier=config.HardwareTierName or config.HardwareTierId,
            environment=config.EnvironmentName or config.EnvironmentId,
            dataset_snapshots=config.DatasetSnapshots or [],
            external_volumes=volumes,
            **self.settings,
        )
