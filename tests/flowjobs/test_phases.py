"""A script marks when its main() began and ended and how long it tracked, for the job task's time split."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from flowjobs import phases

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import time
from flowjobs import phases
from flowjobs.script import run_main

def main():
    with phases.tracking():
        time.sleep(0.3)
        with phases.tracking():  # nested: counted once
            time.sleep(0.2)
    time.sleep(0.2)

if __name__ == "__main__":
    run_main(main)
"""


def run_step(tmp_path: Path, marks: Path | None) -> subprocess.CompletedProcess:
    script = tmp_path / "step.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = {key: value for key, value in os.environ.items() if key != phases.ENV_MARKS_FILE}
    env["PYTHONPATH"] = str(ROOT)
    if marks is not None:
        env[phases.ENV_MARKS_FILE] = str(marks)
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, check=True)


def test_the_marks_split_main_into_tracking_and_the_rest(tmp_path: Path) -> None:
    before = time.time()
    run_step(tmp_path, tmp_path / "marks.json")
    after = time.time()
    marks = phases.read(tmp_path / "marks.json")
    assert marks is not None
    assert before < marks["main_start"] < marks["main_end"] < after
    assert 0.5 <= marks["tracking_seconds"] < marks["main_end"] - marks["main_start"]
    assert marks["main_end"] - marks["main_start"] >= 0.7


def test_run_alone_nothing_is_written(tmp_path: Path) -> None:
    run_step(tmp_path, None)
    assert list(tmp_path.iterdir()) == [tmp_path / "step.py"]


def test_unreadable_marks_are_none(tmp_path: Path) -> None:
    assert phases.read(tmp_path / "missing.json") is None
    (tmp_path / "bad.json").write_text(json.dumps({"main_start": 1.0}))
    assert phases.read(tmp_path / "bad.json") is None
