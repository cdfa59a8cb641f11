"""The task image's file layout, built without Docker from the Dockerfile's COPY and ENV lines.

A pod runs tasks from this layout (the project at the image's WORKDIR, its environment variables set), so
emulating a pod here checks that the image carries everything a task needs: scripts, helpers, data.
"""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.support.project import PROJECT_ROOT


@dataclass
class ImageLayout:
    root: Path
    env: dict[str, str]


def _instructions(dockerfile: Path) -> list[tuple[str, list[str]]]:
    text = dockerfile.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), shlex.split(line.split(None, 1)[1])) for line in lines]


def build_layout(target: Path, dockerfile: Path = PROJECT_ROOT / "Dockerfile") -> ImageLayout:
    """Copy what the Dockerfile copies into `target` (standing for the image's WORKDIR) and collect its ENV."""
    workdir, env = "/", {}
    target.mkdir(parents=True, exist_ok=True)
    for instruction, args in _instructions(dockerfile):
        if instruction == "WORKDIR":
            workdir = args[0]
        elif instruction == "ENV":
            env.update(arg.split("=", 1) for arg in args)
        elif instruction == "COPY":
            *sources, destination = args
            if not Path(destination).is_relative_to(workdir):
                continue  # the toolkit's sources, installed in the image as a wheel (here: the test environment's)
            for source in sources:
                origin = PROJECT_ROOT / source
                placed = target / Path(destination).relative_to(workdir)
                if origin.is_dir():
                    shutil.copytree(origin, placed, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    placed.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, placed / origin.name)
    image_env = {key: value.replace(workdir, str(target)) for key, value in env.items()}
    return ImageLayout(target, image_env)
