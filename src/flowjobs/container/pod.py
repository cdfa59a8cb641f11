"""One task run in a container exactly as a Flyte pod runs it: `pyflyte-execute` with the task's serialized
container args, an inputs.pb in, an outputs.pb (or error.pb) out.

The pod's folder is mounted at the same path inside the container, so the file literals one pod writes (under
its raw-output prefix) are the paths the next pod reads, as object-store URIs are on a cluster. The container
is kept until it has been inspected, for the time it took to start.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from flyteidl.core import errors_pb2, literals_pb2

from flowjobs.container import engine


@dataclass
class PodRun:
    outputs: literals_pb2.LiteralMap | None
    error: errors_pb2.ErrorDocument | None
    returncode: int
    log: str
    start_seconds: float  # from asking the engine to run it until its process started
    run_seconds: float  # from its process starting until it exited


def container_args(args: list[str], folder: Path) -> list[str]:
    """The serialized args with Flyte's placeholders filled in with paths under the pod's folder."""
    values = {
        "{{.input}}": str(folder / "inputs.pb"),
        "{{.outputPrefix}}": str(folder / "out"),
        "{{.rawOutputDataPrefix}}": str(folder / "raw"),
        "{{.checkpointOutputPrefix}}": str(folder / "checkpoint"),
        "{{.prevCheckpointPrefix}}": "",
    }
    for placeholder, value in values.items():
        args = [arg.replace(placeholder, value) for arg in args]
    return args


def results(folder: Path) -> tuple[literals_pb2.LiteralMap | None, errors_pb2.ErrorDocument | None]:
    """What the pod wrote under its output prefix: outputs.pb on success, error.pb on failure."""
    outputs = error = None
    if (folder / "out" / "outputs.pb").exists():
        outputs = literals_pb2.LiteralMap()
        outputs.ParseFromString((folder / "out" / "outputs.pb").read_bytes())
    if (folder / "out" / "error.pb").exists():
        error = errors_pb2.ErrorDocument()
        error.ParseFromString((folder / "out" / "error.pb").read_bytes())
    return outputs, error


def _timestamp(text: str) -> float:
    """An engine's RFC 3339 time with nanoseconds and a zone name (`2026-12-02 05:40:01.123456789 +0000 UTC`)."""
    stamp = text.strip().replace("T", " ")
    date, clock, *zone = stamp.split()
    whole, _, fraction = clock.partition(".")
    offset = zone[0] if zone and zone[0][0] in "+-" else "+0000"
    parsed = dt.datetime.strptime(f"{date} {whole} {offset}", "%Y-%m-%d %H:%M:%S %z")
    return parsed.timestamp() + float(f"0.{fraction.rstrip('Z') or 0}")


def run_pod(
    image: str,
    args: list[str],
    inputs: literals_pb2.LiteralMap,
    folder: Path,
    env: dict[str, str] | None = None,
    network: str = "none",
    mounts: tuple[Path, ...] = (),
    timeout: float = 3600,
) -> PodRun:
    """Run the task's container args in `image` with inputs.pb from `inputs`; decode what the pod wrote."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "inputs.pb").write_bytes(inputs.SerializeToString())
    name = f"flowjobs-pod-{uuid.uuid4().hex[:12]}"
    paths = {folder, *mounts}
    outermost = [path for path in paths if not any(other in path.parents for other in paths)]
    volumes = [arg for path in sorted(outermost) for arg in ("-v", f"{path}:{path}")]
    environment = [arg for key, value in (env or {}).items() for arg in ("-e", f"{key}={value}")]
    command = ["run", "--name", name, f"--network={network}", *volumes, *environment, image]
    asked = time.time()
    try:
        result = engine.run([*command, *container_args(args, folder)], check=False, timeout=timeout)
        state = engine.run(["inspect", "--format", "{{.State.StartedAt}}|{{.State.FinishedAt}}", name], check=False)
        if state.returncode != 0:  # the container was never made: a missing image or mount
            raise engine.EngineError(f"{' '.join(command[:1])} {image}: {engine.cause(result.stderr)}")
        started, finished = state.stdout.split("|")
    finally:
        engine.run(["rm", "-f", name], check=False)
    outputs, error = results(folder)
    start = _timestamp(started)
    return PodRun(
        outputs, error, result.returncode, result.stdout + result.stderr, start - asked, _timestamp(finished) - start
    )
