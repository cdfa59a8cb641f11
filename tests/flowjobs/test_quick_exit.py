"""A script's main() that returned ends at once, but what a normal exit does that matters still happens."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import atexit, logging, sys, threading, time
from pathlib import Path
from flowjobs.script import ScriptInputError, run_main

out = Path(sys.argv[1])
logging.basicConfig(filename=out / "log.txt", level=logging.INFO)

def main():
    atexit.register(lambda: (out / "atexit.txt").write_text("ran"))
    logging.info("logged before the exit")
    print("no newline at the end", end="")
    if sys.argv[2] == "thread":
        threading.Thread(target=lambda: (time.sleep(0.5), (out / "thread.txt").write_text("done"))).start()
    if sys.argv[2] == "refuse":
        raise ScriptInputError("input 'x': refused")

if __name__ == "__main__":
    run_main(main)
"""


def run(tmp_path: Path, mode: str) -> subprocess.CompletedProcess:
    script = tmp_path / "step.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(script), str(tmp_path), mode], env=env, capture_output=True, text=True)


def test_atexit_handlers_logging_and_buffered_output_survive_the_quick_exit(tmp_path: Path) -> None:
    done = run(tmp_path, "plain")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "no newline at the end"
    assert (tmp_path / "atexit.txt").read_text() == "ran"
    assert "logged before the exit" in (tmp_path / "log.txt").read_text()


def test_a_running_non_daemon_thread_is_waited_for(tmp_path: Path) -> None:
    done = run(tmp_path, "thread")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "thread.txt").read_text() == "done"
    assert (tmp_path / "atexit.txt").read_text() == "ran"


def test_a_refused_input_still_exits_1_with_its_line(tmp_path: Path) -> None:
    done = run(tmp_path, "refuse")
    assert done.returncode == 1
    assert done.stderr.strip().endswith("input 'x': refused")
    assert (tmp_path / "atexit.txt").read_text() == "ran"
