"""The DAG of a compiled Flyte workflow, read from flytekit's own objects — never from a hand-kept list.

A workflow compiles into nodes, each with its entity (task, subworkflow, launch plan, conditional, map task),
its bindings (which upstream output feeds which input) and its upstream nodes; that is what Flyte registers.
Job tasks carry their spec (command, tier, typed inputs and outputs, cache, retries, timeout), shown as is.
"""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass

from flytekit import FlyteContextManager
from flytekit.core.array_node_map_task import ArrayNodeMapTask
from flytekit.core.base_task import PythonTask
from flytekit.core.condition import BranchNode
from flytekit.core.constants import END_NODE_ID, GLOBAL_INPUT_NODE_ID, START_NODE_ID
from flytekit.core.launch_plan import LaunchPlan
from flytekit.core.python_function_task import PythonFunctionTask
from flytekit.core.type_engine import TypeEngine
from flytekit.core.workflow import (
    PythonFunctionWorkflow,
    WorkflowBase,
    WorkflowFailurePolicy,
    WorkflowMetadata,
    WorkflowMetadataDefaults,
)
from flytekit.models.core.condition import ComparisonExpression, ConjunctionExpression

from flowjobs import task_kinds, tiers
from flowjobs.graph.model import Edge, Graph, Node, NodeKind, Value
from flowjobs.settings import project_root
from flowjobs.value_types import UnsupportedTypeError, to_token

_COMPARE = {
    ComparisonExpression.Operator.EQ: "==",
    ComparisonExpression.Operator.NEQ: "!=",
    ComparisonExpression.Operator.GT: ">",
    ComparisonExpression.Operator.GTE: ">=",
    ComparisonExpression.Operator.LT: "<",
    ComparisonExpression.Operator.LTE: "<=",
}
_CONJUNCTION = {ConjunctionExpression.LogicalOperator.AND: "and", ConjunctionExpression.LogicalOperator.OR: "or"}


def type_name(python_type: typing.Any) -> str:
    """The I/O contract's token for the types job tasks carry (file:csv, list[float]); Python's name otherwise."""
    try:
        return to_token(python_type)
    except UnsupportedTypeError:
        return getattr(python_type, "__name__", None) or str(python_type).replace("typing.", "")


def _type_names(variables: dict) -> dict[str, str]:
    return {name: type_name(kind) for name, kind in variables.items()}


def short_name(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def relative(path: typing.Any) -> str:
    """A path under the project root as the project names it, so pictures do not depend on the checkout."""
    text = str(path)
    root = f"{project_root()}/"
    return text.removeprefix(root) if text.startswith(root) else text


def _default_text(value: typing.Any) -> str:
    return relative(getattr(value, "path", value))


def _promises(binding_data) -> typing.Iterator:
    """Every upstream reference in a binding, also inside lists and dicts of promises."""
    if binding_data.promise is not None:
        yield binding_data.promise
    for item in binding_data.collection.bindings if binding_data.collection is not None else ():
        yield from _promises(item)
    for item in binding_data.map.bindings.values() if binding_data.map is not None else ():
        yield from _promises(item)


@dataclass
class _Case:
    """One arm of a conditional: the node it runs, or the error it fails with."""

    keyword: str
    condition: typing.Any = None
    node: typing.Any = None
    error: str = ""


def _cases(branch: BranchNode) -> list[_Case]:
    block = branch._ifelse_block  # flytekit keeps the compiled if/elif/else block here
    cases = [_Case("if", block.case.condition, block.case.then_node)]
    cases += [_Case("elif", case.condition, case.then_node) for case in block.other or []]
    if block.else_node is not None:
        return [*cases, _Case("else", node=block.else_node)]
    return [*cases, _Case("else", error=block.error.message if block.error else "fails")]


def _scope_bindings(node) -> list:
    """A node's bindings; a conditional's also holds those of the nodes its cases run (they read this scope)."""
    bindings = list(node.bindings)
    if isinstance(node.flyte_entity, BranchNode):
        for case in _cases(node.flyte_entity):
            bindings += _scope_bindings(case.node) if case.node is not None else []
    return bindings


def _outputs_of(entity) -> dict[str, typing.Any]:
    if isinstance(entity, BranchNode):
        return _outputs_of(_cases(entity)[0].node.flyte_entity)
    interface = getattr(entity, "python_interface", None)
    return dict(interface.outputs) if interface is not None else {}


def _condition_labels(nodes: list, label: typing.Callable) -> dict[str, str]:
    """How a condition names the nodes it reads: by label, with the node id where two share a label."""
    names = [label(node.flyte_entity) for node in nodes]
    labels = {GLOBAL_INPUT_NODE_ID: "", START_NODE_ID: ""}
    labels.update(
        {
            node.id: name if names.count(name) == 1 else f"{name}[{node.id}]"
            for node, name in zip(nodes, names, strict=True)
        }
    )
    return labels


def _cache_text(cache: bool, version: str) -> str:
    return f"on (version {version})" if cache and version else ("on" if cache else "off")


def _timeout_text(seconds: float | None) -> str:
    return f"{seconds:g} s" if seconds else "none"


def _resources_text(task: PythonTask) -> str:
    resources = getattr(task, "resources", None)
    parts = []
    for what in ("requests", "limits"):
        values = getattr(resources, what, None)
        named = {key: getattr(values, key) for key in ("cpu", "mem", "gpu") if getattr(values, key, None)}
        if named:
            parts.append(f"{what} " + ", ".join(f"{key} {value}" for key, value in named.items()))
    return "; ".join(parts) or "flytekit's defaults"


def _tier_text(tier: tiers.Tier) -> str:
    name = tier.name
    gpu = f", {tier.gpu} × {tier.accelerator}" if tier.gpu else ""
    return f"{name} (cpu {tier.cpu.request}/{tier.cpu.limit}, memory {tier.memory.request}/{tier.memory.limit}{gpu})"


class Extractor:
    """Walks one compiled workflow; values known before a run (constants, defaults) expand @dynamic nodes."""

    def graph(self, workflow: WorkflowBase, prefix: str = "", known: dict | None = None) -> Graph:
        interface = workflow.python_interface
        known = dict(interface.default_inputs_as_kwargs if known is None else known)
        graph = Graph(workflow.name)
        labels = _condition_labels(workflow.nodes, self._label)
        types = {START_NODE_ID: dict(interface.inputs)}
        types.update({node.id: _outputs_of(node.flyte_entity) for node in workflow.nodes})
        if interface.inputs:
            graph.nodes.append(self._inputs_node(prefix, interface.inputs, known))
        for node in workflow.nodes:
            graph.nodes.append(self.node(node, prefix, labels, self._known_inputs(node, interface, known)))
            self._add_edges(graph, prefix, _scope_bindings(node), prefix + node.id, types)
        if interface.outputs:
            lines = [f"{name}: {type_name(kind)}" for name, kind in interface.outputs.items()]
            graph.nodes.append(Node(prefix + END_NODE_ID, NodeKind.OUTPUTS, "outputs", lines))
            self._add_edges(graph, prefix, workflow.output_bindings, prefix + END_NODE_ID, types)
        return graph

    def _inputs_node(self, prefix: str, inputs: dict, known: dict) -> Node:
        lines = []
        for name, kind in inputs.items():
            default = f" = {_default_text(known[name])}" if name in known else ""
            lines.append(f"{name}: {type_name(kind)}{default}")
        return Node(prefix + START_NODE_ID, NodeKind.INPUTS, "inputs", lines)

    def _add_edges(self, graph: Graph, prefix: str, bindings: list, target: str, types: dict) -> None:
        for binding in bindings:
            for promise in _promises(binding.binding):
                upstream = promise.node_id or START_NODE_ID
                source = prefix + upstream
                edge = next((e for e in graph.edges if (e.source, e.target) == (source, target)), None)
                if edge is None:
                    edge = Edge(source, target)
                    graph.edges.append(edge)
                input_name = promise.var if binding.var == f"{promise.node_id}.{promise.var}" else binding.var
                value = Value(promise.var, input_name, type_name(types[upstream].get(promise.var)))
                if value not in edge.values:
                    edge.values.append(value)

    def _known_inputs(self, node, interface, known: dict) -> dict:
        """The node's inputs whose values are known before a run: constants and the workflow's defaults."""
        values = {}
        ctx = FlyteContextManager.current_context()
        entity_inputs = getattr(getattr(node.flyte_entity, "python_interface", None), "inputs", {})
        for binding in node.bindings:
            data = binding.binding
            if data.promise is not None and data.promise.node_id in (GLOBAL_INPUT_NODE_ID, START_NODE_ID):
                if data.promise.var in known:
                    values[binding.var] = known[data.promise.var]
            elif data.scalar is not None and binding.var in entity_inputs:
                literal = data.to_literal_model()
                values[binding.var] = TypeEngine.to_python_value(ctx, literal, entity_inputs[binding.var])
        return values

    def _label(self, entity) -> str:
        return short_name(entity.name if not isinstance(entity, ArrayNodeMapTask) else entity.python_function_task.name)

    def node(self, node, prefix: str, labels: dict, known: dict, guard: str = "") -> Node:
        entity = node.flyte_entity
        node_id = prefix + node.id
        interface = getattr(entity, "python_interface", None)
        drawn = self._entity_node(entity, node_id, labels, known)
        drawn.guard = guard
        drawn.inputs = drawn.inputs or _type_names(interface.inputs if interface is not None else {})
        drawn.outputs = drawn.outputs or _type_names(_outputs_of(entity))
        drawn.details = {"node": node.id, **({"runs when": guard} if guard else {}), **drawn.details}
        return drawn

    def _entity_node(self, entity, node_id: str, labels: dict, known: dict) -> Node:
        label = self._label(entity)
        drawing = task_kinds.kind_of(entity).drawing if isinstance(entity, PythonTask) else None
        if drawing is not None:
            return self._drawn_node(entity, drawing(entity), node_id)
        if isinstance(entity, BranchNode):
            return Node(node_id, NodeKind.BRANCH, label, ["conditional"], cluster=self._branch(entity, node_id, labels))
        if isinstance(entity, LaunchPlan):
            details = {"launch plan": entity.name, "workflow": entity.workflow.name}
            cluster = self.graph(entity.workflow, f"{node_id}-", known)
            return Node(node_id, NodeKind.LAUNCH_PLAN, label, ["launch plan"], details=details, cluster=cluster)
        if isinstance(entity, WorkflowBase):
            cluster = self.graph(entity, f"{node_id}-", known)
            return Node(
                node_id, NodeKind.WORKFLOW, label, ["subworkflow"], details={"workflow": entity.name}, cluster=cluster
            )
        if isinstance(entity, ArrayNodeMapTask):
            return self._map_node(entity, node_id)
        if isinstance(entity, PythonFunctionTask) and entity.execution_mode == entity.ExecutionBehavior.DYNAMIC:
            return self._dynamic_node(entity, node_id, known)
        return self._task_node(entity, node_id)

    def _drawn_node(self, task: PythonTask, drawn: task_kinds.Drawing, node_id: str) -> Node:
        """A task whose kind says how it is drawn (a job task: its tier, command and script)."""
        script = relative(drawn.script) if drawn.script else ""
        details = {
            "task": task.name,
            "type": drawn.type_label,
            "tier": _tier_text(drawn.tier) if drawn.tier is not None else "none",
            "command": drawn.command,
            "script": script or "none",
            "cache": _cache_text(drawn.cache, f"{drawn.cache_version} + script hash" if drawn.cache_version else ""),
            "retries": str(drawn.retries),
            "timeout": _timeout_text(drawn.timeout_seconds),
            **drawn.more,
        }
        tier = drawn.tier.name if drawn.tier is not None else ""
        subtitle = " · ".join(filter(None, [tier, script or drawn.command]))
        return Node(
            node_id,
            NodeKind(drawn.node_kind),
            short_name(task.name),
            [subtitle],
            details=details,
            inputs=dict(drawn.inputs),
            outputs=dict(drawn.outputs),
        )

    def _task_node(self, task, node_id: str, kind: NodeKind = NodeKind.TASK, decorator: str = "@task") -> Node:
        function = getattr(task, "task_function", None)
        source = relative(inspect.getsourcefile(function)) if function is not None else type(task).__name__
        metadata = getattr(task, "metadata", None)
        details = {
            "task": task.name,
            "type": decorator,
            "source": source,
            "resources": _resources_text(task),
            "cache": _cache_text(bool(getattr(metadata, "cache", False)), getattr(metadata, "cache_version", "")),
            "retries": str(getattr(metadata, "retries", 0)),
            "timeout": _timeout_text(metadata.timeout.total_seconds() if getattr(metadata, "timeout", None) else None),
        }
        return Node(node_id, kind, self._label(task), [f"{decorator} · {source}"], details=details)

    def _map_node(self, task: ArrayNodeMapTask, node_id: str) -> Node:
        mapped = task.python_function_task
        inner = self._entity_node(mapped, f"{node_id}-task", {}, {})  # a job task mapped shows its own spec
        inner.inputs = inner.inputs or _type_names(mapped.python_interface.inputs)
        inner.outputs = inner.outputs or _type_names(mapped.python_interface.outputs)
        details = {
            "task": task.name,
            "type": "map task: one run of the task per list item",
            "concurrency": str(task.concurrency) if task.concurrency else "unlimited",
            "min success ratio": f"{task.min_success_ratio:g}",
        }
        cluster = Graph(task.name, nodes=[inner])
        return Node(node_id, NodeKind.MAP, inner.label, ["map task"], details=details, cluster=cluster)

    def _dynamic_node(self, task: PythonFunctionTask, node_id: str, known: dict) -> Node:
        drawn = self._task_node(task, node_id, NodeKind.DYNAMIC, "@dynamic")
        drawn.lines = ["@dynamic"]
        missing = [name for name in task.python_interface.inputs if name not in known]
        if missing:
            reason = f"decided at run time from {', '.join(missing)}"
            placeholder = Node(f"{node_id}-runtime", NodeKind.TASK, "fan-out", [reason])
            drawn.cluster = Graph(task.name, nodes=[placeholder])
            drawn.details["fan-out"] = reason
            return drawn
        # The body only wires nodes; with every input known before the run it compiles as Flyte would compile it.
        body = PythonFunctionWorkflow(
            task.task_function,
            metadata=WorkflowMetadata(on_failure=WorkflowFailurePolicy.FAIL_IMMEDIATELY),
            default_metadata=WorkflowMetadataDefaults(interruptible=False),
        )
        body.compile(**known)
        drawn.cluster = self.graph(body, f"{node_id}-", known)
        drawn.details["fan-out"] = "drawn for the default inputs; decided at run time"
        return drawn

    def _branch(self, branch: BranchNode, node_id: str, labels: dict) -> Graph:
        graph = Graph(branch.name)
        for case in _cases(branch):
            guard = f"{case.keyword} {self._condition(case.condition, labels)}" if case.condition else case.keyword
            if case.node is None:
                graph.nodes.append(Node(f"{node_id}-fail", NodeKind.FAIL, "fail", [case.error], guard=guard))
            else:
                graph.nodes.append(self.node(case.node, f"{node_id}-", labels, {}, guard=guard))
        return graph

    def _condition(self, expression, labels: dict) -> str:
        if expression.conjunction is not None:
            conjunction = expression.conjunction
            left = self._condition(conjunction.left_expression, labels)
            right = self._condition(conjunction.right_expression, labels)
            return f"({left} {_CONJUNCTION[conjunction.operator]} {right})"
        comparison = expression.comparison
        left, right = (self._operand(side, labels) for side in (comparison.left_value, comparison.right_value))
        return f"{left} {_COMPARE[comparison.operator]} {right}"

    def _operand(self, operand, labels: dict) -> str:
        if operand.var:
            upstream, _, output = operand.var.rpartition(".")
            return f"{labels.get(upstream, upstream)}.{output}".lstrip(".")
        if operand.primitive is not None:
            return repr(operand.primitive.value)
        return "None"
