"""One script attempt: logs, the stderr tail, timeouts and nothing left running afterwards."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

from flowjobs.script_process import run_script


def script(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(body))
    return [sys.executable, str(path)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_stdout_and_stderr_go_to_log_files_and_the_tail_keeps_50_lines(tmp_path: Path) -> None:
    argv = script(
        tmp_path,
        """
        import sys
        print("to stdout")
        for i in range(80):
            print(f"err {i}", file=sys.stderr)
        sys.exit(4)
    """,
    )
    run = run_script(argv, cwd=tmp_path, env=dict(os.environ), log_dir=tmp_path / "logs", echo=False)
    assert run.returncode == 4 and not run.timed_out
    assert run.stdout_log.read_text() == "to stdout\n"
    assert run.stderr_log.read_text().count("\n") == 80
    assert run.stderr_tail == [f"err {i}" for i in range(30, 80)]


def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    argv = script(
        tmp_path,
        f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(60)
    """,
    )
    started = time.monotonic()
    run = run_script(argv, cwd=tmp_path, env=dict(os.environ), log_dir=tmp_path / "logs", timeout=1, echo=False)
    assert run.timed_out and run.returncode < 0
    assert time.monotonic() - started < 10
    assert not alive(int(pid_file.read_text()))


def test_what_a_script_leaves_running_is_killed_when_it_exits(tmp_path: Path) -> None:
    pid_file = tmp_path / "orphan.pid"
    argv = script(
        tmp_path,
        f"""
        import subprocess, sys
        orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        open({str(pid_file)!r}, "w").write(str(orphan.pid))
    """,
    )
    run = run_script(argv, cwd=tmp_path, env=dict(os.environ), log_dir=tmp_path / "logs", echo=False)
    assert run.returncode == 0
    deadline = time.monotonic() + 5
    while alive(int(pid_file.read_text())) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(int(pid_file.read_text()))


def test_arguments_reach_the_script_verbatim_without_a_shell(tmp_path: Path) -> None:
    argv = script(tmp_path, "import sys; print(sys.argv[1])") + ["$(touch pwned); `id` ; | & > x"]
    run = run_script(argv, cwd=tmp_path, env=dict(os.environ), log_dir=tmp_path / "logs", echo=False)
    assert run.stdout_log.read_text() == "$(touch pwned); `id` ; | & > x\n"
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "x").exists()


def test_a_child_that_leaves_the_session_is_killed_too(tmp_path: Path) -> None:
    """H2O starts its JVM with os.setsid: out of the script's group, but it carries the attempt's tag."""
    pid_file = tmp_path / "escaped.pid"
    argv = script(
        tmp_path,
        f"""
        import subprocess, sys
        escaped = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
        open({str(pid_file)!r}, "w").write(str(escaped.pid))
    """,
    )
    run = run_script(argv, cwd=tmp_path, env=dict(os.environ), log_dir=tmp_path / "logs", echo=False)
    assert run.returncode == 0
    escaped = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while alive(escaped) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(escaped)
