"""`flowjobs run --in-image IMAGE`: each job task runs in a container of its environment's image, as in a pod.

The task is serialized exactly as `pyflyte package --image …` serializes it, so its image is the one a cluster
would pull: a task's `environment_name` picks its image from the config's `environments` (a Flyte template such as
`{{.image.gpu.fqn}}:…` filled in from `--in-image gpu=REF`, or a plain reference), the default image otherwise.
The container runs the serialized args (`pyflyte-execute … --resolver flowjobs.jobs.job_task_resolver …`) with
an inputs.pb in and an outputs.pb or error.pb out, with no network (the host's, when the tracking store is a
server); the input files and the tracking store's folder are mounted at their own paths.
What differs from a cluster: no resource limits or node pools (the host's CPUs), no secrets injected, no object
store (files cross as local paths), and retries only after recoverable errors, as Flyte retries.
"""

from __future__ import annotations

import os
import typing
from collections import OrderedDict
from pathlib import Path

from flytekit.configuration import Image, ImageConfig, SerializationSettings
from flytekit.models.literals import LiteralMap
from flytekit.tools.translator import get_serializable

from flowjobs import execution
from flowjobs.container import engine
from flowjobs.container.pod import run_pod

if typing.TYPE_CHECKING:
    from flowjobs.jobs import JobTask

ENV_TRACKING_URI = "MLFLOW_TRACKING_URI"


class InImageError(ValueError):
    """--in-image cannot run here: no engine, or no default image given."""


class PodFailedError(RuntimeError):
    """The task's pod wrote an error.pb (or nothing): its message names the task."""


def image_config(images: typing.Sequence[str]) -> ImageConfig:
    """`--in-image REF` (the default image) and `--in-image NAME=REF`, as `pyflyte package --image` takes them."""
    defaults = [ref for ref in images if "=" not in ref]  # an image reference has no "=" in it
    named = [Image.look_up_image_info(*ref.split("=", 1)) for ref in images if "=" in ref]
    if len(defaults) > 1:
        raise InImageError(f"--in-image names {len(defaults)} default images ({', '.join(defaults)}); give one")
    default = defaults[0] if defaults else None
    if default is None:
        raise InImageError("--in-image needs a default image (--in-image REF) besides any NAME=REF")
    return ImageConfig.create_from(Image.look_up_image_info("default", default), named)


def blob_paths(literal: typing.Any) -> list[Path]:
    """The local files and folders a literal refers to (every blob, at any depth of lists and maps)."""
    found = []
    if literal.scalar is not None and literal.scalar.blob is not None:
        uri = literal.scalar.blob.uri
        if "://" not in uri or uri.startswith("file://"):
            found.append(Path(uri.removeprefix("file://")))
    for inner in (literal.collection.literals if literal.collection else []) + list(
        (literal.map.literals if literal.map else {}).values()
    ):
        found.extend(blob_paths(inner))
    return found


def tracking_access() -> tuple[dict[str, str], str, list[Path]]:
    """The host's tracking store for the pod: its URI, the network it needs and the folder it lives in."""
    uri = os.environ.get(ENV_TRACKING_URI, "")
    if uri.startswith(("http://", "https://")):
        return {ENV_TRACKING_URI: uri}, "host", []
    if uri.startswith("sqlite:///"):
        folder = Path(uri.removeprefix("sqlite:///")).parent
        folder.mkdir(parents=True, exist_ok=True)  # where the store will be, made as the store would make it
        return {ENV_TRACKING_URI: uri}, "none", [folder]
    return ({ENV_TRACKING_URI: uri} if uri else {}), "none", []


class InImage:
    """Runs job tasks in containers; one folder per task node under `folder` (a run's execution folder)."""

    def __init__(self, images: typing.Sequence[str], folder: Path):
        try:
            engine.find()
        except engine.NoEngineError as err:
            raise InImageError(f"--in-image: {err}") from None
        self.settings = SerializationSettings(image_config=image_config(images))
        self.folder = folder
        for image in [self.settings.image_config.default_image, *self.settings.image_config.images]:
            try:  # each image given, before any task: a missing one is named, not found by the first pod
                engine.ensure_image(image.full)
            except engine.EngineError as err:
                raise InImageError(f"--in-image {image.name}: {err}") from None

    def execute(self, key: str, task: JobTask, inputs: LiteralMap) -> LiteralMap:
        spec = get_serializable(OrderedDict(), self.settings, task)
        container = spec.template.container
        tracking_env, network, store = tracking_access()
        # every pod of a run shares its execution id, as the pods of one Flyte execution share its name
        env = {item.key: item.value for item in container.env} | tracking_env
        env[execution.ENV_EXECUTION_ID] = execution.execution_id()
        files = [path for literal in inputs.literals.values() for path in blob_paths(literal) if path.exists()]
        attempts = task.spec.retries + 1
        for attempt in range(1, attempts + 1):
            folder = self.folder / "pods" / f"{key.replace('/', '_')}-{attempt}"
            run = run_pod(
                container.image, list(container.args), inputs.to_flyte_idl(), folder.resolve(), env=env,
                network=network, mounts=tuple(sorted({p.resolve() for p in [*files, *store]})),
            )  # fmt: skip
            if run.outputs is not None and run.error is None:
                return LiteralMap.from_flyte_idl(run.outputs)
            message = (
                run.error.error.message if run.error else f"no outputs.pb (exit {run.returncode}): {run.log[-2000:]}"
            )
            recoverable = run.error is not None and run.error.error.kind == run.error.error.RECOVERABLE
            if attempt == attempts or not recoverable:
                raise PodFailedError(f"task '{task.name}' in image {container.image}: {message}")
        raise AssertionError("unreachable")
