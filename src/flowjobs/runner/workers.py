"""Plain Python tasks in worker processes, side by side, as pods would run them: inputs and outputs cross as
serialized Flyte literals, and each worker loads the task through the task's own resolver, as a pod does.

Workers come from a forkserver that imported the workflow's module once, so starting one costs a fork, not
flytekit's import. Each worker is a one-process `ProcessPoolExecutor` (a slot), lent to one node at a time: a
worker that dies (a segfault, `os._exit`) breaks only its own slot, so only the node it ran fails, and a slot
whose node overstays its timeout is killed alone. Workers ignore Ctrl-C (the runner stops them, with SIGKILL,
and they die with the runner) and log flytekit's messages to stderr.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import ctypes
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import typing
from concurrent.futures.process import BrokenProcessPool

from flyteidl.core import literals_pb2
from flytekit.core.base_task import PythonTask
from flytekit.core.python_function_task import PythonFunctionTask
from flytekit.models.literals import LiteralMap

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
    """The worker process running a task died before it answered."""


def _worker_started(root: str, module: str) -> None:
    """In each worker: Ctrl-C is the runner's, the worker dies with it, the workflow's module is imported (what
    its import prints going nowhere: the runner printed it), and flytekit's own random generator is seeded anew:
    forked from one forkserver, every worker would otherwise draw the same "random" output folders, and tasks
    running side by side would write their outputs into one."""
    from flytekit.interfaces.random import random as flytekit_random

    flytekit_random.seed()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    from flowjobs.runner.logs import flytekit_logs_to_stderr

    import_quietly(module, root)  # already imported by the forkserver, unless it could not
    flytekit_logs_to_stderr()


def import_quietly(module: str, root: str) -> None:
    """The flow's module imported from its project root, what its import prints going nowhere (in the forkserver,
    in_forkserver.py; in a worker, if the forkserver could not)."""
    if root not in sys.path:
        sys.path.insert(0, root)
    with open(os.devnull, "w") as nowhere, contextlib.redirect_stdout(nowhere), contextlib.redirect_stderr(nowhere):
        importlib.import_module(module)


def _execute(resolver: str, loader_args: list[str], inputs: bytes, env: dict[str, str]) -> tuple[bool, typing.Any]:
    """In a worker: load the task as a pod does, run it as `pyflyte run` runs it; (True, outputs) or (False, error).
    The environment is the runner's as the task starts (the forkserver's is older: the execution id came later)."""
    os.environ.clear()
    os.environ.update(env)
    from flytekit import FlyteContextManager
    from flytekit.core.context_manager import OutputMetadataTracker
    from flytekit.tools.module_loader import load_object_from_module

    try:
        task = load_object_from_module(resolver).load_task(loader_args=loader_args)
        ctx = FlyteContextManager.current_context()
        state = ctx.new_execution_state().with_params(mode=task.local_execution_mode())
        child = ctx.with_execution_state(state).with_output_metadata_tracker(OutputMetadataTracker())
        with FlyteContextManager.with_context(child) as running:
            running.user_space_params._decks = []
            literals = LiteralMap.from_flyte_idl(literals_pb2.LiteralMap.FromString(inputs))
            outputs = task.sandbox_execute(running, literals)
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


class _Slot:
    def __init__(self, context: multiprocessing.context.BaseContext, root: str, module: str):
        self.executor = futures.ProcessPoolExecutor(
            1, mp_context=context, initializer=_worker_started, initargs=(root, module)
        )
        self.pid: int | None = None

    def start(self) -> futures.Future:
        future = self.executor.submit(os.getpid)
        future.add_done_callback(self._started)
        return future

    def _started(self, done: futures.Future) -> None:
        if not done.cancelled() and done.exception() is None:
            self.pid = done.result()

    def kill(self) -> None:
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self.executor.shutdown(wait=False, cancel_futures=True)


class WorkerPool:
    """Worker processes lent to one task at a time, each task holding its CPU request of the budget."""

    def __init__(self, root: str, module: str, budget: CpuBudget, start: int = 0):
        self.root, self.module, self.budget = root, module, budget
        forkserver.socket_folder()  # a deep TMPDIR would make the forkserver's socket path too long
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(forkserver.PRELOAD)  # if start_early did not start it
        self._idle: list[_Slot] = []
        self._all: list[_Slot] = []
        self._lock = threading.Lock()
        self.stopped = False
        for _ in range(start):  # warmed up in the background while the run gets ready
            self._release(self._new_slot())

    def _new_slot(self) -> _Slot:
        slot = _Slot(self.context, self.root, self.module)
        slot.start()
        with self._lock:
            self._all.append(slot)
        return slot

    def _borrow(self) -> _Slot:
        with self._lock:
            if self.stopped:
                raise KeyboardInterrupt
            if self._idle:
                return self._idle.pop()
        return self._new_slot()

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
    ) -> LiteralMap:
        """The task's outputs, computed in a worker; TaskError, WorkerDied or TimeoutError when it did not finish.

        `started` and `ended` are called while the task holds its CPUs, so a recorded span never overlaps the span
        of a task that took those CPUs after it."""
        share = self.budget.share(cpus_requested(task), task.name, "Resources(cpu)")
        timeout = task.metadata.timeout.total_seconds() if task.metadata.timeout else None
        with self.budget.hold(share):
            slot = self._borrow()
            started()
            literals = inputs.to_flyte_idl().SerializeToString()
            future = slot.executor.submit(_execute, *where, literals, dict(os.environ))
            try:
                ok, answer = future.result(timeout=timeout)
                if ok:
                    ended()
            except futures.TimeoutError:
                self._discard(slot)
                raise TimeoutError(f"task '{task.name}': timed out after {timeout:g}s; its worker was killed") from None
            except BrokenProcessPool:
                self._discard(slot)
                if self.stopped:
                    raise KeyboardInterrupt from None
                raise WorkerDied(f"task '{task.name}': its worker process died while running it") from None
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
            slot.executor.shutdown(wait=True)
