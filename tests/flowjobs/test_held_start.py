"""A script started ahead of its turn (flowjobs/held_start.py): its imports load first, it runs as `python script.py`
would once let run, a held script never let run ends without running, and one whose runner died ends too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flowjobs.script_process import hold, run_script, tagged_processes
from tests.flowjobs.test_script_process import alive

GONE_WITHIN_SECONDS = 60.0  # a busy machine
WARM_WITHIN_SECONDS = 120.0

PROBE = """
    import json, os, sys, time
    import beside  # a module in the script's folder: found as `python script.py` finds it
    seen = {
        "argv": sys.argv, "path0": sys.path[0], "name": __name__, "file": __file__, "cwd": os.getcwd(),
        "stdin": sys.stdin.read(), "env": os.environ.get("PROBE_VALUE"), "imported_at": beside.IMPORTED_AT,
        "main_at": time.time(), "spec": __spec__ is None, "main_module": sys.modules["__main__"].__dict__ is globals(),
    }
    print(json.dumps(seen))
    sys.exit(int(sys.argv[1]))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "beside.py").write_text("import time\nIMPORTED_AT = time.time()\n")
    (folder / "probe.py").write_text(textwrap.dedent(PROBE))
    (folder / "fails.py").write_text("import beside\n\ndef main():\n    raise ValueError('bad row 7')\n\nmain()\n")
    return folder


def ran(tmp_path: Path, argv: list[str], ahead: bool, name: str) -> tuple:
    env = {**os.environ, "PROBE_VALUE": "given", "PYTHONDONTWRITEBYTECODE": "1"}
    logs, work = tmp_path / name / "logs", tmp_path / name
    if not ahead:
        return run_script(argv, cwd=work, env=env, log_dir=logs, echo=False), None
    held = hold(argv, 0, cwd=work, env=env, log_dir=logs)
    assert held.warmed(WARM_WITHIN_SECONDS)
    let_run = time.time()
    return run_script(argv, cwd=work, env=env, log_dir=logs, echo=False, held=held), let_run


def test_a_held_script_sees_what_python_script_py_gives_it_and_its_imports_came_first(
    tmp_path: Path, project: Path
) -> None:
    argv = [sys.executable, str(project / "probe.py"), "3", "x y"]
    for name in ("plain", "held"):
        (tmp_path / name).mkdir()
    plain, _ = ran(tmp_path, argv, False, "plain")
    held, let_run = ran(tmp_path, argv, True, "held")
    assert plain.returncode == held.returncode == 3
    seen_plain, seen_held = (json.loads(run.stdout_log.read_text()) for run in (plain, held))
    assert (seen_plain.pop("cwd"), seen_held.pop("cwd")) == (str(tmp_path / "plain"), str(tmp_path / "held"))
    imported_at = seen_held.pop("imported_at")
    for seen in (seen_plain, seen_held):
        seen.pop("main_at")
    seen_plain.pop("imported_at")
    assert seen_held == seen_plain
    assert seen_held["argv"] == [str(project / "probe.py"), "3", "x y"] and seen_held["stdin"] == ""
    assert seen_held["name"] == "__main__" and seen_held["path0"] == str(project) and seen_held["env"] == "given"
    assert imported_at < let_run <= held.started_at + 1, "its imports were loaded before it was let run"
    assert held.stderr_log.read_text() == ""


def test_a_held_script_s_error_shows_its_own_frames_and_its_exit_code(tmp_path: Path, project: Path) -> None:
    argv = [sys.executable, str(project / "fails.py")]
    for name in ("plain", "held"):
        (tmp_path / name).mkdir()
    plain, _ = ran(tmp_path, argv, False, "plain")
    held, _ = ran(tmp_path, argv, True, "held")
    assert plain.returncode == held.returncode == 1
    shown = held.stderr_log.read_text()
    assert shown.splitlines()[-1] == "ValueError: bad row 7"
    assert f'File "{project / "fails.py"}", line 4, in main' in shown
    assert "held_start" not in shown and "runpy" not in shown, shown


def test_a_discarded_held_script_never_runs_and_leaves_nothing_running(tmp_path: Path, project: Path) -> None:
    marker = tmp_path / "ran"
    (project / "marks.py").write_text(f"import beside\nopen({str(marker)!r}, 'w').write('ran')\n")
    held = hold([sys.executable, str(project / "marks.py")], 0, cwd=tmp_path, env=dict(os.environ), log_dir=tmp_path)
    assert held.warmed(WARM_WITHIN_SECONDS)
    held.discard()
    assert held.process.returncode == 0 and not marker.exists()
    assert not alive(held.process.pid) and not tagged_processes(held.tag)


def test_a_held_script_whose_runner_died_ends_without_running(tmp_path: Path, project: Path) -> None:
    marker = tmp_path / "ran"
    (project / "marks.py").write_text(f"import beside\nopen({str(marker)!r}, 'w').write('ran')\n")
    runner = f"""
        import os, sys
        from pathlib import Path
        from flowjobs.script_process import hold
        held = hold([sys.executable, {str(project / "marks.py")!r}], 0, cwd=Path({str(tmp_path)!r}),
                    env=dict(os.environ), log_dir=Path({str(tmp_path)!r}))
        held.warmed({WARM_WITHIN_SECONDS})
        print(held.process.pid, flush=True)
        os._exit(9)  # no clean-up: as a killed runner
    """
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(runner)], capture_output=True, text=True, check=False)
    assert done.returncode == 9, done.stderr
    pid = int(done.stdout)
    deadline = time.monotonic() + GONE_WITHIN_SECONDS
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid) and not marker.exists()


def test_a_held_script_let_run_before_its_imports_are_loaded_runs_all_the_same(tmp_path: Path, project: Path) -> None:
    (project / "slow.py").write_text("import time\ntime.sleep(1.0)\n")
    (project / "after_slow.py").write_text("import slow\nprint('ran')\n")
    argv = [sys.executable, str(project / "after_slow.py")]
    held = hold(argv, 0, cwd=tmp_path, env=dict(os.environ), log_dir=tmp_path / "logs")
    run = run_script(argv, cwd=tmp_path, env=dict(os.environ), log_dir=tmp_path / "logs", echo=False, held=held)
    assert (run.returncode, run.stdout_log.read_text(), run.stderr_log.read_text()) == (0, "ran\n", "")
