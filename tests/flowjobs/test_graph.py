"""`flowjobs graph`: the DAG drawn from the compiled workflow, as SVG, HTML and Mermaid, and its bad input."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from flowjobs import graph
from flowjobs.graph.compiled import Extractor
from flowjobs.graph.mermaid import mermaid_id, render_mermaid
from flowjobs.graph.model import Graph, GraphError, NodeKind
from flowjobs.graph.page import render_html
from flowjobs.graph.svg import render_svg
from flowjobs.graph.workflows import load_workflow, workflow_names
from tests.support.compiled_dag import CONSTRUCTS_FLOW, SAMPLE_FLOW, expected_edges, expected_nodes, value_names
from tests.support.project import PROJECT_ROOT, run, tool

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def sample() -> tuple[object, Graph]:
    workflow = load_workflow(SAMPLE_FLOW, "model_training")
    return workflow, Extractor().graph(workflow)


@pytest.fixture(scope="module")
def constructs() -> Graph:
    return Extractor().graph(load_workflow(CONSTRUCTS_FLOW, "constructs"))


def by_id(drawn: Graph) -> dict:
    return {node.id: node for node in drawn.walk()}


def test_the_sample_flow_is_drawn_node_for_node_and_binding_for_binding(sample) -> None:
    workflow, drawn = sample
    assert {node.id for node in drawn.nodes} == expected_nodes(workflow)
    edges = {(edge.source, edge.target): edge for edge in drawn.edges}
    expected = expected_edges(workflow)
    assert set(edges) == set(expected)
    for pair, values in expected.items():
        assert {value_names(value.output, value.input) for value in edges[pair].values} == {
            value_names(*value) for value in values
        }
    assert edges[("n0", "n2")].label == "data → data_a: file:csv"
    assert edges[("n4", "end-node")].label == "model: file:pkl\naccuracy: float"


def test_a_job_node_shows_its_task_tier_script_and_spec(sample) -> None:
    train = by_id(sample[1])["n4"]
    assert (train.kind, train.label, train.lines) == (NodeKind.JOB, "train_model", ["Large · tasks/train_model.py"])
    assert train.details["command"] == "python tasks/train_model.py"
    assert train.details["tier"].startswith("Large (cpu 4/4, memory 8Gi/8Gi")
    assert (train.details["cache"], train.details["retries"], train.details["timeout"]) == ("off", "1", "1800 s")
    assert train.inputs == {"processed_data": "file:csv", "num_estimators": "int"}
    assert train.outputs == {"model": "file:pkl", "accuracy": "float"}
    inputs = by_id(sample[1])["start-node"]
    assert inputs.lines == [
        "data_path_a: file:csv = data/datasetA.csv",
        "data_path_b: file:csv = data/datasetB.csv",
        "num_estimators: int = 100",
    ]


def test_cache_retries_and_timeout_come_from_the_task_objects(constructs) -> None:
    nodes = by_id(constructs)
    echo = nodes["n0"]
    assert echo.details["cache"] == "on (version 2 + script hash)"
    assert (echo.details["retries"], echo.details["timeout"]) == ("1", "60 s")
    mapped_square = nodes["n2-task"]
    assert (mapped_square.kind, mapped_square.details["cache"], mapped_square.details["retries"]) == (
        NodeKind.TASK,
        "on (version 7)",
        "2",
    )
    assert mapped_square.details["source"] == "tests/support/constructs_flow.py"


def test_subworkflows_launch_plans_map_tasks_and_conditionals_are_clusters(constructs) -> None:
    nodes = by_id(constructs)
    kinds = {node_id: nodes[node_id].kind for node_id in ("n2", "n6", "n7", "n8")}
    assert kinds == {"n2": NodeKind.MAP, "n6": NodeKind.LAUNCH_PLAN, "n7": NodeKind.WORKFLOW, "n8": NodeKind.BRANCH}
    assert [node.id for node in nodes["n7"].cluster.nodes] == ["n7-start-node", "n7-n0", "n7-n1", "n7-end-node"]
    assert [(e.source, e.target) for e in nodes["n6"].cluster.edges] == [
        ("n6-start-node", "n6-n0"),
        ("n6-n0", "n6-n1"),
        ("n6-n1", "n6-end-node"),
    ]
    cases = nodes["n8"].cluster.nodes
    assert [case.guard for case in cases] == ["if total[n3].o0 > threshold", "elif total[n5].o0 > 0", "else"]
    assert [case.kind for case in cases] == [NodeKind.TASK, NodeKind.WORKFLOW, NodeKind.FAIL]
    assert cases[2].lines == ["both totals are too small"]
    into_branch = {edge.source for edge in constructs.edges if edge.target == "n8"}
    assert into_branch == {"start-node", "n3", "n5", "n6", "n7"}, "conditions and the cases' inputs feed the branch"


def test_a_dynamic_fan_out_is_expanded_only_when_its_inputs_are_known(constructs) -> None:
    nodes = by_id(constructs)
    unknown, known = nodes["n1"], nodes["n4"]
    assert unknown.kind == known.kind == NodeKind.DYNAMIC
    assert [node.lines for node in unknown.cluster.nodes] == [["decided at run time from n"]]
    squares = [node for node in known.cluster.nodes if node.label == "square"]
    assert len(squares) == 2, "squares(n=2) makes two square nodes"
    assert known.details["fan-out"] == "drawn for the default inputs; decided at run time"


def test_the_svg_has_one_element_per_node_and_edge_and_is_stable(constructs) -> None:
    text = render_svg(constructs)
    assert text == render_svg(constructs), "the same workflow must draw the same bytes"
    assert str(PROJECT_ROOT) not in text, "pictures must not depend on where the project is checked out"
    root = ET.fromstring(text)
    groups = root.iter(f"{SVG}g")
    classes = [(group.get("class", ""), group) for group in groups]
    drawn_nodes = [group.get("data-node-id") for cls, group in classes if cls.startswith("node")]
    drawn_edges = [(group.get("data-source"), group.get("data-target")) for cls, group in classes if cls == "edge"]
    assert sorted(drawn_nodes) == sorted(node.id for node in constructs.walk())
    assert sorted(drawn_edges) == sorted((edge.source, edge.target) for edge in constructs.all_edges())


def test_the_html_page_is_self_contained(sample) -> None:
    page = render_html(sample[1], "flows/sample_flow.py")
    assert not re.search(r"""(src|href)\s*=|@import|url\(\s*['"]?https?:""", page), "nothing may be fetched"
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg"], "only the SVG namespace"
    assert '"tier": "Large (cpu 4/4' in page and "<svg" in page and "addEventListener" in page


def test_mermaid_has_the_nodes_clusters_and_labelled_edges(constructs) -> None:
    text = render_mermaid(constructs)
    assert text.startswith("flowchart TD\n")
    assert text.count("subgraph ") == sum(1 for node in constructs.walk() if node.cluster is not None)
    assert text.count(" end\n") + text.count("\nend\n") == text.count("subgraph ")
    for edge in constructs.all_edges():
        assert f"{mermaid_id(edge.source)} -->|" in text and f"| {mermaid_id(edge.target)}" in text
    assert 'N_start_node -->|"n → count: int"| N_n0' in text
    assert mermaid_id("end-node") == "N_end_node", "a bare `end` would close a Mermaid subgraph"


def test_workflow_names_lists_the_workflows_a_file_defines() -> None:
    assert workflow_names(CONSTRUCTS_FLOW) == ["double_square", "constructs"]
    assert workflow_names(SAMPLE_FLOW) == ["model_training"]


def test_the_command_writes_each_format(tmp_path: Path) -> None:
    out = tmp_path / "pictures" / "dag.html"
    result = run(
        [tool("flowjobs"), "graph", "flows/sample_flow.py", "model_training", "-o", str(out)], cwd=PROJECT_ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {out}"
    assert out.read_text().startswith("<!doctype html>")
    for suffix in (".svg", ".mmd"):
        written = graph.draw(SAMPLE_FLOW, "model_training", tmp_path / f"dag{suffix}")
        assert written.read_text() == graph.render(SAMPLE_FLOW, "model_training", suffix)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["flows/sample_flow.py", "training", "-o", "{tmp}/x.svg"],
            "flow file flows/sample_flow.py has no workflow 'training'; its workflows: model_training",
        ),
        (["flows/nowhere.py", "model_training", "-o", "{tmp}/x.svg"], "flow file flows/nowhere.py does not exist"),
        (
            ["flows/sample_flow.py", "model_training", "-o", "{tmp}/x.png"],
            "output {tmp}/x.png: the name must end in .html, .svg or .mmd",
        ),
        (
            ["flows/sample_flow.py", "model_training"],
            "give FILE WORKFLOW -o OUT (.html, .svg or .mmd), or --readme alone",
        ),
        (["--readme", "flows/sample_flow.py"], "give FILE WORKFLOW -o OUT (.html, .svg or .mmd), or --readme alone"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tmp_path: Path, argv: list[str], message: str) -> None:
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    result = run([tool("flowjobs"), "graph", *argv], cwd=PROJECT_ROOT, env={"COLUMNS": "80"})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: {message.format(tmp=tmp_path)}"]
    assert not list(tmp_path.iterdir()), "nothing is written on bad input"


def test_a_flow_that_does_not_load_names_the_file_and_the_cause(tmp_path: Path) -> None:
    broken = tmp_path / "broken_tier_flow.py"
    broken.write_text(
        "from flytekit import workflow\nfrom flowjobs.jobs import run_job_task\n\n\n"
        "@workflow\ndef wf():\n    run_job_task('step', 'python tasks/load_data.py', 'Huge')\n"
    )
    with pytest.raises(GraphError, match=rf"flow file {broken} does not load: JobDefinitionError: .*step.*Huge"):
        load_workflow(broken, "wf")
    not_python = tmp_path / "flow.txt"
    not_python.write_text("")
    with pytest.raises(GraphError, match="is not a Python file"):
        load_workflow(not_python, "wf")
