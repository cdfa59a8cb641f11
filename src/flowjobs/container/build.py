"""Build the project's Dockerfile with the machine's engine, its base image made first when it cannot be pulled."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from flowjobs.container import base_image, engine
from flowjobs.settings import project_root

DEFAULT_TAG = "localhost/flowjobs:local"


@dataclass
class Built:
    tag: str
    seconds: float
    size_bytes: int
    base: str  # how the base image came to be: present, pulled, imported or made


def base_of(dockerfile: Path) -> str:
    """The image the Dockerfile starts FROM (its first FROM line)."""
    found = re.search(r"^FROM\s+(?:--\S+\s+)*(\S+)", dockerfile.read_text(), re.M | re.I)
    if not found:
        raise ValueError(f"{dockerfile}: no FROM line")
    return found.group(1)


def build(
    tag: str = DEFAULT_TAG,
    context: Path | None = None,
    dockerfile: Path | None = None,
    log_file: Path | None = None,
    log=print,
) -> Built:
    """`<engine> build -t tag -f dockerfile context`, the engine's layer cache kept; the build log in `log_file`."""
    context = context or project_root()
    dockerfile = dockerfile or context / "Dockerfile"
    engine.write_settings()
    base = base_image.ensure(base_of(dockerfile), log=log)
    started = time.monotonic()
    command = [engine.find(), "build", "-t", tag, "-f", str(dockerfile), str(context)]
    with open(log_file or "/dev/null", "w") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = Path(log_file).read_text()[-3000:] if log_file else ""
        raise RuntimeError(f"building {tag} from {dockerfile} failed (log: {log_file}):\n{tail}")
    return Built(tag, time.monotonic() - started, engine.image_size(tag), base)
