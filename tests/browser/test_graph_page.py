"""The DAG page in a real browser: every compiled node and edge is drawn where it belongs, a click or a hover
shows a node's details, clusters hold their nodes, and nothing is fetched from anywhere."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Page

from flowjobs import graph
from flowjobs.graph.workflows import load_workflow
from tests.support.browser import Browser
from tests.support.compiled_dag import CONSTRUCTS_FLOW, SAMPLE_FLOW, expected_edges, expected_nodes, value_names

NODES_JS = """() => [...document.querySelectorAll("g.node")].map(g => {
  const box = g.querySelector("rect").getBBox();
  return {id: g.dataset.nodeId, cluster: g.classList.contains("cluster"), visible: g.getBoundingClientRect().width > 0,
          x: box.x, y: box.y, width: box.width, height: box.height};
})"""
EDGES_JS = """() => [...document.querySelectorAll("g.edge")].map(g => {
  const path = g.querySelector("path"), length = path.getTotalLength(), label = g.querySelector("rect").getBBox();
  const start = path.getPointAtLength(0), end = path.getPointAtLength(length);
  return {source: g.dataset.source, target: g.dataset.target, length, start: [start.x, start.y], end: [end.x, end.y],
          lines: [...g.querySelectorAll("text")].map(t => t.textContent),
          label: {x: label.x, y: label.y, width: label.width, height: label.height}};
})"""
PANEL_JS = """() => ({
  title: document.querySelector("#details h2")?.textContent,
  kind: document.querySelector("#details .kind")?.textContent,
  node: document.querySelector("#details").dataset.nodeId,
  settings: Object.fromEntries([...document.querySelectorAll("#details table.settings tr")]
    .map(row => [row.cells[0].textContent, row.cells[1].textContent])),
  inputs: [...document.querySelectorAll("#details table.inputs th")].map(th => th.textContent),
  outputs: [...document.querySelectorAll("#details table.outputs th")].map(th => th.textContent),
})"""


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def inside(inner: dict, outer: dict) -> bool:
    return (
        outer["x"] <= inner["x"]
        and outer["y"] <= inner["y"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
    )


@pytest.fixture(scope="module")
def sample_page(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Page:
    html = graph.draw(SAMPLE_FLOW, "model_training", tmp_path_factory.mktemp("dag") / "model_training.html")
    return browser.open(html.as_uri())


@pytest.fixture(scope="module")
def constructs_page(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Page:
    html = graph.draw(CONSTRUCTS_FLOW, "constructs", tmp_path_factory.mktemp("dag") / "constructs.html")
    return browser.open(html.as_uri())


def test_every_compiled_node_and_edge_of_the_sample_flow_is_drawn(sample_page: Page, screenshot) -> None:
    workflow = load_workflow(SAMPLE_FLOW, "model_training")
    nodes = {node["id"]: node for node in sample_page.evaluate(NODES_JS)}
    assert set(nodes) == expected_nodes(workflow) and len(nodes) == len(sample_page.locator("g.node").all())
    assert all(node["visible"] and node["width"] > 40 and node["height"] > 20 for node in nodes.values())
    edges = {(edge["source"], edge["target"]): edge for edge in sample_page.evaluate(EDGES_JS)}
    expected = expected_edges(workflow)
    assert set(edges) == set(expected) and len(edges) == len(sample_page.locator("g.edge").all())
    for pair, values in expected.items():
        edge, source, target = edges[pair], nodes[pair[0]], nodes[pair[1]]
        assert edge["length"] > 10
        assert edge["start"] == pytest.approx(
            [source["x"] + source["width"] / 2, source["y"] + source["height"]], abs=1
        )
        assert edge["end"] == pytest.approx([target["x"] + target["width"] / 2, target["y"]], abs=1)
        drawn_names = {line.split(":")[0] for line in edge["lines"]}
        assert drawn_names == {value_names(*value) for value in values}, pair
    screenshot(sample_page, "model_training")


def test_boxes_and_edge_labels_do_not_overlap(sample_page: Page) -> None:
    boxes = [node for node in sample_page.evaluate(NODES_JS)] + [
        edge["label"] for edge in sample_page.evaluate(EDGES_JS)
    ]
    clashes = [(a, b) for a, b in itertools.combinations(boxes, 2) if overlap(a, b)]
    assert not clashes


def test_clicking_a_node_shows_its_inputs_outputs_tier_command_cache_and_retries(sample_page: Page, screenshot) -> None:
    sample_page.click('g.node[data-node-id="n4"]')
    panel = sample_page.evaluate(PANEL_JS)
    assert (panel["title"], panel["kind"], panel["node"]) == ("train_model", "job task", "n4")
    assert panel["settings"]["tier"].startswith("Large (cpu 4/4")
    assert panel["settings"]["command"] == "python tasks/train_model.py"
    assert (panel["settings"]["cache"], panel["settings"]["retries"], panel["settings"]["timeout"]) == (
        "off",
        "1",
        "1800 s",
    )
    assert (panel["inputs"], panel["outputs"]) == (["processed_data", "num_estimators"], ["model", "accuracy"])
    assert sample_page.locator('g.node[data-node-id="n4"]').get_attribute("class").endswith(" selected")
    screenshot(sample_page, "model_training-train_model-clicked")


def test_hovering_shows_a_node_and_leaving_returns_to_the_clicked_one(sample_page: Page) -> None:
    sample_page.click('g.node[data-node-id="n2"]')
    sample_page.hover('g.node[data-node-id="n0"]')
    panel = sample_page.evaluate(PANEL_JS)
    assert (panel["title"], panel["inputs"], panel["settings"]["tier"][:5]) == ("load_data_a", ["data_path"], "Small")
    sample_page.mouse.move(1, 1)
    assert sample_page.evaluate(PANEL_JS)["title"] == "merge_data"


def test_the_pages_work_offline_without_script_errors(browser: Browser, sample_page: Page) -> None:
    assert sample_page.url in browser.opened
    assert set(browser.requests) == set(browser.opened), "a page may load nothing but itself"
    assert browser.errors == []


def test_clusters_hold_their_nodes_and_a_case_shows_its_condition(constructs_page: Page, screenshot) -> None:
    nodes = {node["id"]: node for node in constructs_page.evaluate(NODES_JS)}
    clusters = [node_id for node_id, node in nodes.items() if node["cluster"]]
    assert sorted(clusters) == ["n1", "n2", "n4", "n6", "n7", "n8", "n8-n1"]
    for cluster in clusters:
        members = [node_id for node_id in nodes if node_id.startswith(f"{cluster}-")]
        assert members and all(inside(nodes[member], nodes[cluster]) for member in members), cluster
    leaves = [node for node in nodes.values() if not node["cluster"]]
    assert not [(a["id"], b["id"]) for a, b in itertools.combinations(leaves, 2) if overlap(a, b)]
    constructs_page.click('g.node[data-node-id="n8-n0"]')
    panel = constructs_page.evaluate(PANEL_JS)
    assert (panel["title"], panel["settings"]["runs when"]) == ("square", "if total[n3].o0 > threshold")
    assert (panel["settings"]["cache"], panel["settings"]["retries"]) == ("on (version 7)", "2")
    screenshot(constructs_page, "constructs-case-clicked")
