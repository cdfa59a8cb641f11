"""A full disk under the state folder or under a task's working folder: the task fails with one line naming the
path, and is never shown `done`."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowjobs import records
from tests.support.runner.harness import run_flow


@contextlib.contextmanager
def full_disk(folder: Path) -> Iterator[Path]:
    """`folder` on a 1 MiB tmpfs filled to the last byte."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], check=True)
    try:
        with contextlib.suppress(OSError), (folder / ".filler").open("wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture
def table(tmp_path: Path) -> Path:
    table = tmp_path / "table.csv"
    table.write_text("a\nb\n")
    return table


def test_a_full_cache_folder_fails_the_task_naming_it(table: Path) -> None:
    with full_disk(records.state_dir() / "cache") as cache:
        ran = run_flow("counted", "--table", str(table))
    assert ran.code == 1, ran.log
    entry = next(iter(ran.record.tasks.values()))
    assert entry.status == "failed", "its outputs were not stored: not done"
    assert entry.error.startswith(f"task 'tests.support.runner.flows.count_lines': outputs not stored in {cache}")
    assert "No space left on device" in entry.error and "\n" not in entry.error


def test_a_full_working_folder_fails_the_task_naming_it(table: Path, tmp_path: Path, monkeypatch) -> None:
    with full_disk(tmp_path / "work-full") as work:
        monkeypatch.setenv("FLOWJOBS_WORK_DIR", str(work))
        ran = run_flow("counted", "--table", str(table))
    assert ran.code == 1, ran.log
    entry = next(iter(ran.record.tasks.values()))
    assert entry.status == "failed", ran.log
    assert str(work) in entry.error and "No space left on device" in entry.error, entry.error
    assert "\n" not in entry.error
