"""The DAG as one self-contained HTML page: the SVG inline, the node details as JSON, a small script.

Nothing is fetched: no CDN, no font, no image, so the page works offline and can be mailed to a stakeholder.
Hovering over or clicking a node shows its settings, inputs and outputs in the side panel.
"""

from __future__ import annotations

from flowjobs import html_pages
from flowjobs.graph.compiled import short_name
from flowjobs.graph.model import Graph
from flowjobs.graph.svg import render_svg

_TEMPLATE = html_pages.template("flowjobs.graph", "page.html")


def node_details(graph: Graph) -> dict[str, dict]:
    """What the panel shows for each node, by the node's id in the SVG."""
    return {
        node.id: {
            "title": node.label,
            "kind": node.kind.description,
            "settings": node.details,
            "inputs": node.inputs,
            "outputs": node.outputs,
        }
        for node in graph.walk()
    }


def render_html(graph: Graph, source: str, execution: str = "", verdict: str = "") -> str:
    """The page; `execution` (a line naming an execution and how it ended) makes it that execution's view, and
    `verdict` (its outcome in a sentence, from its parent run) is shown under it."""
    return _TEMPLATE.render(
        execution=execution,
        verdict=verdict,
        label=short_name(graph.name),
        workflow=graph.name,
        source=source,
        node_count=sum(1 for _ in graph.walk()),
        edge_count=sum(1 for _ in graph.all_edges()),
        svg=render_svg(graph),
        details=node_details(graph),
    )
