"""The picture's model: what a flow's DAG holds, independent of flytekit and of the output format.

The extractor (flowjobs/graph/compiled.py) fills it from a compiled workflow; the renderers only read it.
A cluster (subworkflow, launch plan, conditional, @dynamic fan-out, map task) is a node that holds a graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

FOLD_AFTER = 2  # values drawn on one arrow, and input pairs drawn in one box, before the rest is folded (hover or
# click shows all): a DAG of the multi-train flow's size fits a 1366×768 screen with its text at 9 px or more
LINE_CHARS = 44  # a box's text line is cut after this many characters (the whole line is in the tooltip and panel)


class GraphError(ValueError):
    """A flow file or workflow that cannot be drawn; one line naming the file, workflow or output."""


class NodeKind(StrEnum):
    INPUTS = "inputs"
    OUTPUTS = "outputs"
    JOB = "job"
    TASK = "task"
    FAIL = "fail"
    WORKFLOW = "workflow"
    LAUNCH_PLAN = "launchplan"
    BRANCH = "branch"
    DYNAMIC = "dynamic"
    MAP = "map"

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    NodeKind.INPUTS: "workflow inputs",
    NodeKind.OUTPUTS: "workflow outputs",
    NodeKind.JOB: "job task",
    NodeKind.TASK: "task",
    NodeKind.FAIL: "failure",
    NodeKind.WORKFLOW: "subworkflow",
    NodeKind.LAUNCH_PLAN: "launch plan",
    NodeKind.BRANCH: "conditional",
    NodeKind.DYNAMIC: "@dynamic fan-out",
    NodeKind.MAP: "map task",
}


@dataclass
class Node:
    """One box: `id` is unique in the whole picture (nested ids are joined with '-')."""

    id: str
    kind: NodeKind
    label: str
    lines: list[str] = field(default_factory=list)
    guard: str = ""
    details: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    cluster: Graph | None = None
    status: str = ""  # an execution's view: the node's task status (flowjobs/graph/execution.py), drawn as a colour

    @property
    def heading(self) -> str:
        """A cluster's one-line heading: what it is and its name, after the condition that selects it."""
        heading = f"{self.lines[0]} {self.label}" if self.lines else self.label
        return f"{self.guard}: {heading}" if self.guard else heading


@dataclass(frozen=True)
class Value:
    """One value an edge carries: the upstream output's name, the downstream input's name, and its type."""

    output: str
    input: str
    type: str

    def __str__(self) -> str:
        names = self.output if self.output == self.input else f"{self.output} → {self.input}"
        return f"{names}: {self.type}"

    @property
    def short(self) -> str:
        """As drawn on the arrow: a dataclass or other dotted type by its own name (the full one is in the tooltip)."""
        names = self.output if self.output == self.input else f"{self.output} → {self.input}"
        return f"{names}: {self.type.rsplit(':', 1)[-1].rsplit('.', 1)[-1] if ':' in self.type else self.type}"


@dataclass
class Edge:
    """Every value one node passes to another, drawn as one arrow."""

    source: str
    target: str
    values: list[Value] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "\n".join(str(value) for value in self.values)

    @property
    def drawn_label(self) -> str:
        """The label drawn on the arrow: short types, at most FOLD_AFTER lines (a longer list: its first values and
        how many more, all of them on hover)."""
        shown = [value.short for value in self.values]
        if len(shown) > FOLD_AFTER:
            shown = [*shown[: FOLD_AFTER - 1], f"… {len(shown) - FOLD_AFTER + 1} more (hover)"]
        return "\n".join(shown)


@dataclass
class Graph:
    """The nodes and edges of one workflow scope, in the compiled workflow's order."""

    name: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def walk(self):
        """Every node, nested ones included, parents before their children."""
        for node in self.nodes:
            yield node
            if node.cluster is not None:
                yield from node.cluster.walk()

    def all_edges(self):
        yield from self.edges
        for node in self.nodes:
            if node.cluster is not None:
                yield from node.cluster.all_edges()


def check_flow_file(file: Path) -> None:
    if not file.is_file():
        raise GraphError(f"flow file {file} does not exist")
    if file.suffix != ".py":
        raise GraphError(f"flow file {file} is not a Python file")
