"""A top-to-bottom layered layout in pure Python: no Graphviz binary to install anywhere the picture is drawn.

Nodes sit in rows by their depth in the DAG (graphlib gives the topological order). Every edge gets a label
box in the row just above its target, and long edges pass through spacer points in the rows they cross, so
labels never collide and edges never run through a box. Rows are ordered by the barycentre heuristic; a
cluster is laid out on its own first and then placed as one big box. Text is measured for a monospace font.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass, field

from flowjobs.graph.model import FOLD_AFTER, LINE_CHARS, Edge, Graph, Node, NodeKind

CHAR_WIDTH = {"label": 7.9, "text": 7.3, "guard": 7.3}  # 13 px bold, 12 px: no text is drawn smaller
LINE_HEIGHT = {"label": 17, "text": 15, "guard": 15}
NODE_PAD_X, NODE_PAD_Y = 12, 8
CLUSTER_PAD, CLUSTER_HEADER = 14, 26
COLUMN_GAP, ROW_GAP, SPACER = 22, 20, 6
LABEL_PAD = 4
SWEEPS = 4


@dataclass
class Box:
    x: float
    y: float
    width: float
    height: float

    def moved(self, dx: float, dy: float) -> Box:
        return Box(self.x + dx, self.y + dy, self.width, self.height)

    @property
    def center_x(self) -> float:
        return self.x + self.width / 2


@dataclass
class PlacedEdge:
    edge: Edge
    points: list[tuple[float, float]]
    label: Box

    def moved(self, dx: float, dy: float) -> PlacedEdge:
        points = [(x + dx, y + dy) for x, y in self.points]
        return PlacedEdge(self.edge, points, self.label.moved(dx, dy))


@dataclass
class Layout:
    width: float
    height: float
    boxes: dict[str, Box] = field(default_factory=dict)
    edges: list[PlacedEdge] = field(default_factory=list)


def text_lines(node: Node) -> list[tuple[str, str]]:
    """The node's text as (style, line) pairs, top to bottom; long lines cut, a long list of lines folded (the
    whole text is in the node's tooltip and the page's panel)."""
    lines = [("guard", node.guard)] if node.guard else []
    body = [line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…" for line in node.lines]
    if node.kind == NodeKind.INPUTS and len(body) > 2 * FOLD_AFTER + 1:  # at most 5 lines
        body = [*body[: 2 * FOLD_AFTER], f"… {len(body) - 2 * FOLD_AFTER} more (click)"]
    return [*lines, ("label", node.label), *(("text", line) for line in body)]


def text_width(style: str, text: str) -> float:
    return len(text) * CHAR_WIDTH[style]


def node_size(node: Node) -> tuple[float, float]:
    lines = text_lines(node)
    width = max(text_width(style, text) for style, text in lines) + 2 * NODE_PAD_X
    return width, sum(LINE_HEIGHT[style] for style, _ in lines) + 2 * NODE_PAD_Y


def cluster_size(node: Node, inner: Layout) -> tuple[float, float]:
    width = max(inner.width, text_width("label", node.heading) + 2 * NODE_PAD_X)
    return width + 2 * CLUSTER_PAD, inner.height + CLUSTER_HEADER + CLUSTER_PAD


def label_size(edge: Edge) -> tuple[float, float]:
    lines = edge.drawn_label.split("\n")
    width = max(text_width("text", line) for line in lines) + 2 * LABEL_PAD
    return width, len(lines) * LINE_HEIGHT["text"] + 2 * LABEL_PAD


@dataclass
class _Item:
    """One thing in a row: a node, an edge's label, or a spacer a long edge passes through."""

    key: str
    width: float
    height: float
    above: list[str] = field(default_factory=list)
    x: float = 0.0


def _depths(graph: Graph) -> dict[str, int]:
    """Rows as late as the DAG allows (each node right above its first consumer), inputs first, outputs last."""
    ids = [node.id for node in graph.nodes]
    sorter = graphlib.TopologicalSorter({node_id: set() for node_id in ids})
    for edge in graph.edges:
        sorter.add(edge.target, edge.source)
    order = list(sorter.static_order())
    depth = dict.fromkeys(ids, 0)
    for node_id in order:
        for edge in graph.edges:
            if edge.source == node_id:
                depth[edge.target] = max(depth[edge.target], depth[node_id] + 1)
    kinds = {node.id: node.kind for node in graph.nodes}
    last = max(depth.values(), default=0)
    for node_id in reversed(order):
        consumers = [depth[edge.target] for edge in graph.edges if edge.source == node_id]
        if kinds[node_id] == NodeKind.OUTPUTS:
            depth[node_id] = max(last, 1)
        elif kinds[node_id] != NodeKind.INPUTS and consumers:
            depth[node_id] = min(consumers) - 1
    return depth


def _rows(graph: Graph, sizes: dict[str, tuple[float, float]]) -> tuple[list[list[_Item]], dict[int, list[str]]]:
    """Nodes on even rows, each edge's label on the row above its target, spacers on the rows between."""
    depth = _depths(graph)
    rows: list[list[_Item]] = [[] for _ in range(2 * max(depth.values(), default=0) + 1)]
    for node in graph.nodes:
        rows[2 * depth[node.id]].append(_Item(node.id, *sizes[node.id]))
    chains: dict[int, list[str]] = {}
    items = {item.key: item for row in rows for item in row}
    for index, edge in enumerate(graph.edges):
        chain = [edge.source]
        for row in range(2 * depth[edge.source] + 1, 2 * depth[edge.target]):
            is_label = row == 2 * depth[edge.target] - 1
            item = _Item(
                f"{'label' if is_label else 'spacer'}:{index}:{row}",
                *(label_size(edge) if is_label else (SPACER, SPACER)),
            )
            item.above.append(chain[-1])
            rows[row].append(item)
            items[item.key] = item
            chain.append(item.key)
        items[edge.target].above.append(chain[-1])
        chains[index] = [*chain, edge.target]
    _order(rows, items)
    return rows, chains


def _order(rows: list[list[_Item]], items: dict[str, _Item]) -> None:
    """Barycentre sweeps: each item moves towards the mean position of the items it connects to."""
    below: dict[str, list[str]] = {key: [] for key in items}
    for item in items.values():
        for upper in item.above:
            below[upper].append(item.key)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        sequence = rows[1:] if downward else rows[-2::-1]
        for row_index, row in enumerate(sequence):
            neighbours = rows[row_index] if downward else rows[len(rows) - 1 - row_index]
            position = {item.key: i for i, item in enumerate(neighbours)}
            for i, item in enumerate(row):
                linked = [position[key] for key in (item.above if downward else below[item.key]) if key in position]
                item.x = sum(linked) / len(linked) if linked else i
            row.sort(key=lambda item: item.x)


def _place_row(row: list[_Item], wanted: list[float]) -> None:
    """Centres as close to `wanted` as the row allows without overlap: the mean of a push right and a push left."""
    right, left = list(wanted), list(wanted)
    for i in range(1, len(row)):
        right[i] = max(right[i], right[i - 1] + (row[i - 1].width + row[i].width) / 2 + COLUMN_GAP)
    for i in range(len(row) - 2, -1, -1):
        left[i] = min(left[i], left[i + 1] - (row[i].width + row[i + 1].width) / 2 - COLUMN_GAP)
    for i, item in enumerate(row):
        item.x = (right[i] + left[i]) / 2


def layout(graph: Graph) -> Layout:
    """Boxes and edge paths for `graph` and every cluster in it, in one coordinate system from (0, 0)."""
    inner = {node.id: layout(node.cluster) for node in graph.nodes if node.cluster is not None}
    sizes = {
        node.id: cluster_size(node, inner[node.id]) if node.id in inner else node_size(node) for node in graph.nodes
    }
    rows, chains = _rows(graph, sizes)
    centers: dict[str, float] = {}
    for row in rows:
        wanted = []
        for i, item in enumerate(row):
            linked = [centers[key] for key in item.above if key in centers]
            wanted.append(sum(linked) / len(linked) if linked else i * (item.width + COLUMN_GAP))
        _place_row(row, wanted)
        centers.update({item.key: item.x for item in row})
    left = min((item.x - item.width / 2 for row in rows for item in row), default=0.0)
    boxes: dict[str, Box] = {}
    y = 0.0
    for row in rows:
        height = max((item.height for item in row), default=0.0)
        for item in row:
            boxes[item.key] = Box(
                item.x - item.width / 2 - left, y + (height - item.height) / 2, item.width, item.height
            )
            if item.key.startswith(("label:", "spacer:")):
                boxes[item.key].y, boxes[item.key].height = y - ROW_GAP / 2, height + ROW_GAP
        y += height + ROW_GAP
    result = Layout(max((box.x + box.width for box in boxes.values()), default=0.0), max(y - ROW_GAP, 0.0))
    for index, edge in enumerate(graph.edges):
        chain = chains[index]
        points = [(boxes[chain[0]].center_x, boxes[chain[0]].y + boxes[chain[0]].height)]
        for key in chain[1:-1]:
            points += [(boxes[key].center_x, boxes[key].y), (boxes[key].center_x, boxes[key].y + boxes[key].height)]
        points.append((boxes[chain[-1]].center_x, boxes[chain[-1]].y))
        label = boxes[chain[-2]]
        width, height = label_size(edge)
        label_box = Box(label.center_x - width / 2, label.y + (label.height - height) / 2, width, height)
        result.edges.append(PlacedEdge(edge, points, label_box))
    for node in graph.nodes:
        box = boxes[node.id]
        result.boxes[node.id] = box
        if node.id in inner:
            dx, dy = box.x + (box.width - inner[node.id].width) / 2, box.y + CLUSTER_HEADER
            result.boxes.update({key: child.moved(dx, dy) for key, child in inner[node.id].boxes.items()})
            result.edges += [placed.moved(dx, dy) for placed in inner[node.id].edges]
    return result
