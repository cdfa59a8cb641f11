"""One task node in a worker thread: run the way flytekit runs a task locally, with the cache in front of it.

flytekit keeps its context stack in a ContextVar and is otherwise written for one thread, so every worker
starts from its own copy of the stack the workflow execution had (never the shared list itself) and pushes the
same child context `flyte_entity_call_handler` would. The inputs become a LiteralMap as in
`PythonTask.local_execute`; `sandbox_execute` then runs the task (a job task runs its script; an @dynamic
task compiles and runs its inner workflow with flytekit's local executor, as one node).

Before running, the outputs may come from the cache (cache=True, same version, same input contents) or from
the failed run this one resumes; after running they are stored for both.
"""

from __future__ import annotations

import sys
import typing
from dataclasses import dataclass

from flytekit import FlyteContextManager
from flytekit.core.array_node_map_task import ArrayNodeMapTask
from flytekit.core.base_task import PythonTask
from flytekit.core.condition import BranchNode
from flytekit.core.context_manager import FlyteContext, OutputMetadataTracker, flyte_context_Var
from flytekit.core.gate import Gate
from flytekit.core.promise import Promise, VoidPromise, translate_inputs_to_literals
from flytekit.core.workflow import WorkflowBase
from flytekit.models.literals import LiteralMap

from flowjobs import held_attempts, records, task_kinds
from flowjobs.errors import first_line
from flowjobs.recorder import Recorder, current_node
from flowjobs.records import TaskStatus
from flowjobs.runner import attempts, branches, cache, dynamic, gates, map_items, workers


def python_tasks(workflow: WorkflowBase) -> list[PythonTask]:
    """The nodes (at any depth) that are Python tasks other than job tasks: they run in worker processes."""
    found = []
    for node in workflow.nodes:
        entity = node.flyte_entity
        if isinstance(entity, BranchNode):
            entities = [case.flyte_entity for case in branches.case_nodes(entity)]
        else:
            entities = [getattr(entity, "workflow", entity)]  # a launch plan: its workflow
        for inner in entities:
            if isinstance(inner, WorkflowBase):
                found += python_tasks(inner)
            elif isinstance(inner, PythonTask) and task_kinds.kind_of(inner).runs_python:
                found.append(inner)
    return found


def runs_python_in_process(workflow: WorkflowBase, pooled: bool) -> bool:
    """Whether any node (at any depth) is a Python task run in the runner's process: any, without worker
    processes; with them, one a worker cannot load (a plugin's task type, an `@eager` or cached `@dynamic` task). An
    `@dynamic` the scheduler compiles runs only its function here, in the scheduler's thread, before its nodes."""
    for task in python_tasks(workflow):
        if not pooled:
            return True
        if isinstance(task, ArrayNodeMapTask):
            task = task.python_function_task
        if workers.location(task) is None and not dynamic.is_dynamic(task):
            return True
    return False


def load_lazy_modules() -> None:
    """flytekit imports pandas, pyarrow and joblib lazily, and Python 3.11's lazy loader is not thread-safe (two
    threads touching a module first at once can see it half-loaded), so they are loaded before the fan-out."""
    for module in list(sys.modules.values()):
        if type(module).__name__ == "_LazyModule":
            vars(module)  # any attribute access runs the module


class OutputsNotStoredError(OSError):
    """A task ran, but its outputs could not be stored (a full or read-only state folder)."""


@dataclass
class Stores:
    cache: cache.ResultStore  # tasks with cache=True, shared by every run
    results: cache.ResultStore  # this run's outputs, for a next run to resume from after a failure
    resume_from: cache.ResultStore | None  # the failed run this one resumes
    lookup: bool = True  # False with --fresh: run everything again


class NodeRunner:
    """Runs task nodes and other entities in worker threads; files what happened in the execution record."""

    def __init__(
        self,
        stack: list[FlyteContext],
        recorder: Recorder,
        stores: Stores,
        pool: workers.WorkerPool | None = None,
        in_container: typing.Callable[[str, PythonTask, LiteralMap], LiteralMap] | None = None,
    ):
        self.stack = list(stack)
        self.recorder = recorder
        self.stores = stores
        self.pool = pool  # plain Python tasks and map items run in its worker processes
        self.in_container = in_container  # --in-image: tasks of a kind that runs in its image run there

    def _enter(self, key: str, entity_name: str) -> FlyteContext:
        flyte_context_Var.set(list(self.stack))
        current_node.set((key, entity_name))
        return FlyteContextManager.current_context()

    def run_task(self, key: str, task: PythonTask, promises: dict[str, Promise]) -> dict[str, Promise]:
        ctx = self._enter(key, task.name)
        literals = translate_inputs_to_literals(ctx, promises, task.interface.inputs, task.get_input_types())
        inputs = LiteralMap(literals=literals)
        key_of_inputs = cache.cache_key(task, inputs)
        outputs, status = self._reuse(task, key_of_inputs)
        if outputs is not None:
            held_attempts.discard(key)  # its script, started ahead, is not needed
            self._publish_reused(key, task, outputs)
        if outputs is None:
            state = ctx.execution_state.with_params(mode=task.local_execution_mode())
            child = ctx.with_execution_state(state).with_output_metadata_tracker(OutputMetadataTracker())
            try:
                with FlyteContextManager.with_context(child):
                    outputs = self._execute(ctx, key, task, inputs)
            except BaseException as err:
                status = TaskStatus.FAILED if isinstance(err, Exception) else TaskStatus.INTERRUPTED
                self.recorder.task(key, status=status, end=records.now(), error=first_line(err))
                raise
            finally:
                held_attempts.discard(key)  # a script started ahead that did not run (in its image, say)
            store = self.stores.cache if task.metadata.cache else self.stores.results
            try:
                store.put(key_of_inputs, outputs)
            except OSError as err:  # a full disk: the node has no outputs a run could use, so it failed
                error = OutputsNotStoredError(f"task '{task.name}': outputs not stored in {store.folder}: {err}")
                self.recorder.task(key, status=TaskStatus.FAILED, end=records.now(), error=str(error))
                raise error from None
            status = TaskStatus.DONE
        finished = records.now()
        entry = self.recorder.record.tasks[key]
        end = entry.end if status == TaskStatus.DONE and entry.end else finished
        self.recorder.task(key, status=status, start=entry.start or finished, end=end, cache_key=key_of_inputs)
        return {name: Promise(name, outputs.literals[name]) for name in task.interface.outputs}

    def _execute(self, ctx: FlyteContext, key: str, task: PythonTask, inputs: LiteralMap) -> LiteralMap:
        """In a worker process when one can load the task (a map task: each item in one); else in this thread. A
        task of a kind that reports its own attempts (a job task) makes and records them itself; every other task's
        attempts are made and recorded here (runner/attempts.py)."""
        kind = task_kinds.kind_of(task)
        if self.in_container is not None and kind.runs_in_image:
            self.recorder.open_attempt(key, 1)
            try:
                outputs = self.in_container(key, task, inputs)
            except BaseException as err:
                self.recorder.close_attempt(key, True, err)
                raise
            self.recorder.close_attempt(key, True, None)
            return outputs
        if kind.reports_own_attempts:
            return task.sandbox_execute(ctx, inputs)
        items = map_items.item_inputs(task, inputs) if isinstance(task, ArrayNodeMapTask) else None
        if self.pool is not None and items is not None and workers.location(task.python_function_task):
            self.recorder.task(key, status=TaskStatus.RUNNING, start=records.now())
            return map_items.run(self.recorder, key, task, items, self._in_worker)
        where = workers.location(task) if self.pool is not None else None
        if where is not None:
            return self._in_worker(key, task, where, inputs)

        if dynamic.is_dynamic(task):  # an @dynamic that did not compile here runs through flytekit, as one node
            load_lazy_modules()

        def in_this_thread(attempt: attempts.Try) -> LiteralMap:
            attempt.started()
            try:
                previous = str(attempt.previous_checkpoint) if attempt.previous_checkpoint else None
                return workers.execute_in_sandbox(ctx, task, inputs, (str(attempt.checkpoint), previous))
            finally:
                attempt.ended()

        return attempts.attempted(self.recorder, key, task, in_this_thread)

    def _in_worker(self, key: str, task: PythonTask, where: tuple[str, list[str]], inputs: LiteralMap) -> LiteralMap:
        """The task's attempts in worker processes, filed under `key` (a node, or one item of a map)."""

        def in_worker(attempt: attempts.Try) -> LiteralMap:
            return self.pool.run(
                task, where, inputs, attempt.started, attempt.ended, attempt.folder, attempt.previous_checkpoint
            )

        return attempts.attempted(self.recorder, key, task, in_worker)

    def _reuse(self, task: PythonTask, key: str) -> tuple[LiteralMap | None, TaskStatus | None]:
        stores = self.stores
        if not stores.lookup:
            return None, None
        if task.metadata.cache:
            return stores.cache.get(key), TaskStatus.CACHED
        tracked = task_kinds.kind_of(task).tracked(task)  # its runs belong to the execution that made them
        if stores.resume_from is not None and not tracked:
            return stores.results.take(key, stores.resume_from), TaskStatus.RESUMED
        return None, None

    def _publish_reused(self, key: str, task: PythonTask, outputs: LiteralMap) -> None:
        """What a reused node's kind publishes (a Domino task's artifact files), recorded for this execution too (or
        the node fails, saying why)."""
        try:
            task_kinds.kind_of(task).reused(task, outputs)
        except Exception as err:
            self.recorder.task(key, status=TaskStatus.FAILED, end=records.now(), error=first_line(err))
            raise

    def run_entity(self, key: str, entity: typing.Any, promises: dict[str, Promise]) -> dict[str, Promise]:
        """Fallback for nodes the scheduler does not open up (launch plans, ...): called as flytekit's imperative
        workflows call a node, so flytekit runs it, as one node."""
        ctx = self._enter(key, entity.name)
        if isinstance(entity, Gate):
            return gates.open_gate(ctx, entity, promises)
        results = entity(**promises)
        names = list(entity.python_interface.outputs)
        if results is None or isinstance(results, VoidPromise):
            return {}
        if len(names) == 1:
            return {names[0]: results[0] if isinstance(results, tuple) else results}
        return dict(zip(names, results, strict=True))
