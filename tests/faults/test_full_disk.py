"""A full disk under the state folder or under a task's working folder: the task fails with one line naming the
path, is never shown `done`, and its attempt's folder is removed so the disk is given back (its logs are kept
beside the record)."""

from __future__ import annotations

import contextlib
import re
import shutil
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


@contextlib.contextmanager
def small_disk(folder: Path) -> Iterator[Path]:
    """`folder` on an empty 2 MiB tmpfs."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], check=True)
    try:
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


@pytest.mark.parametrize(("workflow", "written"), [("filling_log", "stdout.log"), ("filling_output", "stderr.log")])
def test_a_task_filling_its_disk_fails_naming_the_path_and_gives_the_disk_back(
    workflow: str, written: str, tmp_path: Path, monkeypatch
) -> None:
    with small_disk(tmp_path / "work-small") as work:
        monkeypatch.setenv("FLOWJOBS_WORK_DIR", str(work))
        ran = run_flow(workflow)
        left = list(work.iterdir())
        used = shutil.disk_usage(work).used
    assert ran.code == 1, ran.log
    assert "Traceback" not in ran.log and "Exception in thread" not in ran.log, ran.log
    entry = next(iter(ran.record.tasks.values()))
    assert entry.status == "failed" and "\n" not in entry.error
    assert re.search(
        rf"log not written: {work}/fill_disk_\w+-attempt1-\w+/logs/{written}: No space left on device", entry.error
    )
    assert left == [] and used < 64 * 1024, f"the attempt's folder is removed: {left}, {used} bytes used"
    kept = Path(entry.attempts[-1].stdout_log or entry.stdout_log)
    assert kept.is_file() and not kept.is_relative_to(work), "its logs are kept beside the record"


def test_a_full_state_folder_leaves_no_partial_record_and_says_so(table: Path) -> None:
    with full_disk(records.state_dir()) as state:
        ran = run_flow("counted", "--table", str(table))
        partial = [path for path in state.rglob(".*") if path.name != ".filler"]
    assert ran.code == 1, ran.log
    assert partial == [], f"partial copies left on the full disk: {partial}"
    assert "record not written (see the warning above): " in ran.log and "Traceback" not in ran.log
