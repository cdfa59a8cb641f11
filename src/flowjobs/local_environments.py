"""A task environment's own Python on a local run: a virtual environment built with uv from its requirements, once.

Kept in the environments cache (FLOWJOBS_ENVIRONMENTS_CACHE, else <XDG cache>/flowjobs/environments) under a key of
the requirements' text, the Python version and the environment it layers over, so the same list is built once for
every project and every run, and a changed list is a new environment. Tasks that start at once wait for one build
(a file lock); a build that was cut short is made again.

It is layered over the environment flowjobs runs in: its own packages come first, and what it lacks is found in the
toolkit's environment (a `.pth` file adds that site folder last), so a script still imports pandas or flowjobs's
script side, and a package it pins (`mlflow<3`) wins over the toolkit's.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import site
import subprocess
import sys
from pathlib import Path

from filelock import FileLock

from flowjobs.errors import ConfigError

ENV_CACHE = "FLOWJOBS_ENVIRONMENTS_CACHE"
READY = ".flowjobs-ready"  # written last: an environment without it was not finished
LAYER = "_flowjobs_layer.pth"
BUILD_TIMEOUT = 1800  # seconds: a long resolution on a slow index, not a hung one


class EnvironmentBuildError(ConfigError):
    """uv is missing, or could not build an environment from its requirements."""


def cache_root() -> Path:
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "flowjobs" / "environments"


def _layered_sites() -> list[str]:
    """The site folders of the environment flowjobs runs in (its packages, and the .pth files they bring)."""
    return [folder for folder in site.getsitepackages() if Path(folder).is_dir()]


def key(requirements: list[str]) -> str:
    parts = [sys.version, sys.platform, *_layered_sites(), "", *requirements]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def folder_for(name: str, requirements: list[str]) -> Path:
    slug = re.sub(r"[^\w.-]+", "-", name).strip("-").lower()[:40] or "environment"
    return cache_root() / f"{slug}-{key(requirements)}"


def uv_program() -> str:
    """uv: the one the `uv` package installs beside flowjobs, else one on PATH."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found is None:
            raise EnvironmentBuildError("building a task environment needs uv; pip install uv") from None
        return found


def python(name: str, requirements: list[str]) -> Path:
    """The Python of environment `name` built from `requirements`, building it first if it is not yet built."""
    folder = folder_for(name, requirements)
    interpreter = folder / "bin" / "python"
    if (folder / READY).is_file():
        return interpreter
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(f"{folder}.lock"):
        if not (folder / READY).is_file():
            _build(name, folder, requirements)
    return interpreter


def _build(name: str, folder: Path, requirements: list[str]) -> None:
    logging.getLogger("flowjobs").info(
        "building environment %r (%d requirements) in %s", name, len(requirements), folder
    )
    shutil.rmtree(folder, ignore_errors=True)
    uv = uv_program()
    _run(name, [uv, "venv", "--quiet", "--python", sys._base_executable, str(folder)])
    site_folder = next((folder / "lib").glob("python*/site-packages"))
    additions = "".join(f"import site; site.addsitedir({path!r})\n" for path in _layered_sites())
    (site_folder / LAYER).write_text(additions, encoding="utf-8")
    listed = folder / "requirements.txt"
    listed.write_text("\n".join(requirements) + "\n", encoding="utf-8")
    install = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(folder / "bin" / "python")]
    _run(name, [*install, "-r", str(listed)])
    (folder / READY).write_text(f"{name}\n", encoding="utf-8")


def _run(name: str, argv: list[str]) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise EnvironmentBuildError(f"environment {name!r}: {argv[1]} {argv[2]} failed: {err}") from None
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        head = next((line for line in lines if line.startswith(("error:", "×"))), lines[-1] if lines else "")
        why = next((line for line in lines if line.startswith(("cause:", "╰─▶"))), "")  # uv's reason, below it
        cause = ": ".join(
            part.removeprefix("error:").removeprefix("cause:").lstrip("×╰─▶ ") for part in (head, why) if part
        )
        raise EnvironmentBuildError(f"environment {name!r}: uv could not build it from its requirements: {cause}")
