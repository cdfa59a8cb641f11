"""The DAG as one self-contained HTML page: the SVG inline, the node details as JSON, a small script.

Nothing is fetched: no CDN, no font, no image, so the page works offline and can be mailed to a stakeholder.
Hovering over or clicking a node shows its settings, inputs and outputs in the side panel.
"""

from __future__ import annotations

from importlib.resources import files

from jinja2 import Environment

from helpers.graph.compiled import short_name
from helpers.graph.model import Graph
from helpers.graph.svg import render_svg

_ENVIRONMENT = Environment(autoescape=True, keep_trailing_newline=True)
_ENVIRONMENT.policies["json.dumps_kwargs"] = {"sort_keys": False}  # the panel lists settings in the model's order
_TEMPLATE = _ENVIRONMENT.from_string(files("helpers.graph").joinpath("page.html").read_text(encoding="utf-8"))


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


def render_html(graph: Graph, source: str) -> str:
    return _TEMPLATE.render(
        label=short_name(graph.name),
        workflow=graph.name,
        source=source,
        node_count=sum(1 for _ in graph.walk()),
        edge_count=sum(1 for _ in graph.all_edges()),
        svg=render_svg(graph),
        details=node_details(graph),
    )
