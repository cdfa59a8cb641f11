"""The flowjobs command's listing subcommands and its error exit."""

from __future__ import annotations

from pathlib import Path

from tests.support.project import PROJECT_ROOT, run, tool


def test_tiers_lists_every_tier(tmp_path: Path) -> None:
    result = run([tool("flowjobs"), "tiers"], cwd=tmp_path, env={"COLUMNS": "200"})
    assert result.returncode == 0
    for name in ("Small", "Medium", "Large", "GPU", "nvidia-tesla-t4"):
        assert name in result.stdout


def test_snapshots_lists_the_iris_snapshot_as_ok(tmp_path: Path) -> None:
    result = run([tool("flowjobs"), "snapshots"], cwd=PROJECT_ROOT / "flows", env={"COLUMNS": "200"})
    assert result.returncode == 0 and "iris@1" in result.stdout and "ok" in result.stdout


def test_a_broken_tiers_file_exits_2_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "tiers.yaml"
    broken.write_text("tiers: {}\n")
    result = run(
        [tool("flowjobs"), "tiers"], cwd=tmp_path, env={"FLOWJOBS_HARDWARE_TIERS": str(broken), "COLUMNS": "300"}
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"error: hardware tiers file {broken}: tiers: Dictionary should have at least 1 item after validation, not 0"
    )
