"""Domino's helper: `run_domino_job_task` with the keywords Domino documents, over our job task.

    result = run_domino_job_task(
        flyte_task_name="Train model",
        command="python /mnt/code/scripts/train.py",
        inputs=[Input(name="data", type=FlyteFile[TypeVar("csv")], value=prepared["data"])],
        output_specs=[Output(name="model", type=FlyteFile[TypeVar("pkl")])],
        hardware_tier_name="Medium",
        use_project_defaults_for_omitted=True,
    )
    result["model"]

Keywords that only mean something on Domino (an environment revision, a git ref, a volume size, a DFS commit)
are accepted and leave the task as it is; an unknown keyword is an error that suggests the closest one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import inspect
import typing

from flowjobs.domino.define import define
from flowjobs.domino.task import DominoJobConfig, DominoJobTask, GitRef, check_unsupported
from flowjobs.jobs import Input, JobDefinitionError, Output

__all__ = ["DominoJobConfig", "DominoJobTask", "Input", "Output", "run_domino_job_task"]


def run_domino_job_task(
    flyte_task_name: str,
    command: str,
    inputs: list[Input] | None = None,
    output_specs: list[Output] | None = None,
    hardware_tier_name: str | None = None,
    use_project_defaults_for_omitted: bool = False,
    environment_name: str | None = None,
    environment_revision_id: str | None = None,
    environment_id: str | None = None,
    hardware_tier_id: str | None = None,
    main_git_repo_ref: GitRef | None = None,
    use_latest_git_ref: bool = False,
    dataset_snapshots: list | None = None,
    external_data_volumes: list | None = None,
    netapp_volume_snapshots: list | None = None,
    volume_size_gib: float | None = None,
    dfs_repo_commit_id: str | None = None,
    compute_cluster_properties: typing.Any = None,
    title: str | None = None,
    cache: bool = False,
    cache_version: str = "",
    cache_ignore_input_vars: tuple[str, ...] = (),
    retries: int = 0,
    timeout: dt.timedelta | int | None = None,
    log_level: int = 20,
    **unknown: typing.Any,
) -> typing.Any:
    """Define a Domino job task and call it inside a workflow; returns its outputs by name (`result["model"]`)."""
    if unknown:
        known = [name for name in inspect.signature(run_domino_job_task).parameters if name != "unknown"]
        matches = {name: difflib.get_close_matches(name, known, 1) for name in sorted(unknown)}
        named = [f"{name!r}" + (f" (did you mean {match[0]!r}?)" if match else "") for name, match in matches.items()]
        raise JobDefinitionError(f"task '{flyte_task_name}': unknown argument {', '.join(named)}")
    check_unsupported(flyte_task_name, compute_cluster_properties, netapp_volume_snapshots)
    return define(
        flyte_task_name,
        command,
        list(inputs or []),
        list(output_specs or []),
        hardware_tier=hardware_tier_name or hardware_tier_id,
        environment=environment_name or environment_id,
        dataset_snapshots=dataset_snapshots or [],
        external_volumes=external_data_volumes or [],
        cache=cache,
        cache_version=cache_version,
        retries=retries,
        timeout=timeout,
    )
