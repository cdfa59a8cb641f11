"""`flowjobs status` says which records it cannot read (a truncated record.json), instead of leaving them out."""

from __future__ import annotations

import shutil
from pathlib import Path

from flowjobs import records
from tests.support.project import PROJECT_ROOT, run, tool
from tests.support.runner.harness import run_flow


def test_a_truncated_record_is_reported_by_name(tmp_path: Path) -> None:
    ran = run_flow("triple", "--x", "2")
    assert ran.code == 0, ran.log
    good = records.execution_dir(ran.record.execution_id) / records.RECORD_FILE
    damaged = records.state_dir() / "runs" / "local-20260101-000000-damage" / records.RECORD_FILE
    damaged.parent.mkdir()
    shutil.copy(good, damaged)
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])  # a disk filled while writing

    listed = run([tool("flowjobs"), "status"], cwd=PROJECT_ROOT, env={"COLUMNS": "400"})
    assert listed.returncode == 0, listed.stderr
    assert ran.record.execution_id in listed.stdout
    (line,) = [line for line in listed.stdout.splitlines() if "cannot be read" in line]
    assert str(damaged) in line and "Invalid JSON" in line, line

    one = run([tool("flowjobs"), "status", "local-20260101-000000-dam"], cwd=PROJECT_ROOT, env={"COLUMNS": "400"})
    assert one.returncode != 0
    message = one.stderr.strip()
    assert "\n" not in message and str(damaged) in message and "cannot be read" in message, one.stderr
