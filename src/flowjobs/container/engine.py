"""The container engine on this machine: podman (preferred) or docker, found on PATH.

Podman reads drop-in files from /etc/containers/containers.conf.d/ on top of the user's own containers.conf,
so the settings this project needs (runc, cgroupfs, bounded ulimits) are added without replacing anyone's
config: `write_settings()` writes the drop-in when it is missing (as root; `make image-check` and `.ci/run` do).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ENGINES = ("podman", "docker")
ENV_ENGINE = "FLOWJOBS_CONTAINER_ENGINE"
DROP_IN = Path("/etc/containers/containers.conf.d/flowjobs.conf")
SETTINGS = """\
# Written by flowjobs (flowjobs/container/engine.py): what its images need from podman on a small VM.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
"""


class NoEngineError(RuntimeError):
    """Neither podman nor docker is installed."""


class EngineError(RuntimeError):
    """The engine refused a command; the message is its own."""


def find() -> str:
    """The engine's executable: FLOWJOBS_CONTAINER_ENGINE, else podman, else docker."""
    wanted = [os.environ[ENV_ENGINE]] if os.environ.get(ENV_ENGINE) else list(ENGINES)
    for name in wanted:
        path = shutil.which(name)
        if path:
            return path
    raise NoEngineError(f"no container engine: install {' or '.join(wanted)} (Debian: apt-get install podman runc)")


def write_settings(path: Path = DROP_IN) -> bool:
    """Write podman's drop-in once (nothing when it exists or the folder cannot be written); True if written."""
    if path.exists() or not os.access(path.parent if path.parent.exists() else path.parent.parent, os.W_OK):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SETTINGS)
    return True


def run(args: list[str], check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """`<engine> args…`, output captured as text; a failure raises with the engine's own message."""
    result = subprocess.run([find(), *args], capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise EngineError(f"{Path(find()).name} {' '.join(args[:2])} failed: {result.stderr.strip()[-2000:]}")
    return result


def image_exists(tag: str) -> bool:
    return run(["image", "inspect", tag], check=False).returncode == 0


def cause(stderr: str) -> str:
    """The engine's own reason in one line: its last `Error:` line (podman prints "Trying to pull …" and retries
    before it), else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error")]
    return (errors or lines or ["no message"])[-1]


def ensure_image(ref: str) -> None:
    """The image on this machine, pulled when it is not; EngineError naming it when it can be neither."""
    if image_exists(ref):
        return
    pulled = run(["pull", "--quiet", ref], check=False)
    if pulled.returncode != 0:
        raise EngineError(f"image {ref} is not on this machine and was not pulled: {cause(pulled.stderr)}")


def image_size(tag: str) -> int:
    """The image's size in bytes, as the engine reports it."""
    return int(run(["image", "inspect", "--format", "{{.Size}}", tag]).stdout.strip())
