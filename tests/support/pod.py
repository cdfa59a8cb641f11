"""Flyte's own artefacts, used to prove a flow runs on a cluster without one.

`package` serializes flows with `pyflyte package` and decodes the protobufs; `run_as_pod` executes a task's
serialized container args exactly as a pod would, with the `{{.input}}`-style placeholders replaced by local
paths and an inputs.pb built from literals, and decodes the outputs.pb or error.pb it writes.
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import errors_pb2, literals_pb2

from flowjobs.container.pod import container_args, results
from tests.support.image import ImageLayout
from tests.support.project import PROJECT_ROOT, run, tool

QUIET = {"FLYTE_SDK_LOGGING_LEVEL": "40"}  # a pod's flytekit logs errors only (set per pod, never process-wide)

RESOURCE_TYPES = {"1": task_pb2.TaskSpec, "2": workflow_pb2.WorkflowSpec, "3": launch_plan_pb2.LaunchPlan}


@dataclass
class Package:
    tasks: dict[str, task_pb2.TaskSpec] = field(default_factory=dict)
    workflows: dict[str, workflow_pb2.WorkflowSpec] = field(default_factory=dict)
    launch_plans: dict[str, launch_plan_pb2.LaunchPlan] = field(default_factory=dict)


def package(
    workdir: Path,
    image: str,
    named_images: dict[str, str] | None = None,
    packages: str = "flows",
    cwd: Path = PROJECT_ROOT,
    env: dict[str, str] | None = None,
) -> Package:
    """`pyflyte package` with a default image (and named ones, `--image name=fqn`), decoded by resource type."""
    archive = workdir / "flyte-package.tgz"
    images = ["--image", image] + [arg for n, fqn in (named_images or {}).items() for arg in ("--image", f"{n}={fqn}")]
    result = run(
        [tool("pyflyte"), "--pkgs", packages, "package", *images, "-o", str(archive), "--force"], cwd=cwd, env=env
    )
    if result.returncode != 0:
        raise AssertionError(f"pyflyte package failed:\n{result.stdout}\n{result.stderr}")
    extracted = workdir / "flyte-package"
    with tarfile.open(archive) as tar:
        tar.extractall(extracted, filter="data")
    found = Package()
    for path in sorted(extracted.glob("*.pb")):
        stem, resource = path.stem.rsplit("_", 1)
        name = stem.split("_", 1)[1]
        message = RESOURCE_TYPES[resource]()
        message.ParseFromString(path.read_bytes())
        bucket = {"1": found.tasks, "2": found.workflows, "3": found.launch_plans}[resource]
        bucket[name] = message
    return found


@dataclass
class PodResult:
    outputs: literals_pb2.LiteralMap | None
    error: errors_pb2.ErrorDocument | None
    returncode: int
    log: str


def literal_map(values: dict, types: dict) -> literals_pb2.LiteralMap:
    """Python values as the LiteralMap Flyte would hand a pod (file values stay local paths)."""
    from flytekit import FlyteContextManager
    from flytekit.core.type_engine import TypeEngine

    ctx = FlyteContextManager.current_context()
    literals = {
        name: TypeEngine.to_literal(ctx, value, types[name], TypeEngine.to_literal_type(types[name])).to_flyte_idl()
        for name, value in values.items()
    }
    return literals_pb2.LiteralMap(literals=literals)


def run_as_pod(
    spec: task_pb2.TaskSpec,
    inputs: literals_pb2.LiteralMap,
    workdir: Path,
    image: ImageLayout,
    env: dict | None = None,
    wrapper: list[str] | None = None,
) -> PodResult:
    """Run the task's container args in the image layout, as Flyte's pod would, and decode what it wrote.
    `wrapper` is put before the args (e.g. a mount namespace with the image's folders at their paths)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "inputs.pb").write_bytes(inputs.SerializeToString())
    args = container_args(list(spec.template.container.args), workdir)
    container_env = {item.key: item.value for item in spec.template.container.env}
    pod_env = {**QUIET, **container_env, **image.env, "FLOWJOBS_WORK_DIR": str(workdir / "jobs"), **(env or {})}
    pod_env.pop("FLOWJOBS_EXECUTION_ID", None)
    result = run([*(wrapper or []), tool(args[0]), *args[1:]], cwd=image.root, env=pod_env)
    outputs, error = results(workdir)
    return PodResult(outputs, error, result.returncode, result.stdout + result.stderr)


def file_uri(outputs: literals_pb2.LiteralMap, name: str) -> Path:
    return Path(outputs.literals[name].scalar.blob.uri.removeprefix("file://"))


def float_value(outputs: literals_pb2.LiteralMap, name: str) -> float:
    return outputs.literals[name].scalar.primitive.float_value
