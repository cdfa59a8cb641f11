"""The compiled workflow's node graph, walked with concurrent.futures: every node starts once what it reads is done.

The scheduler runs in the calling thread and only decides; task nodes run in a ThreadPoolExecutor (at most
--max-parallel at once), where a job task's attempt also waits for its tier's CPUs. Structure is opened up
natively: a subworkflow node becomes its own nodes (in a scope holding its inputs and outputs), and a
conditional is decided when its values are ready, then runs the chosen node. Launch plans and any other node
kinds run as one node through flytekit's own local execution.

Bindings are resolved with flytekit's `get_promise_map` against each scope's outputs, exactly as flytekit's
imperative-workflow executor does. When a node fails, nothing new starts (unless the workflow's failure policy
is FAIL_AFTER_EXECUTABLE_NODES_COMPLETE); the nodes already running finish, so a re-run can resume from them.
"""

from __future__ import annotations

import concurrent.futures as futures
import typing
from dataclasses import dataclass, field

from flytekit.core.base_task import PythonTask
from flytekit.core.condition import BranchNode
from flytekit.core.launch_plan import LaunchPlan
from flytekit.core.node import Node
from flytekit.core.promise import Promise
from flytekit.core.workflow import GLOBAL_START_NODE, WorkflowBase, WorkflowFailurePolicy
from flytekit.models.literals import BindingData

from flowjobs import records, task_kinds, tiers
from flowjobs.errors import first_line
from flowjobs.recorder import Recorder
from flowjobs.records import TaskStatus
from flowjobs.runner import branches, dynamic, failure, map_items
from flowjobs.runner.bindings import get_promise, get_promise_map
from flowjobs.runner.budget import CpuBudget
from flowjobs.runner.entities import launch_plan_inputs
from flowjobs.runner.prestart import Prestart
from flowjobs.runner.task_node import NodeRunner


@dataclass(eq=False)
class Scope:
    """One instance of a (sub)workflow: the outputs of its nodes so far, its inputs under the start node."""

    outputs: dict[Node, dict[str, Promise]]


@dataclass(eq=False)
class Step:
    """One node of one scope on its way through the run."""

    node: Node
    scope: Scope
    key: str
    parent: Step | None = None
    inner: Scope | None = None  # a subworkflow's own scope
    inner_workflow: WorkflowBase | None = None  # the workflow an @dynamic node compiled into
    open_children: int = 0
    needs: set[Node] = field(default_factory=set)
    given: dict[str, Promise] | None = None  # an item of a map over a launch plan: its inputs, not bindings
    items: list[Node] | None = None  # a map over a launch plan: its items, in order

    @property
    def entity(self) -> typing.Any:
        return self.node.flyte_entity


class NodeFailed(Exception):
    """A node failed; the run's other nodes were left to finish."""

    def __init__(self, failures: list[tuple[Step, BaseException]]):
        self.failures = failures
        self.summary = "; ".join(f"node {step.key}: {first_line(err)}" for step, err in failures)
        super().__init__(str(failures[0][1]))  # what flytekit hands an on_failure handler: the task's error


def _binding_nodes(binding: BindingData) -> set[Node]:
    if binding.promise is not None:
        return {binding.promise.node}
    if binding.collection is not None:
        return set().union(*(_binding_nodes(item) for item in binding.collection.bindings))
    if binding.map is not None:
        return set().union(*(_binding_nodes(item) for item in binding.map.bindings.values()))
    return set()


def upstream(node: Node) -> set[Node]:
    """The nodes whose outputs this node reads (a conditional: those its cases' nodes read too)."""
    found = set(node.upstream_nodes)
    for binding in node.bindings:
        found |= _binding_nodes(binding.binding)
    if isinstance(node.flyte_entity, BranchNode):
        for case_node in branches.case_nodes(node.flyte_entity):
            found |= upstream(case_node)
    return found


def display_name(node: Node) -> str:
    return node.metadata.name if node.metadata is not None and node.metadata.name else node.id


class Scheduler:
    def __init__(
        self,
        pool: futures.Executor,
        nodes: NodeRunner,
        recorder: Recorder,
        budget: CpuBudget | None = None,
        prestart: Prestart | None = None,
    ):
        self.pool = pool
        self.nodes = nodes
        self.recorder = recorder
        self.budget = budget  # job tasks' places in its line are taken in the order they start
        self.prestart = prestart  # next nodes' scripts started ahead on idle CPUs
        self.waiting: list[Step] = []
        self.running: dict[futures.Future, Step] = {}
        self.failures: list[tuple[Step, BaseException]] = []
        self.keep_going = False
        self.handled: set[Step] = set()  # subworkflows whose on_failure handler ran

    def run(self, workflow: WorkflowBase, inputs: dict[str, Promise]) -> dict[str, Promise]:
        """Run every node; the workflow's outputs by name. Raises NodeFailed when a node failed."""
        policy = workflow.workflow_metadata.on_failure
        self.keep_going = policy == WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
        root = Scope({GLOBAL_START_NODE: dict(inputs)})
        self._add(workflow, root, prefix="", parent=None)
        while self._start_ready() or self.running:
            poll = self._hold_next()
            done, _ = futures.wait(self.running, timeout=poll, return_when=futures.FIRST_COMPLETED)
            for future in done:
                self._settle(self.running.pop(future), future)
        never_ready = [step.key for step in self.waiting]
        self._skip_waiting()
        if self.failures:
            raise NodeFailed(self.failures)
        if never_ready:
            raise RuntimeError(f"nodes {', '.join(never_ready)} never got their inputs")
        return {b.var: get_promise(b.binding, root.outputs) for b in workflow.output_bindings}

    def _add(self, workflow: WorkflowBase, scope: Scope, prefix: str, parent: Step | None) -> list[Step]:
        steps = [Step(node, scope, f"{prefix}{node.id}", parent, needs=upstream(node)) for node in workflow.nodes]
        for step in steps:
            self._announce(step)
        self.waiting.extend(steps)
        return steps

    def _announce(self, step: Step) -> None:
        if isinstance(step.entity, PythonTask):
            tier = task_kinds.kind_of(step.entity).tier(step.entity)
            self.recorder.task(step.key, name=display_name(step.node), task=step.entity.name, tier=tier)

    def _start_ready(self) -> bool:
        """Start every step whose inputs are ready, those of bigger tiers first; True when any started.

        Steps that become ready together reach the CPU budget in about the order they start, and a big tier
        queued behind small ones waits for all of them (or is passed until it no longer may be, and a small one is
        left to run alone after it): first in, it runs while the small ones wait and then share the CPUs."""
        started = False
        progress = True
        while progress and (self.keep_going or not self.failures):
            ready = [step for step in self.waiting if all(node in step.scope.outputs for node in step.needs)]
            for step in sorted(ready, key=self._tier_cpus, reverse=True):
                self.waiting.remove(step)
                self._start(step)
            progress = bool(ready)
            started = started or progress
        return started

    @staticmethod
    def _tier_cpus(step: Step) -> float:
        """The CPUs a step's task asks of the budget (its tier's); 0 for steps that hold none of their own."""
        if not isinstance(step.entity, PythonTask):
            return 0.0
        tier = task_kinds.kind_of(step.entity).tier(step.entity)
        try:
            return tiers.get_tier(tier).cpu_limit if tier else 0.0
        except tiers.TierError:  # the task's attempt says so, in its turn
            return 0.0

    def _hold_next(self) -> float | None:
        """Offer the steps that run next (every node they read from running or done) to be started ahead; how long
        to wait before offering again (None: until a node ends)."""
        if self.prestart is None or (self.failures and not self.keep_going):
            return None
        running = {(id(step.scope), step.node) for step in self.running.values()}
        upcoming = [
            (step.key, step.entity)
            for step in self.waiting
            if self.prestart.may_hold(step.key, step.entity)
            and all(node in step.scope.outputs or (id(step.scope), node) in running for node in step.needs)
        ]
        # what the running nodes hold of the budget (or wait for): a tier's CPUs, a task without one a CPU
        held = sum(self._tier_cpus(step) or 1.0 for step in self.running.values())
        self.prestart.offer(upcoming, held)
        return self.prestart.poll_seconds()

    def _start(self, step: Step) -> None:
        entity = step.entity
        try:
            promises = step.given if step.given is not None else get_promise_map(step.node.bindings, step.scope.outputs)
            if (items := map_items.launch_plan_items(entity, promises)) is not None:
                self._open_items(step, items)
                return
            if isinstance(entity, LaunchPlan):  # its workflow, with the plan's fixed and default inputs
                step.inner_workflow = entity.workflow
                promises = {**launch_plan_inputs(entity), **promises}
            if isinstance(entity, WorkflowBase | LaunchPlan):
                step.inner = Scope({GLOBAL_START_NODE: promises})
                children = self._add(step.inner_workflow or entity, step.inner, prefix=f"{step.key}/", parent=step)
                step.open_children = len(children)
                if not children:
                    self._complete(step, self._subworkflow_outputs(step))
            elif isinstance(entity, BranchNode):
                chosen = branches.choose(entity, promises)
                step.open_children = 1
                child = Step(chosen, step.scope, f"{step.key}/{chosen.id}", step, needs=upstream(chosen))
                self._announce(child)
                self.waiting.append(child)
            elif dynamic.is_dynamic(entity) and (compiled := dynamic.compile_dynamic(entity, promises)) is not None:
                self.recorder.task(step.key, status=TaskStatus.RUNNING, start=records.now())
                step.inner_workflow, step.inner = compiled, Scope({GLOBAL_START_NODE: {}})
                children = self._add(compiled, step.inner, prefix=f"{step.key}/", parent=step)
                step.open_children = len(children)
                if not children:
                    self._complete(step, self._subworkflow_outputs(step))
            elif isinstance(entity, PythonTask):
                cpus = self._tier_cpus(step)
                if self.budget is not None and cpus and task_kinds.kind_of(entity).reports_own_attempts:
                    self.budget.reserve(step.key, min(cpus, self.budget.total))
                self.running[self.pool.submit(self.nodes.run_task, step.key, entity, promises)] = step
            else:
                self.running[self.pool.submit(self.nodes.run_entity, step.key, entity, promises)] = step
        except Exception as err:  # a binding that does not resolve, a conditional's fail case
            self._fail(step, err)

    def _open_items(self, step: Step, items: list[dict[str, Promise]]) -> None:
        """A map over a launch plan: one step per item, each the launch plan on that item's inputs, side by side."""
        plan = step.entity.target
        step.inner, step.items = Scope({GLOBAL_START_NODE: {}}), []
        for index, given in enumerate(items):
            node = Node(str(index), step.node.metadata, [], [], plan)
            step.items.append(node)
            child = Step(node, step.inner, f"{step.key}[{index}]", step, given=given)
            self.waiting.append(child)
        step.open_children = len(items)
        if not items:
            self._complete(step, map_items.collected(step.entity, []))

    def _settle(self, step: Step, future: futures.Future) -> None:
        if self.budget is not None:
            self.budget.give_up(step.key)  # a place its attempt did not take
        try:
            outputs = future.result()
        except Exception as err:
            self._fail(step, err)
        else:
            self._complete(step, outputs)

    def _fail(self, step: Step, error: BaseException) -> None:
        """File the failure; call the on_failure handlers of the subworkflows it sits in, innermost first, once."""
        self.failures.append((step, error))
        parent = step.parent
        while parent is not None:
            if parent.inner_workflow is not None and isinstance(parent.entity, PythonTask):
                self.recorder.task(parent.key, status=TaskStatus.FAILED, end=records.now(), error=first_line(error))
            opened = parent.inner_workflow or parent.entity
            if isinstance(opened, WorkflowBase) and parent.inner is not None and parent not in self.handled:
                self.handled.add(parent)
                try:
                    failure.handle(opened, parent.inner.outputs[GLOBAL_START_NODE], error)
                except Exception as handler_error:  # the handler's own failure is the subworkflow's error
                    self.failures.append((parent, handler_error))
            parent = parent.parent

    def _complete(self, step: Step, outputs: dict[str, Promise]) -> None:
        step.scope.outputs[step.node] = outputs
        if step.inner_workflow is not None and isinstance(step.entity, PythonTask):
            self.recorder.task(step.key, status=TaskStatus.DONE, end=records.now())
        parent = step.parent
        if parent is None:
            return
        if isinstance(parent.entity, BranchNode):
            self._complete(parent, outputs)
            return
        parent.open_children -= 1
        if parent.open_children == 0 and parent.items is not None:
            outputs = [parent.inner.outputs[item] for item in parent.items]
            self._complete(parent, map_items.collected(parent.entity, outputs))
        elif parent.open_children == 0:
            self._complete(parent, self._subworkflow_outputs(parent))

    @staticmethod
    def _subworkflow_outputs(step: Step) -> dict[str, Promise]:
        bindings = (step.inner_workflow or step.entity).output_bindings
        return {b.var: Promise(b.var, get_promise(b.binding, step.inner.outputs).val) for b in bindings}

    def _skip_waiting(self) -> None:
        for step in self.waiting:
            if isinstance(step.entity, PythonTask):
                self.recorder.task(step.key, status=TaskStatus.SKIPPED)
            if self.prestart is not None:
                self.prestart.given_up(step.key)
        self.waiting.clear()
