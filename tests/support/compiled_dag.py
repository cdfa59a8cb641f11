"""What a DAG picture must show, read straight from flytekit's compiled workflow (not from flowjobs.graph).

The graph tests compare the drawing with this: one box per compiled node plus the workflow's inputs and
outputs, one arrow per (upstream, downstream) pair found in the bindings, each naming the values it passes.
"""

from __future__ import annotations

from collections import defaultdict

from flytekit.core.workflow import WorkflowBase

from tests.support.project import PROJECT_ROOT

SAMPLE_FLOW = PROJECT_ROOT / "flows" / "sample_flow.py"
CONSTRUCTS_FLOW = PROJECT_ROOT / "tests" / "support" / "constructs_flow.py"


def expected_nodes(workflow: WorkflowBase) -> set[str]:
    return {node.id for node in workflow.nodes} | {"start-node", "end-node"}


def expected_edges(workflow: WorkflowBase) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(source, target) → the (output, input) names bound between them (top-level promises)."""
    edges: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    targets = [(node.id, node.bindings) for node in workflow.nodes] + [("end-node", workflow.output_bindings)]
    for target, bindings in targets:
        for binding in bindings:
            promise = binding.binding.promise
            if promise is not None:
                edges[(promise.node_id or "start-node", target)].add((promise.var, binding.var))
    return dict(edges)


def value_names(output: str, input_name: str) -> str:
    """How an edge label names a value: `output → input`, or the one name when both are the same."""
    return output if output == input_name else f"{output} → {input_name}"
