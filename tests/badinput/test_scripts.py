"""Every bad value of every task script flag (tests/badinput/cases.py): one stderr line naming the thing.

Each case runs the script alone (`python tasks/X.py …`, through the import-once helper of forked.py) with good
values for every other flag and `--output-dir` in its own folder. A refused value must give exactly one stderr
line, `error: <script>.py: <what, naming the flag, input, file or column>`, the case's exit code (1, or 2 for what
argparse refuses), no output in the output folder (the report a script run alone writes there is no output),
and no MLflow run left RUNNING in the store. A value that is fine must let the script succeed.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.badinput import files
from tests.badinput.cases import CASES, GOOD, Case
from tests.badinput.forked import TASKS, Done, Forker

pytestmark = pytest.mark.slow
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass
class Prepared:
    folder: Path
    env: dict[str, str]
    values: dict[str, str]

    def resolve(self, text: str, escape: bool = False, **more: str) -> str:
        """`{name}` → its value (escaped for a regex if asked); anything else, like `o{300}`, stays."""
        known = {**self.values, **more}
        found = (lambda value: re.escape(value)) if escape else str
        return PLACEHOLDER.sub(lambda m: found(known[m[1]]) if m[1] in known else m[0], text)

    def running_runs(self) -> int:
        with sqlite3.connect(self.folder / "store" / "mlflow.db") as store:
            return store.execute("select count(*) from runs where status = 'RUNNING'").fetchone()[0]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    folder = tmp_path_factory.mktemp("badinput")
    env = files.script_env(folder)
    return Prepared(folder, env, files.prepare(folder, env))


@pytest.fixture(scope="module")
def forker() -> Iterator[Forker]:
    with Forker() as started:
        yield started


def argv(case: Case, prepared: Prepared, out: Path) -> list[str]:
    """The script's good flags, the case's flag with its bad value, and its own output folder."""
    flags = {flag: values for flag, values in GOOD[case.script].items() if flag not in case.without}
    flags[case.flag] = case.value
    if case.flag != "--output-dir":
        flags["--output-dir"] = (str(out),)
    return [item for flag, values in flags.items() for item in (flag, *(prepared.resolve(v) for v in values))]


def check(case: Case, done: Done, prepared: Prepared, out: Path) -> None:
    if case.expected is None:
        assert done.code == 0, done.stderr[-3000:]
        return
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, f"not one line (exit {done.code}):\n{done.stderr[-3000:]}"
    file = prepared.resolve(case.value[0]) if case.value else ""
    expected = f"error: {re.escape(case.script)}\\.py: " + prepared.resolve(case.expected, escape=True, file=file)
    assert re.fullmatch(expected, lines[0]), f"{lines[0]!r}\n does not match\n{expected!r}"
    assert done.code == case.code, lines[0]
    written = [path.name for path in out.glob("*") if path.name != "reports"] if out.exists() else []
    assert written == [], "outputs written despite the error"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_bad_value_is_one_line_naming_it(case: Case, prepared: Prepared, forker: Forker, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # a refused value ends the script before any work; an accepted one trains (H2O's JVM on a loaded machine)
    timeout = 120 if case.expected is not None else 900
    done = forker.run(TASKS / f"{case.script}.py", argv(case, prepared, out), prepared.env, tmp_path, timeout)
    check(case, done, prepared, out)
    assert prepared.running_runs() == 0, "an MLflow run was left RUNNING"


FIRST_OF_EACH_SCRIPT = list({case.script: case for case in CASES if case.expected is not None}.values())


@pytest.mark.parametrize("case", FIRST_OF_EACH_SCRIPT, ids=lambda case: case.script)
def test_a_fresh_interpreter_answers_as_the_helper_does(
    case: Case, prepared: Prepared, forker: Forker, tmp_path: Path
) -> None:
    """The import-once helper is faithful: a script's first case gives the same exit code and stderr both ways."""
    out = tmp_path / "out"
    helped = forker.run(TASKS / f"{case.script}.py", argv(case, prepared, out), prepared.env, tmp_path)
    fresh = subprocess.run(
        [sys.executable, str(TASKS / f"{case.script}.py"), *argv(case, prepared, out)],
        cwd=tmp_path,
        env=prepared.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (fresh.returncode, fresh.stderr) == (helped.code, helped.stderr)
    check(case, Done(fresh.returncode, fresh.stdout, fresh.stderr), prepared, out)
