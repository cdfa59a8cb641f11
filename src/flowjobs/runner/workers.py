"""Plain Python tasks in worker processes, side by side, as pods would run them: inputs and outputs cross as
serialized Flyte literals, and each worker loads the task through the task's own resolver, as a pod does.

Workers come from a forkserver forked from the runner once it has imported flytekit and the workflow's module
(forkserver.py), so starting one costs a fork, not an import. Each worker is a process and a pipe (a slot), lent
to one node at a time, whose thread sends the task and reads the answer itself: a worker that dies (a segfault,
`os._exit`) closes only its own pipe, so only the node it ran fails, and a slot whose node overstays its timeout
is killed alone. Workers ignore Ctrl-C (the runner stops them, with SIGKILL), die with their forkserver, which
dies with the runner, and log flytekit's messages to stderr. What a task prints also goes to its attempt's logs,
kept beside the record.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import io
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import typing
from pathlib import Path

from flyteidl.core import literals_pb2
from flytekit.core.base_task import PythonTask
from flytekit.core.python_function_task import PythonFunctionTask
from flytekit.models.literals import LiteralMap

from flowjobs import process_tree
from flowjobs.runner import forkserver
from flowjobs.runner.budget import CpuBudget

PR_SET_PDEATHSIG = 1
KILL_WAIT_SECONDS = 10.0


class TaskError(Exception):
    """A task's own exception, raised in a worker: its message as flytekit gave it, its type's name."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


class WorkerDied(Exception):
    """The worker process running a task died before it answered: how it ended, as its exit code or signal."""

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        self.exit_code = exit_code if exit_code is None or exit_code >= 0 else None
        self.exit_signal = -exit_code if exit_code is not None and exit_code < 0 else None


def _oom_kills() -> int | None:
    """How many processes the kernel's out-of-memory killer has ended since boot (any cgroup's too)."""
    try:
        with open("/proc/vmstat", encoding="ascii") as stats:
            return next((int(line.split()[1]) for line in stats if line.startswith("oom_kill ")), None)
    except OSError:
        return None


def _how(code: int | None, oom_kills_before: int | None) -> str:
    """How a worker ended: its signal by name and the exit code a shell shows (128 + the signal), or its exit code;
    out of memory when the kernel's OOM killer ended a process meanwhile."""
    if code is None:
        return ""
    if code >= 0:
        return f" (exit code {code})"
    name = signal.Signals(-code).name if -code in signal.valid_signals() else "unknown"
    now = _oom_kills()
    oom = (
        "; out of memory: the kernel's OOM killer ended it"
        if None not in (now, oom_kills_before) and now > oom_kills_before
        else ""
    )
    return f" (killed by signal {-code}, {name}, exit code {128 - code}{oom})"


class WorkerTimedOut(TimeoutError):
    """A task ran past its timeout; its worker was killed."""

    exit_signal = signal.SIGKILL.value


def _worker_started(root: str, module: str) -> None:
    """In each worker: its own session, as a job task's script has (Linux shares a loaded machine's CPUs between
    sessions, so workers in the runner's session would together get one program's share), Ctrl-C is the runner's,
    the worker dies with its forkserver (ending what its task started first), the workflow's module is imported
    (what its import prints going nowhere: the runner printed it), and flytekit's own random generator is seeded
    anew: forked from one forkserver, every
    worker would otherwise draw the same "random" output folders, and tasks running side by side would write their
    outputs into one."""
    from flytekit.interfaces.random import random as flytekit_random

    flytekit_random.seed()
    with contextlib.suppress(OSError):
        os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    process_tree.become_subreaper()  # what a task starts stays below its worker, a daemon or double fork too
    signal.signal(signal.SIGTERM, _end_with_everything_below)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    from flowjobs.runner.logs import flytekit_logs_to_stderr

    import_quietly(module, root)  # already imported: the forkserver is a fork of the runner, which imported it
    flytekit_logs_to_stderr()


def _end_with_everything_below(signum: int, frame: typing.Any) -> None:
    """The forkserver died (the runner did): what the task started goes first, then the worker (a SIGKILL would
    orphan its task's processes to init before anyone could find them)."""
    process_tree.end_below(os.getpid())
    os._exit(128 + signum)


def import_quietly(module: str, root: str) -> None:
    """The flow's module imported from its project root, what its import prints going nowhere (a worker whose
    forkserver was forked before the module was imported, as in a process that runs several flows)."""
    if root not in sys.path:
        sys.path.insert(0, root)
    with open(os.devnull, "w") as nowhere, contextlib.redirect_stdout(nowhere), contextlib.redirect_stderr(nowhere):
        importlib.import_module(module)


class _Tee(io.TextIOBase):
    """What a task prints, written to where it went before (the runner's stdout or stderr) and to its attempt's log."""

    def __init__(self, shown: typing.TextIO, kept: typing.TextIO):
        self.shown, self.kept = shown, kept

    def write(self, text: str) -> int:
        self.shown.write(text)
        self.kept.write(text)
        return len(text)

    def flush(self) -> None:
        self.shown.flush()
        self.kept.flush()


@contextlib.contextmanager
def _logs_kept(folder: str | None) -> typing.Iterator[None]:
    """The attempt's prints also written to stdout.log and stderr.log in its folder (when it has one)."""
    if folder is None:
        yield
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    with (
        open(Path(folder) / "stdout.log", "w", encoding="utf-8") as out,
        open(Path(folder) / "stderr.log", "w", encoding="utf-8") as err,
        contextlib.redirect_stdout(_Tee(sys.stdout, out)),
        contextlib.redirect_stderr(_Tee(sys.stderr, err)),
    ):
        try:
            yield
        finally:
            sys.stdout.flush()  # a worker is killed, not ended: what it printed is out before its answer
            sys.stderr.flush()


def execute_in_sandbox(
    ctx: typing.Any, task: PythonTask, literals: LiteralMap, checkpoint: tuple[str, str | None] | None = None
) -> LiteralMap:
    """`task.sandbox_execute` as flytekit runs a task locally, except that with `checkpoint` (where this attempt
    writes it, where the attempt before wrote one) the task's Flyte checkpoint is the one a cluster would give it."""
    from flytekit.core.checkpointer import SyncCheckpoint

    state = ctx.execution_state
    params = state.user_space_params.with_task_sandbox()
    if checkpoint is not None:
        Path(checkpoint[0]).mkdir(parents=True, exist_ok=True)
        params.checkpoint = SyncCheckpoint(checkpoint_dest=checkpoint[0], checkpoint_src=checkpoint[1])
    sandboxed = ctx.current_context().with_execution_state(state.with_params(user_space_params=params.build())).build()
    return task.dispatch_execute(sandboxed, literals)


def _execute(
    resolver: str,
    loader_args: list[str],
    inputs: bytes,
    env: dict[str, str],
    folder: str | None = None,
    checkpoint: tuple[str, str | None] | None = None,
) -> tuple[bool, typing.Any]:
    """In a worker: load the task as a pod does, run it as `pyflyte run` runs it; (True, outputs) or (False, error).
    The environment is the runner's as the task starts (the forkserver's is older: the execution id came later);
    what it prints is also kept in `folder`, and its checkpoint is handed over as `checkpoint` says."""
    os.environ.clear()
    os.environ.update(env)
    from flytekit import FlyteContextManager
    from flytekit.core.context_manager import OutputMetadataTracker
    from flytekit.tools.module_loader import load_object_from_module

    try:
        with _logs_kept(folder):
            task = load_object_from_module(resolver).load_task(loader_args=loader_args)
            ctx = FlyteContextManager.current_context()
            state = ctx.new_execution_state().with_params(mode=task.local_execution_mode())
            child = ctx.with_execution_state(state).with_output_metadata_tracker(OutputMetadataTracker())
            with FlyteContextManager.with_context(child) as running:
                running.user_space_params._decks = []
                literals = LiteralMap.from_flyte_idl(literals_pb2.LiteralMap.FromString(inputs))
                outputs = execute_in_sandbox(running, task, literals, checkpoint)
        return True, outputs.to_flyte_idl().SerializeToString()
    except BaseException as err:  # the exception may not pickle: its message and kind cross instead
        return False, (str(err) or type(err).__name__, type(err).__name__)


def location(task: PythonTask) -> tuple[str, list[str]] | None:
    """(resolver, loader args) a pod would load the task with; None for a task a worker cannot load by name."""
    if type(task) is not PythonFunctionTask or task.execution_mode != PythonFunctionTask.ExecutionBehavior.DEFAULT:
        return None  # @dynamic, @eager and plugin task types run in the runner's process
    try:
        args = task.task_resolver.loader_args(None, task)
        resolver = task.task_resolver.location
    except Exception:  # a task made in a function body: no module-level name to load it by
        return None
    module = sys.modules.get(task.instantiated_in or "")
    if module is None or module.__name__ == "__main__":
        return None
    return resolver, list(args)


def cpus_requested(task: PythonTask) -> float:
    """The task's CPU request (else its limit, else one CPU): what it holds of the budget while it runs."""
    resources = getattr(task, "resources", None)
    for side in (resources.requests, resources.limits) if resources else ():
        amount = side.cpu if side else None
        if amount:
            text = str(amount)
            return float(text[:-1]) / 1000 if text.endswith("m") else float(text)
    return 1.0


def _serve(requests: multiprocessing.connection.Connection, root: str, module: str) -> None:
    """A worker's life: ready (`_worker_started`), then each task it is handed, its answer sent back, until the
    runner closes its end or kills it. It ends without the interpreter's teardown, as the forkserver does."""
    try:
        _worker_started(root, module)
        while True:
            try:
                request = requests.recv()
            except EOFError:
                break
            answer = _execute(*request)
            process_tree.end_below(os.getpid())  # nothing a task started outlives it
            requests.send(answer)
    finally:
        os._exit(0)


class _Slot:
    """One worker process and the pipe to it: a task is sent, its answer read back in the node's own thread (no
    executor's threads in between), EOF when the process died."""

    def __init__(self, context: multiprocessing.context.BaseContext, root: str, module: str):
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs, root, module), name="flowjobs-worker")
        self._theirs: multiprocessing.connection.Connection | None = theirs
        self._starting = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def start(self) -> None:
        """The worker's process forked (once; whoever asks first)."""
        with self._starting:
            if self._theirs is None:
                return
            self.process.start()
            self._theirs.close()  # the worker holds its end: its death is EOF here
            self._theirs = None

    def call(self, request: tuple, timeout: float | None) -> tuple[bool, typing.Any]:
        """The worker's answer to `request`; TimeoutError past `timeout`, EOFError or OSError if it died."""
        self.start()
        self.connection.send(request)
        if not self.connection.poll(timeout):
            raise TimeoutError
        return self.connection.recv()

    def exit_code(self) -> int | None:
        """How the worker's process ended (negative: the signal that killed it); None if that cannot be told."""
        if self.pid is None:
            return None
        self.process.join(KILL_WAIT_SECONDS)
        return self.process.exitcode

    def kill(self) -> None:
        """The worker and everything its task started (a subreaper: its daemons are below it)."""
        if self.pid is not None:
            process_tree.end_with_tree(self.pid)
        self.connection.close()

    def reap(self) -> None:
        if self.pid is not None:
            self.process.join(KILL_WAIT_SECONDS)


class WorkerPool:
    """Worker processes lent to one task at a time, each task holding its CPU request of the budget."""

    def __init__(self, root: str, module: str, budget: CpuBudget, start: int = 0):
        self.root, self.module, self.budget = root, module, budget
        forkserver.start()  # before the run opens its record and lease, and before any thread of its own
        self.context = multiprocessing.get_context("forkserver")
        self._idle: list[_Slot] = []
        self._all: list[_Slot] = []
        self._lock = threading.Lock()
        self.stopped = False
        warm = [self._new_slot() for _ in range(start)]
        for slot in warm:
            self._release(slot)
        # forked in the background while the run gets ready (the forkserver answers each with its pid)
        threading.Thread(target=lambda: [slot.start() for slot in warm], name="warm-workers", daemon=True).start()

    def _new_slot(self) -> _Slot:
        slot = _Slot(self.context, self.root, self.module)
        with self._lock:
            self._all.append(slot)
        return slot

    def _borrow(self) -> _Slot:
        with self._lock:
            if self.stopped:
                raise KeyboardInterrupt
            slot = self._idle.pop() if self._idle else None
        slot = slot or self._new_slot()
        slot.start()  # before the task, so the worker's pid is known while the task runs
        return slot

    def _release(self, slot: _Slot) -> None:
        with self._lock:
            self._idle.append(slot)

    def _discard(self, slot: _Slot) -> None:
        slot.kill()
        with self._lock:
            if slot in self._all:
                self._all.remove(slot)

    def run(
        self,
        task: PythonTask,
        where: tuple[str, list[str]],
        inputs: LiteralMap,
        started: typing.Callable[[], None] = lambda: None,
        ended: typing.Callable[[], None] = lambda: None,
        folder: Path | None = None,
        previous_checkpoint: Path | None = None,
    ) -> LiteralMap:
        """The task's outputs, computed in a worker; TaskError, WorkerDied or WorkerTimedOut when it did not finish.

        `started` and `ended` are called while the task holds its CPUs, so a recorded span never overlaps the span
        of a task that took those CPUs after it. With `folder`, what the task prints is kept there and its Flyte
        checkpoint is written to `folder`/checkpoint, the attempt before's (`previous_checkpoint`) handed to it."""
        share = self.budget.share(cpus_requested(task), task.name, "Resources(cpu)")
        timeout = task.metadata.timeout.total_seconds() if task.metadata.timeout else None
        files: dict[str, typing.Any] = {}
        if folder is not None:
            source = str(previous_checkpoint) if previous_checkpoint else None
            files = {"folder": str(folder), "checkpoint": (str(folder / "checkpoint"), source)}
        with self.budget.hold(share):
            slot = self._borrow()
            started()
            literals = inputs.to_flyte_idl().SerializeToString()
            request = (*where, literals, dict(os.environ), files.get("folder"), files.get("checkpoint"))
            oom_kills = _oom_kills()
            try:
                ok, answer = slot.call(request, timeout)
            except TimeoutError:
                self._discard(slot)
                message = f"task '{task.name}': timed out after {timeout:g}s; its worker was killed"
                raise WorkerTimedOut(message) from None
            except (EOFError, OSError):
                code = slot.exit_code()
                self._discard(slot)
                if self.stopped:
                    raise KeyboardInterrupt from None
                raise WorkerDied(
                    f"task '{task.name}': its worker process died while running it{_how(code, oom_kills)}", code
                ) from None
            finally:
                ended()
        self._release(slot)
        if not ok:
            raise TaskError(*answer)
        return LiteralMap.from_flyte_idl(literals_pb2.LiteralMap.FromString(answer))

    def stop(self) -> None:
        """Kill every worker (Ctrl-C); a task waiting for one is refused."""
        with self._lock:
            self.stopped = True
            slots = list(self._all)
        for slot in slots:
            slot.kill()

    def close(self) -> None:
        """End the workers once every task's outputs are back: killed, not asked to exit (a worker's own exit would
        tear down its copy of flytekit, a second or so of the command's end for nothing), then reaped."""
        with self._lock:
            slots, self._all, self._idle = list(self._all), [], []
        for slot in slots:
            slot.kill()
        for slot in slots:
            slot.reap()
        forkserver.stop()
