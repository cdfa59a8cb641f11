"""The workers' forkserver: a fork of the runner itself, made once the runner has imported flytekit and the flow.

Worker processes (workers.py) are forked from multiprocessing's forkserver. Started the usual way, that server is a
fresh interpreter that imports flytekit and the flow's module a second time, on the other core, while the runner
does the same: on two cores the two imports contend, and `flowjobs run` started its first node later than
`pyflyte run`. Forked from the runner after its own imports, the server holds everything loaded and costs a fork.

It is forked before the runner opens its execution's files (the record, the lease) or starts a thread of its own,
keeps only the two descriptors it serves on, and dies with the runner (PR_SET_PDEATHSIG; its workers die with
it in turn, workers.py), so a runner killed outright leaves neither it nor a worker behind. `stop` ends it when
the run is over, and the next run in the same process (a test) forks a fresh one from its own state.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing.connection
import multiprocessing.forkserver
import multiprocessing.util
import os
import signal
import socket
import tempfile
import threading

PR_SET_PDEATHSIG = 1


def start() -> None:
    """Fork the forkserver from this process now (nothing if one is running). Call it before any thread of the
    run starts and before the execution's files are opened: the fork keeps a copy of whatever is held."""
    server = multiprocessing.forkserver._forkserver
    if server._forkserver_pid is not None:
        return
    socket_folder()
    address = multiprocessing.connection.arbitrary_address("AF_UNIX")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(address)
        os.chmod(address, 0o600)
        listener.listen()
        alive_r, alive_w = os.pipe()
        runner = os.getpid()
        pid = os.fork()
        if pid == 0:  # the forkserver: serves until the runner closes its end of the pipe, or dies
            server._lock = threading.Lock()  # a copy of the runner's, which another thread might have held
            _serve(runner, listener.fileno(), alive_r)
        os.close(alive_r)
    with server._lock:
        server._forkserver_address, server._forkserver_alive_fd, server._forkserver_pid = address, alive_w, pid
        server._preload_modules = []


def _serve(runner: int, listener: int, alive_r: int) -> None:
    """In the forked child: tied to the runner's life, every descriptor but the two it serves on closed, then
    multiprocessing's own forkserver loop; its end is immediate (the runner's exit handlers are the runner's)."""
    try:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != runner:  # the runner died before the line above
            os._exit(0)
        for fd in _open_descriptors() - {0, 1, 2, listener, alive_r}:
            with contextlib.suppress(OSError):
                os.close(fd)
        gc.freeze()  # what the runner loaded is never collected: a worker's collections leave its pages shared
        multiprocessing.forkserver.main(listener, alive_r, [])
    finally:
        os._exit(0)


def _open_descriptors() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd")}


def stop() -> None:
    """End this process's forkserver (its workers are gone already) and forget it, so a later run forks anew."""
    server = multiprocessing.forkserver._forkserver
    with server._lock:
        pid, alive_w = server._forkserver_pid, server._forkserver_alive_fd
        if pid is None:
            return
        server._forkserver_address = server._forkserver_alive_fd = server._forkserver_pid = None
    with contextlib.suppress(OSError):
        os.close(alive_w)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def socket_folder() -> None:
    """Multiprocessing's temp folder made once for this process, short enough for the forkserver's socket."""
    with _short_temp_dir():
        multiprocessing.util.get_temp_dir()


SOCKET_DIR_MAX = 60  # a socket's path may have 107 bytes; the forkserver's is <temp dir>/pymp-…/listener-…


@contextlib.contextmanager
def _short_temp_dir():
    """The system's temp folder while multiprocessing makes its own, when TMPDIR is too deep for a socket's path."""
    saved = tempfile.tempdir
    if len(tempfile.gettempdir()) > SOCKET_DIR_MAX:
        tempfile.tempdir = "/tmp"
    try:
        yield
    finally:
        tempfile.tempdir = saved
