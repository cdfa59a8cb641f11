"""Space given back: an execution's work folders and its flytekit temp folders (/tmp/flyte…) are removed when it
ends, but for the outputs it printed; with `work_retention_hours` they wait, and `flowjobs gc` removes what ended
executions left, never a live execution's. (One sample-flow run left ~0.7 MB here, a 2M-row run 611 MB.)"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from flowjobs import records
from flowjobs.runner import space
from tests.support.project import PROJECT_ROOT, run, tool, wait_for
from tests.support.runner.harness import FLOWS, run_flow

WITHIN_SECONDS = 120  # a runner started on a loaded machine, a dead runner's guard


def used(folder: Path) -> int:
    return sum(path.lstat().st_size for path in folder.rglob("*") if path.is_file()) if folder.exists() else 0


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    found = {name: tmp_path / name for name in ("work", "tmp", "state")}
    for folder in found.values():
        folder.mkdir()
    monkeypatch.setenv("FLOWJOBS_WORK_DIR", str(found["work"]))
    monkeypatch.setenv("TMPDIR", str(found["tmp"]))
    monkeypatch.setenv("FLOWJOBS_STATE_DIR", str(found["state"]))
    monkeypatch.setenv(space.ENV_RETENTION, "0")  # the default
    return found


def test_an_execution_gives_its_disk_back_but_the_outputs_it_printed(folders: dict[str, Path]) -> None:
    before = used(folders["work"]) + used(folders["tmp"])
    done = run([tool("flowjobs"), "run", "flows/sample_flow.py", "model_training"], cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    model = Path(re.search(r"model=(\S+\.pkl)", done.stdout).group(1))
    assert model.is_file() and model.is_relative_to(folders["work"]), "the output it printed is kept"
    left = sorted(path for path in folders["work"].rglob("*") if path.is_file())
    assert left == [model], left
    assert list(folders["tmp"].iterdir()) == [], "no /tmp/flyte… folder left"
    after = used(folders["work"]) + used(folders["tmp"])
    print(f"disk used by work and temp folders: before {before:,} B, after {after:,} B (the model)")
    assert after - before == model.stat().st_size


def test_a_stock_pyflyte_run_keeps_no_copy_of_its_tasks_inputs(folders: dict[str, Path]) -> None:
    done = run([tool("pyflyte"), "run", "flows/sample_flow.py", "model_training"], cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    attempts = sorted(folders["work"].glob("*-attempt1-*"))
    assert len(attempts) == 5 and all((folder / "outputs").is_dir() for folder in attempts)
    assert [folder for folder in attempts if (folder / "inputs").exists()] == [], "inputs are copies: given back"
    assert Path(re.search(r"model=(\S+\.pkl)", done.stdout).group(1)).is_file()


def test_a_bad_retention_is_one_line_and_exit_2(folders: dict[str, Path], monkeypatch) -> None:
    monkeypatch.setenv(space.ENV_RETENTION, "nan")
    for argv in (["gc"], ["run", str(FLOWS), "double", "--x", "2"]):
        done = run([tool("flowjobs"), *argv], cwd=PROJECT_ROOT)
        assert done.returncode == 2 and done.stderr.strip() == (
            "error: FLOWJOBS_WORK_RETENTION_HOURS: `work_retention_hours` must be a number of hours, 0 or more, got nan"
        ), done.stderr


def attempt_folder(task: str) -> Path | None:
    for record in records.list_records():
        for entry in record.tasks.values():
            if entry.name == task and entry.attempts and entry.attempts[-1].folder:
                return Path(entry.attempts[-1].folder)
    return None


def test_gc_removes_what_ended_executions_left_after_their_retention_never_a_live_one_s(
    folders: dict[str, Path], monkeypatch
) -> None:
    monkeypatch.setenv(space.ENV_RETENTION, "1")
    ended = run_flow("sleeps")
    assert ended.code == 0, ended.log
    kept = space.work_folders(ended.record)
    assert len(kept) == 4 and all(folder.is_dir() for folder in kept), "kept for the retention's hour"
    live = subprocess.Popen([tool("flowjobs"), "run", str(FLOWS), "long_sleep"], cwd=PROJECT_ROOT, env=os.environ)
    try:
        assert wait_for(lambda: attempt_folder("long_sleep") is not None, WITHIN_SECONDS)
        running = attempt_folder("long_sleep")
        too_soon = run([tool("flowjobs"), "gc"], cwd=PROJECT_ROOT)
        assert too_soon.returncode == 0 and all(folder.is_dir() for folder in kept), "an hour has not passed"
        monkeypatch.setenv(space.ENV_RETENTION, "0")
        collected = run([tool("flowjobs"), "gc"], cwd=PROJECT_ROOT)
        assert collected.returncode == 0, collected.stderr
        assert collected.stdout.startswith("removed what 1 ended execution(s) left: "), collected.stdout
        assert not any(folder.exists() for folder in kept)
        assert running.is_dir() and live.poll() is None, "a live execution's folders are never removed"
    finally:
        live.send_signal(signal.SIGKILL)
        live.wait()
    assert wait_for(lambda: records.list_records()[0].status == "killed", WITHIN_SECONDS)
    run([tool("flowjobs"), "gc"], cwd=PROJECT_ROOT)
    assert not running.exists(), "once its runner is gone, gc removes what it left"
    assert all(Path(folder).is_dir() for folder in ended.record.temp_folders), "this live process's are kept"
