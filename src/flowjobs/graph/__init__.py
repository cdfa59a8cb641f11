"""DAG pictures of flows, drawn from the compiled Flyte workflow: `flowjobs graph FILE WORKFLOW -o OUT`.

    model.py     what a picture holds (nodes, clusters, edges with the values they pass)
    workflows.py load a flow file's workflow as `pyflyte run` does (its module: flowjobs/workflow_files.py)
    compiled.py  read the model from the compiled workflow and the job tasks' specs
    layout.py    place it (layered, top to bottom, pure Python)
    svg.py, page.py, mermaid.py   draw it as SVG, as a self-contained HTML page, as Mermaid text
    readme.py    the README's pictures of every flow, and whether they are stale

Importing this package is cheap; flytekit is imported only when something is drawn.
"""

from __future__ import annotations

from pathlib import Path

from flowjobs.graph.model import GraphError, check_flow_file

FORMATS = (".html", ".svg", ".mmd")


def check_output(out: Path) -> None:
    if out.suffix not in FORMATS:
        raise GraphError(f"output {out}: the name must end in .html, .svg or .mmd")


def render(file: Path, workflow: str, suffix: str) -> str:
    """The picture of `workflow` in the flow file `file`, in the format its suffix names."""
    from flowjobs.graph.compiled import Extractor, relative
    from flowjobs.graph.mermaid import render_mermaid
    from flowjobs.graph.page import render_html
    from flowjobs.graph.svg import render_svg
    from flowjobs.graph.workflows import load_workflow

    graph = Extractor().graph(load_workflow(file, workflow))
    if suffix == ".html":
        return render_html(graph, relative(file.resolve()))
    return render_svg(graph) if suffix == ".svg" else render_mermaid(graph)


def draw(file: Path, workflow: str, out: Path) -> Path:
    check_flow_file(file)  # both checks come before flytekit is imported: bad input fails at once
    check_output(out)
    text = render(file, workflow, out.suffix)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as err:
        raise GraphError(f"output {out}: {err.strerror}") from None
    return out


__all__ = ["FORMATS", "GraphError", "check_flow_file", "check_output", "draw", "render"]
