"""The script side of task reports: where fragments go run alone, and what the data summary says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from flowjobs import reports
from tests.support.project import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "tests" / "scripts" / "reporting.py"


def run_alone(mode: str, cwd: Path, **more: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin", **more}
    return subprocess.run(
        [sys.executable, str(SCRIPT), mode, "--output-dir", "out"], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_run_alone_the_report_goes_under_the_output_dir_and_a_rerun_replaces_it(tmp_path: Path) -> None:
    assert run_alone("two", tmp_path).returncode == 0
    folder = tmp_path / "out" / "reports" / "reporting"
    assert sorted(p.name for p in folder.iterdir()) == ["00-Summary.html", "01-Plots.html"]
    rerun = run_alone("attempts", tmp_path, FLOWJOBS_ATTEMPT="2")
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["00-Summary.html"], "the earlier run's fragments are gone"
    assert "from attempt 2" in (folder / "00-Summary.html").read_text()


def test_the_data_summary_counts_rows_nulls_and_the_class_balance() -> None:
    frame = pd.DataFrame(
        {"Id": [1, 2, 3, 4], "SepalLengthCm": [5.1, np.nan, 6.2, 7.0], "Species": ["a", "a", "b", None]}
    )
    summary = reports.data_summary(frame, "rows <read>", target="Species")
    assert "rows &lt;read&gt;" in summary, "labels are escaped"
    assert "<b>4</b> rows, <b>3</b> columns, <b>2</b> null values" in summary
    assert rows(summary, "columns")["SepalLengthCm"] == ["float64", "1", "3", "5.1000", "7.0000"]
    assert rows(summary, "columns")["Species"] == [str(frame["Species"].dtype), "1", "2", "", ""]
    assert rows(summary, "class balance") == {"a": ["2", "50.0%"], "b": ["1", "25.0%"], "nan": ["1", "25.0%"]}


def rows(fragment: str, caption: str) -> dict[str, list[str]]:
    """The body rows of the table with this caption: first cell -> the other cells' text."""
    table = fragment.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]
    return {row[0]: row[1:] for row in cells if row}


def test_a_table_escapes_text_and_aligns_numbers() -> None:
    shown = reports.table([{"name": "<script>", "value": 0.123456, "count": 3, "flag": True}])
    assert "&lt;script&gt;" in shown and "<script>" not in shown
    assert '<td class="number">0.1235</td>' in shown and '<td class="number">3</td>' in shown
    assert "<td>True</td>" in shown
