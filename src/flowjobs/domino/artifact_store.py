"""An execution's Domino artifacts: each artifact's files grouped in one folder, indexed, and logged to MLflow.

    <state dir>/artifacts/<execution id>/<KIND>/<artifact name>/<file name>      the files, grouped
    <state dir>/artifacts/<execution id>/index/<task>.<output>.json              where each file came from

and in MLflow, on the execution's parent run (the one `flowjobs run` or the flow's tracking opened, else one
made in the Domino project's experiment): `artifacts/<KIND>/<artifact name>/<file name>`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from flowjobs import execution
from flowjobs.domino.layout import ArtifactFileSpec, load_project
from flowjobs.settings import state_dir

INDEX = "index"
MLFLOW_FOLDER = "artifacts"


@dataclass(frozen=True)
class ArtifactFile:
    artifact: str
    kind: str
    file: str
    task: str
    output: str
    path: Path


def artifacts_root() -> Path:
    return state_dir() / "artifacts"


def execution_folder(execution_id: str) -> Path:
    return artifacts_root() / execution_id


def _safe(name: str) -> str:
    """An artifact or task name as one folder or file name (artifact names are free text: `ADaM Datasets`)."""
    cleaned = re.sub(r"[^\w .()-]+", "_", name).strip(" .") or "_"
    return cleaned[:120]


def record(task: str, output: str, artifact: ArtifactFileSpec, source: Path) -> Path:
    """Copy one output file into its artifact's group, index it, and log it to the execution's parent run."""
    execution_id = execution.execution_id()
    folder = execution_folder(execution_id)
    target = folder / artifact.kind / _safe(artifact.artifact) / _safe(artifact.file)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, partial)
    partial.replace(target)
    entry = {**artifact.model_dump(), "task": task, "output": output}
    index = folder / INDEX / f"{_safe(task)}.{output}.json"
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text(json.dumps({**entry, "path": str(target)}, indent=1), encoding="utf-8")
    _log_to_mlflow(execution_id, task, target, artifact)
    return target


def mlflow_path(artifact: ArtifactFileSpec | ArtifactFile) -> str:
    return f"{MLFLOW_FOLDER}/{artifact.kind}/{artifact.artifact}"


def _log_to_mlflow(execution_id: str, task: str, path: Path, artifact: ArtifactFileSpec) -> None:
    from flowjobs import tracking, tracking_store

    tracking_store.make_ready(tracking_store.tracking_uri())
    execution_tag = tracking.tag_is(tracking.TAG_EXECUTION, execution_id)
    found = tracking.runs_anywhere(f"{execution_tag} and {tracking.tag_is(tracking.TAG_ROLE, tracking.ROLE_EXECUTION)}")
    if found:
        run_id = found[0].info.run_id
    else:
        flow = task.rsplit(".", 1)[0]
        run_id = tracking.parent_run(load_project().experiment, flow, execution_id)
    tracking.client().log_artifact(run_id, str(path), artifact_path=mlflow_path(artifact))


def list_files(execution_id: str) -> list[ArtifactFile]:
    """The artifact files an execution recorded, by kind, artifact and file name."""
    index = execution_folder(execution_id) / INDEX
    found = []
    for entry in sorted(index.glob("*.json")) if index.is_dir() else []:
        data = json.loads(entry.read_text(encoding="utf-8"))
        found.append(ArtifactFile(**{**data, "path": Path(data["path"])}))
    return sorted(found, key=lambda f: (f.kind, f.artifact, f.file, f.task))


def executions_with_artifacts() -> list[str]:
    """Executions that recorded artifacts, newest first."""
    root = artifacts_root()
    if not root.is_dir():
        return []
    folders = [entry for entry in root.iterdir() if (entry / INDEX).is_dir()]
    return [folder.name for folder in sorted(folders, key=lambda f: os.stat(f).st_mtime, reverse=True)]
