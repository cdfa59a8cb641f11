"""A map task's items run side by side, each in a worker process, each filed in the record as its own node.

Item i of a map task receives the i-th element of every mapped input (and the whole value of a bound input),
exactly as flytekit's local map execution slices them; the node's output is the list of the items' outputs, in
order. As in flytekit, the node fails when fewer items succeed than `min_successes` / `min_success_ratio` ask
(all, by default); a failed item the ratio allows is None in the list. A map over a `functools.partial` is split
the same way: its keywords are the node's bound inputs, each item reading them whole. Each item makes and records
its own attempts (its task's `retries`). A map over a task a worker cannot load runs as one node through flytekit.

A map over a launch plan (flytekit's ArrayNode) is opened up by the scheduler: each item is the launch plan's
workflow on that item's inputs, its nodes running beside the other items' (`launch_plan_items`); the node's output
is the list of the items' outputs. One that tolerates failed items (`min_success_ratio`, `min_successes`) runs as
one node through flytekit, item after item, as under `pyflyte run`.
"""

from __future__ import annotations

import concurrent.futures as futures
import math
import typing

from flytekit.core.array_node import ArrayNode
from flytekit.core.array_node_map_task import ArrayNodeMapTask
from flytekit.core.base_task import PythonTask
from flytekit.core.launch_plan import LaunchPlan
from flytekit.core.promise import Promise
from flytekit.models.literals import Literal, LiteralCollection, LiteralMap, Scalar, Void

from flowjobs import records
from flowjobs.errors import first_line
from flowjobs.recorder import Recorder
from flowjobs.records import TaskStatus
from flowjobs.runner import workers


def item_inputs(task: ArrayNodeMapTask, inputs: LiteralMap) -> list[LiteralMap] | None:
    """Each item's inputs: the i-th element of each mapped input, the whole value of each bound one (a
    `functools.partial`'s keywords and bound inputs are bound inputs of the node); None when nothing is mapped."""
    mapped = [name for name in inputs.literals if name not in task.bound_inputs]
    if not mapped:
        return None
    size = len(inputs.literals[mapped[0]].collection.literals)
    return [
        LiteralMap(
            {
                name: literal if name in task.bound_inputs else literal.collection.literals[index]
                for name, literal in inputs.literals.items()
            }
        )
        for index in range(size)
    ]


RunItem = typing.Callable[[str, PythonTask, tuple[str, list[str]], LiteralMap], LiteralMap]


def run(recorder: Recorder, key: str, task: ArrayNodeMapTask, items: list[LiteralMap], run_item: RunItem) -> LiteralMap:
    """Every item in a worker at once (each waiting for its CPUs, each with its attempts); the outputs collected
    in item order. `run_item(item key, task, where, inputs)` runs one item's attempts."""
    inner = task.python_function_task
    where = workers.location(inner)
    if where is None:
        raise ValueError(f"map task '{task.name}': its task cannot be loaded by a worker")

    def one(index: int, inputs: LiteralMap) -> LiteralMap:
        item = f"{key}[{index}]"
        recorder.task(item, name=f"{inner.name.rsplit('.', 1)[-1]}[{index}]", task=inner.name)
        try:
            outputs = run_item(item, inner, where, inputs)
        except BaseException as err:
            status = TaskStatus.FAILED if isinstance(err, Exception) else TaskStatus.INTERRUPTED
            recorder.task(item, status=status, end=records.now(), error=first_line(err))
            raise
        recorder.task(item, status=TaskStatus.DONE)
        return outputs

    with futures.ThreadPoolExecutor(max(1, len(items)), thread_name_prefix=f"map-{key}") as fan_out:
        running = [fan_out.submit(one, index, inputs) for index, inputs in enumerate(items)]
        futures.wait(running)
    failed = [future.exception() for future in running if future.exception() is not None]
    if failed and len(items) - len(failed) < needed(task, len(items)):
        raise failed[0]
    nothing = Literal(scalar=Scalar(none_type=Void()))  # a failed item the success ratio allows, as flytekit has it
    names = list(inner.python_interface.outputs)
    return LiteralMap(
        {
            name: Literal(
                collection=LiteralCollection(
                    [nothing if f.exception() is not None else f.result().literals[name] for f in running]
                )
            )
            for name in names
        }
    )


def needed(task: ArrayNodeMapTask, size: int) -> int:
    """How many items must succeed: `min_successes`, else `min_success_ratio` of them, else all (as flytekit)."""
    if task._min_successes:
        return task._min_successes
    if task._min_success_ratio:
        return math.ceil(size * task._min_success_ratio)
    return size


def launch_plan_items(entity: typing.Any, promises: dict[str, Promise]) -> list[dict[str, Promise]] | None:
    """Each item's inputs of a map over a launch plan, as promises; None when it is not one this runner opens up."""
    if not isinstance(entity, ArrayNode) or not isinstance(entity.target, LaunchPlan):
        return None
    if entity.min_successes or (entity.min_success_ratio is not None and entity.min_success_ratio < 1):
        return None  # failed items tolerated: flytekit's own local execution, item after item
    lists = {name: promise.val.collection.literals for name, promise in promises.items()}
    size = len(next(iter(lists.values()), []))
    return [{name: Promise(name, values[index]) for name, values in lists.items()} for index in range(size)]


def collected(entity: ArrayNode, outputs: list[dict[str, Promise]]) -> dict[str, Promise]:
    """The items' outputs (one each) as the map node's one output: their list, in item order."""
    names = list(entity.python_interface.outputs)
    if not names:
        return {}
    values = LiteralCollection([next(iter(output.values())).val for output in outputs])
    return {names[0]: Promise(names[0], Literal(collection=values))}
