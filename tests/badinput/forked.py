"""Run task scripts as `python tasks/X.py …` runs them, hundreds of times, paying their imports once.

A task script spends one to three seconds importing pandas, scikit-learn and MLflow before it reads a flag, and
the bad-input sweep runs the scripts hundreds of times. So one helper process (this module run as a program, a
fresh interpreter, not pytest) imports the project's task modules once and then forks a child per case: the
child takes the case's argv, environment and working folder, points its stdout and stderr at files, and runs the
script's file as `__main__` exactly as the interpreter would. An exception the script does not handle prints
its traceback and exits 1, as Python does. `tests/badinput/test_scripts.py` checks, script by script, that a
case answers the same through the helper as through a fresh interpreter.

    with Forker() as forker:
        done = forker.run(script, ["--data-path", "x.csv"], env, cwd)    # exit code, stdout, stderr
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import runpy
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TASKS = PROJECT_ROOT / "tasks"
BASE_PATH: list[str] = []  # the helper's sys.path past its own folder: what a script's interpreter would have


@dataclass
class Done:
    code: int
    stdout: str
    stderr: str


def _child(case: dict) -> None:
    """In the forked child: become `python <script> <argv>` and never return."""
    code = 1
    try:
        os.setpgid(0, 0)  # a group of its own, so whatever it starts is killed with it
        os.chdir(case["cwd"])
        os.environ.clear()
        os.environ.update(case["env"])
        for fd, path in ((1, case["stdout"]), (2, case["stderr"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(target, fd)
            os.close(target)
        sys.argv = [case["script"], *case["argv"]]
        sys.path[:] = [str(Path(case["script"]).parent), *BASE_PATH]  # as `python script.py` sets it
        runpy.run_path(case["script"], run_name="__main__")
        code = 0
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            code = exit.code or 0
        else:
            print(exit.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    """The helper: import every task module, then one forked child per request line (JSON), one answer each."""
    BASE_PATH.extend(sys.path[1:])
    sys.path.insert(0, str(PROJECT_ROOT))
    for script in sorted(TASKS.glob("*.py")):
        importlib.import_module(f"tasks.{script.stem}")
    answers = os.fdopen(int(sys.argv[1]), "w")
    print("ready", file=answers, flush=True)
    for line in sys.stdin:
        case = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(case)
        deadline = time.monotonic() + case["timeout"]
        while (ended := os.waitpid(pid, os.WNOHANG)) == (0, 0) and time.monotonic() < deadline:
            time.sleep(0.01)
        if ended == (0, 0):  # past its time: a bad input the script failed to refuse, e.g. training forever
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            code = -signal.SIGKILL
        else:
            code = os.waitstatus_to_exitcode(ended[1])
        print(json.dumps(code), file=answers, flush=True)


class Forker:
    """The helper process, started once; `run` sends it one case and waits for the child's exit code."""

    def __enter__(self) -> Forker:
        self.folder = Path(tempfile.mkdtemp(prefix="forker-"))
        read, write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, __file__, str(write)],
            stdin=subprocess.PIPE,
            pass_fds=(write,),
            cwd=PROJECT_ROOT,
            text=True,
            start_new_session=True,
        )
        os.close(write)
        self.answers = os.fdopen(read)
        if self.answers.readline().strip() != "ready":
            raise RuntimeError("the script helper did not start")
        self.count = 0
        return self

    def run(self, script: Path, argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 30) -> Done:
        self.count += 1
        out, err = self.folder / f"{self.count}.out", self.folder / f"{self.count}.err"
        case = {"script": str(script), "argv": argv, "env": env, "cwd": str(cwd), "timeout": timeout}
        self.process.stdin.write(json.dumps({**case, "stdout": str(out), "stderr": str(err)}) + "\n")
        self.process.stdin.flush()
        answer = self.answers.readline()
        if not answer:
            raise RuntimeError("the script helper exited")
        return Done(json.loads(answer), out.read_text(errors="replace"), err.read_text(errors="replace"))

    def __exit__(self, *exc: object) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.answers.close()
        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    serve()
