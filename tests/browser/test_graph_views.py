"""The DAG pages as a new user sees them on a 1366 × 768 screen at 100 % zoom: the multi-train flow legible (fit,
zoom and pan; long input lists folded), and an execution's view coloured by each task's status with its
duration, attempts, cache mark and links to its kept logs and deck. Both work offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page

from flowjobs import graph, records
from tests.support.browser import Browser
from tests.support.project import PROJECT_ROOT, run, tool
from tests.support.runner.harness import run_flow

SCREEN = {"width": 1366, "height": 768}
READABLE_PX = 9  # the smallest text height on screen a label may have
FONTS_JS = """() => [...document.querySelectorAll("#graph svg text")].map(t => t.getBoundingClientRect().height)
  .filter(h => h > 0)"""
NODE_JS = """id => { const g = document.querySelector(`g.node[data-node-id="${id}"]`);
  return {classes: g.getAttribute("class"), text: [...g.querySelectorAll("text")].map(t => t.textContent)}; }"""
EMPTY_SPOT_JS = """box => { for (let y = box.y + 20; y < box.y + box.height - 20; y += 15)
  for (let x = box.x + box.width - 40; x > box.x + 340; x -= 15) {
    const hit = document.elementFromPoint(x, y);
    if (hit && hit.closest("#graph") && !hit.closest("g.node") && !hit.closest("g.edge")) return [x, y]; } }"""
PANEL_LINKS_JS = """() => Object.fromEntries([...document.querySelectorAll("#details tr")]
  .map(row => [row.cells[0].textContent, row.querySelector("a")?.getAttribute("href") ?? row.cells[1].textContent]))"""


def on_screen(browser: Browser, url: str) -> Page:
    """The page in a 1366 × 768 window, laid out for that size."""
    page = browser.open(url)
    page.set_viewport_size(SCREEN)
    page.reload()
    return page


@pytest.fixture(scope="module")
def multitrain_page(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Page:
    out = tmp_path_factory.mktemp("dag") / "multitrain.html"
    graph.draw(PROJECT_ROOT / "flows" / "multitrain_flow.py", "model_training_pipeline", out)
    return on_screen(browser, out.as_uri())


def test_the_multitrain_dag_is_legible_at_100_percent_on_a_1366_screen(multitrain_page: Page, screenshot) -> None:
    heights = multitrain_page.evaluate(FONTS_JS)
    assert heights and min(heights) >= READABLE_PX, f"smallest text {min(heights):.1f} px"
    inputs = multitrain_page.evaluate(NODE_JS, "start-node")["text"]
    assert len(inputs) <= 8 and inputs[-1].endswith("more (click)"), "the long input list is folded"
    assert all(len(line) <= 45 for line in inputs)
    screenshot(multitrain_page, "multitrain-dag-1366")


def test_the_multitrain_dag_fits_a_1366_by_768_screen_whole(multitrain_page: Page, screenshot) -> None:
    """As it opens: every node and label inside the window (no scrolling, nothing behind the details panel, which
    floats over the DAG only once a node is chosen), its text 9 px or more."""
    multitrain_page.reload()
    drawn = multitrain_page.evaluate(
        """() => [...document.querySelectorAll("#graph svg g.node, #graph svg g.edge text")].map(e => {
          const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""
    )
    width, height = SCREEN["width"], SCREEN["height"]
    assert drawn and all(
        min(left, top) >= 0 and right <= width and bottom <= height for left, top, right, bottom in drawn
    )
    heights = multitrain_page.evaluate(FONTS_JS)
    assert min(heights) >= READABLE_PX, f"smallest text {min(heights):.1f} px"
    assert not multitrain_page.locator("#details").is_visible(), "no empty panel takes the DAG's room"
    screenshot(multitrain_page, "multitrain-dag-1366x768-whole")


def test_fit_zoom_and_pan(multitrain_page: Page, screenshot) -> None:
    view = multitrain_page.locator("#graph")
    multitrain_page.click("#zoom-fit")
    svg, box = multitrain_page.locator("#graph svg").bounding_box(), view.bounding_box()
    assert svg["width"] <= box["width"] and svg["height"] <= box["height"], "Fit shows the whole DAG"
    screenshot(multitrain_page, "multitrain-dag-fit")
    multitrain_page.click("#zoom-100")
    assert multitrain_page.locator("#zoom-level").text_content() == "100 %"
    wide = multitrain_page.locator("#graph svg").bounding_box()["width"]
    multitrain_page.click("#zoom-in")
    assert multitrain_page.locator("#graph svg").bounding_box()["width"] > wide
    before = view.evaluate("v => v.scrollLeft")
    start = multitrain_page.evaluate(EMPTY_SPOT_JS, box)
    multitrain_page.mouse.move(*start)
    multitrain_page.mouse.down()
    multitrain_page.mouse.move(start[0] - 300, start[1], steps=5)
    multitrain_page.mouse.up()
    assert view.evaluate("v => v.scrollLeft") > before, "dragging the canvas pans it"


@pytest.fixture(scope="module")
def executions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, records.ExecutionRecord]:
    """A failed `flowjobs run` (its gate fails, the next node is skipped) and a cached one, in a state folder."""
    folder = tmp_path_factory.mktemp("executions")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLOWJOBS_STATE_DIR", str(folder / "state"))
        patch.setenv("FLOWJOBS_WORK_DIR", str(folder / "work"))
        gate, table = folder / "gate.txt", folder / "table.csv"
        gate.write_text("stop")
        table.write_text("a\n1\n2\n")
        failed = run_flow("gated", "--gate", str(gate))
        assert failed.code != 0
        for _ in range(2):
            cached = run_flow("counted", "--table", str(table))
            assert cached.code == 0, cached.log
    return {"failed": failed.record, "cached": cached.record, "state": folder / "state"}


def execution_page(browser: Browser, executions: dict, which: str, folder: Path) -> Page:
    record = executions[which]
    out = folder / f"{which}.html"
    drawn = run([tool("flowjobs"), "graph", "--execution", record.execution_id, "-o", str(out)], cwd=folder,
                env={"FLOWJOBS_STATE_DIR": str(executions["state"])})  # fmt: skip
    assert drawn.returncode == 0, drawn.stderr
    return on_screen(browser, out.as_uri())


def test_an_execution_view_colours_each_node_and_links_its_kept_logs(
    browser: Browser, executions: dict, tmp_path: Path, screenshot
) -> None:
    record = executions["failed"]
    by_name = {entry.name: key for key, entry in record.tasks.items()}
    for entry in record.tasks.values():
        for attempt in entry.attempts:
            shutil.rmtree(attempt.folder, ignore_errors=True)  # as when /tmp is cleaned
    page = execution_page(browser, executions, "failed", tmp_path)
    assert "status-done" in page.evaluate(NODE_JS, by_name["first"])["classes"]
    gate = page.evaluate(NODE_JS, by_name["gate"])
    assert "status-failed" in gate["classes"] and any(line.startswith("✗ failed ·") for line in gate["text"])
    assert "status-skipped" in page.evaluate(NODE_JS, by_name["last"])["classes"]
    page.click(f'g.node[data-node-id="{by_name["gate"]}"]')
    panel = page.evaluate(PANEL_LINKS_JS)
    assert panel["status"] == "failed" and panel["attempts"] == "1" and panel["exit code"] == "1"
    stderr = Path(panel["stderr"].removeprefix("file://"))
    assert stderr.is_file() and str(stderr).startswith(str(executions["state"])), "the kept copy, not the temp one"
    screenshot(page, "execution-view-failed")
    assert set(browser.requests) <= {url for url in browser.opened}, "the page loads nothing but itself"
    assert not browser.errors


def test_an_execution_view_marks_a_cached_node(browser: Browser, executions: dict, tmp_path: Path, screenshot) -> None:
    [key] = executions["cached"].tasks
    page = execution_page(browser, executions, "cached", tmp_path)
    node = page.evaluate(NODE_JS, key)
    assert "status-cached" in node["classes"] and "⟲ cached" in node["text"]
    screenshot(page, "execution-view-cached")


def test_an_unknown_execution_is_one_line(tmp_path: Path) -> None:
    drawn = run([tool("flowjobs"), "graph", "--execution", "nope"], cwd=tmp_path)
    assert drawn.returncode == 2 and "no execution 'nope' is recorded" in drawn.stderr
    assert len(drawn.stderr.strip().splitlines()) == 1
