"""The DAG as Mermaid text: diffable, and drawn by any Markdown viewer that renders mermaid blocks.

Clusters become subgraphs, edges carry the values they pass, and each node's text is its task, tier and script.
"""

from __future__ import annotations

import re

from flowjobs.graph.model import Graph, Node, NodeKind

SHAPES = {
    NodeKind.INPUTS: ('(["', '"])'),
    NodeKind.OUTPUTS: ('(["', '"])'),
    NodeKind.FAIL: ('{{"', '"}}'),
    NodeKind.TASK: ('("', '")'),
}
CLASSES = {
    "job": "fill:#ebf4ff,stroke:#3b6fb6",
    "task": "fill:#effaf1,stroke:#2f855a",
    "inputs": "fill:#f4f4f5,stroke:#71717a",
    "outputs": "fill:#f4f4f5,stroke:#71717a",
    "fail": "fill:#fdecea,stroke:#c53030",
}


def mermaid_id(node_id: str) -> str:
    """Mermaid reads `end` and dashes specially; a prefix and underscores keep every id a plain name."""
    return "N_" + re.sub(r"\W", "_", node_id)


def _text(*lines: str) -> str:
    return "<br/>".join(line.replace('"', "#quot;") for line in lines)


def _node_lines(node: Node, indent: str) -> list[str]:
    if node.cluster is not None:
        lines = [f'{indent}subgraph {mermaid_id(node.id)}["{_text(node.heading)}"]', f"{indent}  direction TB"]
        lines += _graph_lines(node.cluster, indent + "  ")
        return [*lines, f"{indent}end"]
    start, end = SHAPES.get(node.kind, ('["', '"]'))
    guard = [f"<i>{node.guard}</i>"] if node.guard else []
    text = _text(*guard, f"<b>{node.label}</b>", *node.lines)
    return [f"{indent}{mermaid_id(node.id)}{start}{text}{end}:::{node.kind}"]


def _graph_lines(graph: Graph, indent: str) -> list[str]:
    lines = [line for node in graph.nodes for line in _node_lines(node, indent)]
    for edge in graph.edges:
        label = _text(*edge.label.split("\n"))
        lines.append(f'{indent}{mermaid_id(edge.source)} -->|"{label}"| {mermaid_id(edge.target)}')
    return lines


def render_mermaid(graph: Graph) -> str:
    lines = ["flowchart TD", *_graph_lines(graph, "  ")]
    lines += [f"  classDef {name} {style}" for name, style in CLASSES.items()]
    return "\n".join(lines) + "\n"
