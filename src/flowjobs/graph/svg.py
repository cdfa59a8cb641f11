"""The DAG as a standalone SVG: readable in a README, in a browser, and inlined in the HTML page.

Every node is a `<g class="node" data-node-id=…>` (clusters too, with the class `cluster`), every edge a
`<g class="edge" data-source=… data-target=…>`, so a page script and a browser test find them by id. The
output is byte-for-byte stable for the same workflow: the README's pictures are compared with a fresh drawing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flowjobs.graph.layout import CLUSTER_HEADER, LINE_HEIGHT, NODE_PAD_X, NODE_PAD_Y, Box, Layout, layout, text_lines
from flowjobs.graph.model import Graph, Node

MARGIN = 16
FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
STYLE = (
    f"text {{ font-family: {FONT}; font-size: 12px; fill: #1f2933; }}\n"
    + """
.label { font-size: 13px; font-weight: bold; }
.guard { font-size: 12px; font-style: italic; fill: #7b341e; }
.node rect { stroke-width: 1.4; }
.kind-job rect { fill: #ebf4ff; stroke: #3b6fb6; }
.kind-task rect { fill: #effaf1; stroke: #2f855a; }
.kind-inputs rect, .kind-outputs rect { fill: #f4f4f5; stroke: #71717a; }
.kind-fail rect { fill: #fdecea; stroke: #c53030; }
.cluster rect { fill: #fbfaf5; stroke: #a0896b; stroke-dasharray: 6 3; }
.kind-branch rect { fill: #fff8ec; stroke: #c05621; }
.kind-dynamic rect, .kind-map rect { fill: #f6f1fd; stroke: #6b46c1; }
.edge path { fill: none; stroke: #52606d; stroke-width: 1.3; }
.edge rect { fill: #ffffff; fill-opacity: 0.92; }
.edge text { font-size: 12px; fill: #3e4c59; }
.node.selected rect { stroke: #d69e2e; stroke-width: 3; }
.status-done rect, .status-succeeded rect { fill: #e3f9e5; stroke: #2f855a; stroke-width: 2.4; }
.status-cached rect, .status-resumed rect { fill: #e6fffa; stroke: #2c7a7b; stroke-width: 2.4; stroke-dasharray: 5 2; }
.status-failed rect, .status-interrupted rect, .status-killed rect {
  fill: #fde8e8; stroke: #c53030; stroke-width: 2.4; }
.status-running rect { fill: #ebf8ff; stroke: #2b6cb0; stroke-width: 2.4; }
.status-skipped rect, .status-pending rect, .status-not-run rect {
  fill: #f4f4f5; stroke: #a1a1aa; stroke-dasharray: 2 3; }
.status-skipped text, .status-pending text, .status-not-run text { fill: #71717a; }
.status-skipped rect { stroke-dasharray: 6 4; }
.node { cursor: pointer; }
"""
)


def _number(value: float) -> str:
    return f"{round(value, 1):g}"


def detail_rows(node: Node) -> list[tuple[str, str]]:
    """What a node's tooltip and the page's panel show: its settings, then its inputs and outputs."""
    rows = list(node.details.items())
    rows += [("input", f"{name}: {kind}") for name, kind in node.inputs.items()]
    rows += [("output", f"{name}: {kind}") for name, kind in node.outputs.items()]
    return rows


def _rect(parent: ET.Element, box: Box, radius: float) -> None:
    ET.SubElement(
        parent,
        "rect",
        x=_number(box.x),
        y=_number(box.y),
        width=_number(box.width),
        height=_number(box.height),
        rx=_number(radius),
    )


def _text(parent: ET.Element, x: float, y: float, style: str, content: str, anchor: str = "middle") -> None:
    element = ET.SubElement(parent, "text", {"x": _number(x), "y": _number(y), "class": style, "text-anchor": anchor})
    element.text = content


def _node(parent: ET.Element, node: Node, box: Box) -> None:
    classes = f"node kind-{node.kind}" + (" cluster" if node.cluster is not None else "")
    classes += f" status-{node.status}" if node.status else ""
    group = ET.SubElement(parent, "g", {"class": classes, "data-node-id": node.id, "data-kind": node.kind})
    group.set("tabindex", "0")
    ET.SubElement(group, "title").text = "\n".join(
        [
            node.heading if node.cluster is not None else node.label,
            *(f"{key}: {value}" for key, value in detail_rows(node)),
        ]
    )
    rounded = node.kind in ("inputs", "outputs")
    _rect(group, box, 16 if rounded else 6)
    if node.cluster is not None:
        _text(group, box.x + NODE_PAD_X, box.y + CLUSTER_HEADER - 9, "label", node.heading, anchor="start")
        return
    y = box.y + NODE_PAD_Y
    for style, line in text_lines(node):
        y += LINE_HEIGHT[style]
        _text(group, box.center_x, y - 4, style, line)


def _path(points: list[tuple[float, float]]) -> str:
    """Vertical S-curves between consecutive points: smooth, and straight where an edge passes a label."""
    (x0, y0), *rest = points
    parts = [f"M{_number(x0)},{_number(y0)}"]
    for x1, y1 in rest:
        middle = _number((y0 + y1) / 2)
        parts.append(f"C{_number(x0)},{middle} {_number(x1)},{middle} {_number(x1)},{_number(y1)}")
        x0, y0 = x1, y1
    return " ".join(parts)


def _edges(parent: ET.Element, drawn: Layout) -> None:
    for placed in drawn.edges:
        edge = placed.edge
        group = ET.SubElement(parent, "g", {"class": "edge", "data-source": edge.source, "data-target": edge.target})
        ET.SubElement(group, "title").text = f"{edge.source} → {edge.target}\n{edge.label}"
        ET.SubElement(group, "path", {"d": _path(placed.points), "marker-end": "url(#arrow)"})
        _rect(group, placed.label, 3)
        y = placed.label.y + 4
        for line in edge.drawn_label.split("\n"):
            y += LINE_HEIGHT["text"]
            _text(group, placed.label.center_x, y - 4, "value", line)


def render_svg(graph: Graph) -> str:
    drawn = layout(graph)
    width, height = drawn.width + 2 * MARGIN, drawn.height + 2 * MARGIN
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": _number(width),
            "height": _number(height),
            "viewBox": f"0 0 {_number(width)} {_number(height)}",
            "role": "img",
            "aria-label": f"DAG of the workflow {graph.name}",
            "data-workflow": graph.name,
        },
    )
    ET.SubElement(svg, "title").text = f"workflow {graph.name}"
    ET.SubElement(svg, "style").text = STYLE
    marker = ET.SubElement(
        ET.SubElement(svg, "defs"),
        "marker",
        id="arrow",
        viewBox="0 0 10 10",
        refX="10",
        refY="5",
        markerWidth="7",
        markerHeight="7",
        orient="auto-start-reverse",
    )
    ET.SubElement(marker, "path", d="M0,0 L10,5 L0,10 z", fill="#52606d")
    canvas = ET.SubElement(svg, "g", transform=f"translate({MARGIN},{MARGIN})")
    ET.SubElement(
        canvas,
        "rect",
        {
            "x": _number(-MARGIN),
            "y": _number(-MARGIN),
            "width": _number(width),
            "height": _number(height),
            "fill": "#ffffff",
        },
    )
    nodes = list(graph.walk())
    for node in nodes:
        if node.cluster is not None:
            _node(canvas, node, drawn.boxes[node.id])
    _edges(canvas, drawn)
    for node in nodes:
        if node.cluster is None:
            _node(canvas, node, drawn.boxes[node.id])
    ET.indent(svg)
    return ET.tostring(svg, encoding="unicode") + "\n"
