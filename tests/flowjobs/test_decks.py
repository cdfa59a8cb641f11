"""Task reports: a script's HTML fragments become its task's Flyte Decks, and a local run keeps the page.

The pod side (deck.html uploaded beside outputs.pb) is checked where the tasks run as pods:
tests/flows/test_sample_flow_remote.py and tests/flows/test_multitrain_remote.py.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from flytekit import workflow

from flowjobs import contract
from flowjobs.jobs import Input, Output, run_job_task

REPORTING = "python tests/scripts/reporting.py"
TAB = re.compile(r'<li onclick="handleLinkClick\(this\)">([^<]+)</li>')  # flytekit's deck template: one per deck


def run_reporting(mode: str, retries: int = 0) -> bool:
    """A one-task workflow running tests/scripts/reporting.py in `mode`, run locally in this process."""

    @workflow
    def flow(chosen: str) -> bool:
        return run_job_task(
            f"report_{mode}",
            f"{REPORTING} {mode}",
            "Small",
            inputs=[Input("chosen", str, chosen)],
            output_specs=[Output("done", bool)],
            retries=retries,
        )

    return flow(chosen=mode)


def deck_pages(work_dir: Path, mode: str) -> list[Path]:
    return sorted(work_dir.glob(f"report_{mode}-attempt*/deck.html"))


def tabs(page: Path) -> list[str]:
    return TAB.findall(page.read_text())


def test_each_fragment_becomes_a_deck_in_the_order_written(work_dir: Path) -> None:
    assert run_reporting("two") is True
    [page] = deck_pages(work_dir, "two")
    assert tabs(page) == ["Summary", "Plots"], "only the script's decks: no input, output or timeline deck"
    text = page.read_text()
    assert text.index("0.5000") < text.index("plot-body")
    assert "fonts.googleapis.com" not in text and "http" not in re.sub(r'xmlns="http[^"]*"', "", text)


def test_a_retried_task_shows_only_its_last_attempts_report(work_dir: Path) -> None:
    assert run_reporting("attempts", retries=1) is True
    pages = deck_pages(work_dir, "attempts")
    assert [p.parent.name.split("-")[1] for p in pages] == ["attempt2"], "a failed attempt publishes no deck"
    assert "from attempt 2" in pages[0].read_text() and "from attempt 1" not in pages[0].read_text()
    assert tabs(pages[0]) == ["Summary"]


def test_a_fragment_linking_out_of_its_folder_is_left_out_with_a_warning(
    work_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="flowjobs"):
        assert run_reporting("link_out") is True, "a report is not an output: the task still succeeds"
    [page] = deck_pages(work_dir, "link_out")
    assert tabs(page) == ["Summary"] and "outside-body" not in page.read_text()
    [warning] = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert "report_link_out'" in warning and "01-Leak.html" in warning and "outside the reports folder" in warning


def test_a_script_without_a_report_leaves_no_deck_page(work_dir: Path) -> None:
    assert run_reporting("none") is True
    assert deck_pages(work_dir, "none") == []
    assert list(work_dir.glob("report_none-attempt1*/reports")), "the reports folder was offered all the same"


@pytest.mark.parametrize("title", ["", "../up", "a/b", "x" * 81, "new\nline"])
def test_a_title_that_cannot_be_a_file_name_is_refused(tmp_path: Path, title: str) -> None:
    with pytest.raises(contract.ContractError, match="report title"):
        contract.next_report_file(tmp_path, title)
