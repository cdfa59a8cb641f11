"""The toolkit as a user gets it: its wheel in a fresh virtual environment, used from projects outside the checkout.

- the wheel holds the toolkit alone (no flows, tasks, helpers, multitrain, data or models at top level);
- `flowjobs init` makes a project of each template in a temporary folder, and that project's own tests pass there;
- a project of the test's own, with its own `flows/`, `tasks/` and `utils/` packages, whose job task runs
  `python scripts/greet.py` relative to that project, runs under both runners with its state and MLflow store
  inside that project and nothing written into the checkout.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from flowjobs import scaffold
from tests.support.outside import blocks, build_wheel, fresh_environment, run_block, run_outside, top_level_names
from tests.support.project import PROJECT_ROOT

pytestmark = pytest.mark.slow

OWN_PROJECT = {
    "pyproject.toml": '[project]\nname = "greetings"\nversion = "0.1.0"\n\n[tool.flowjobs]\n',
    "flows/__init__.py": "",
    "flows/greet_flow.py": '''"""A user's flow: one job task running a script of this project by a relative path."""

from flytekit import workflow

from flowjobs import Input, Output, run_job_task
from utils.naming import TIER


@workflow
def greet(name: str = "world") -> str:
    return run_job_task(
        "greet",
        "python scripts/greet.py",
        TIER,
        inputs=[Input("name", str, name)],
        output_specs=[Output("greeting", str)],
        tracking=True,
    )
''',
    "tasks/__init__.py": "",
    "tasks/text.py": 'def shout(text: str) -> str:\n    return text.upper() + "!"\n',
    "utils/__init__.py": "",
    "utils/naming.py": 'TIER = "Small"\nEXPERIMENT = "greetings"\n',
    "scripts/greet.py": '''"""Greet someone, logging the greeting to this project's MLflow store."""

import argparse

import mlflow

from flowjobs import get_param_from_args, handle_outputs, run_main
from tasks.text import shout
from utils.naming import EXPERIMENT


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="world")
    greeting = shout(f"hello, {get_param_from_args(parser, 'name')}")
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run():
        mlflow.log_param("greeting", greeting)
    handle_outputs({"greeting": greeting})


if __name__ == "__main__":
    run_main(main)
''',
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def bin_folder(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    return fresh_environment(tmp_path_factory.mktemp("fresh") / "venv", wheel)


def test_the_wheel_holds_the_toolkit_and_nothing_generic(wheel: Path) -> None:
    assert top_level_names(wheel) == {"flowjobs", wheel.name.split("-py3")[0] + ".dist-info"}


def test_the_fresh_environment_has_no_project_packages(bin_folder: Path, tmp_path: Path) -> None:
    for name in ("flows", "tasks", "helpers", "multitrain", "data", "models"):
        done = run_outside(bin_folder, tmp_path, "python", "-c", f"import {name}")
        assert f"No module named '{name}'" in done.stderr, f"the wheel installed a package {name!r}"


@pytest.mark.parametrize("template", sorted(scaffold.templates()))
def test_a_project_made_by_init_runs_every_command_of_its_readme(
    template: str, bin_folder: Path, tmp_path: Path
) -> None:
    project = tmp_path / f"my-{template}"
    made = run_outside(bin_folder, tmp_path, "flowjobs", "init", str(project), "--template", template)
    assert made.returncode == 0, made.stderr
    commands = [block for block in blocks(project / "README.md") if block.language == "bash"]
    assert commands and not [block for block in commands if block.skipped_because], "a template's README runs whole"
    for block in commands:
        done = run_block(block, project, bin_folder)
        assert done.returncode == 0, f"{block.first_line}\n{done.stdout[-4000:]}\n{done.stderr[-3000:]}"
    assert (project / ".flowjobs" / "runs").is_dir(), "its executions are recorded in the project itself"


def test_every_command_block_of_our_readme_is_run_or_says_why_not() -> None:
    commands = [block for block in blocks(PROJECT_ROOT / "README.md") if block.language == "bash"]
    run_here = [block for block in commands if not block.skipped_because]
    assert [block.first_line for block in run_here] == ["flowjobs init my-project"], "run by the test below"


def test_the_readme_s_first_project_and_its_example_run_as_written(bin_folder: Path, tmp_path: Path) -> None:
    readme = blocks(PROJECT_ROOT / "README.md")
    first = next(block for block in readme if block.first_line == "flowjobs init my-project")
    done = run_block(first, tmp_path, bin_folder)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    project = tmp_path / "my-project"
    examples = [block for block in readme if block.language == "python" and block.first_line.startswith("# ")]
    for example in examples:  # `# tasks/score.py   run alone: <command>`: the file, and how it is run
        path, _, how = example.first_line.removeprefix("# ").partition(" ")
        (project / path).write_text(example.text + "\n")
        (project / "data").mkdir(exist_ok=True)
        (project / "data" / "x.csv").write_text("a,b\n1,2\n3,4\n5,6\n")
        command = how.strip().removeprefix("run alone:").strip()
        ran = run_outside(bin_folder, project, "bash", "-c", command)
        assert ran.returncode == 0, f"{command}: {ran.stderr[-3000:]}"
    assert (project / "out" / "rows").read_text() == "3", "the script run alone counted the rows"
    assert "3" in ran.stdout.splitlines()[-1], "the flow returned the script's count"


def _checkout_state() -> dict[str, float]:
    """What the checkout holds of local runs: each record, and the store's modification time."""
    places = [*(PROJECT_ROOT / ".flowjobs" / "runs").glob("*"), PROJECT_ROOT / "mlflow.db", PROJECT_ROOT / "scripts"]
    return {str(path): path.stat().st_mtime for path in places if path.exists()}


@pytest.mark.parametrize("runner", ["pyflyte", "flowjobs"])
def test_a_project_of_one_s_own_runs_its_scripts_and_keeps_its_state_inside_it(
    runner: str, bin_folder: Path, tmp_path: Path
) -> None:
    project = tmp_path / "greetings"
    for relative, text in OWN_PROJECT.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text)
    before = _checkout_state()
    done = run_outside(bin_folder, project, runner, "run", "flows/greet_flow.py", "greet", "--name", "ada")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "HELLO, ADA!" in done.stdout
    records = list((project / ".flowjobs" / "runs").glob("*/record.json"))
    assert len(records) == 1, "the execution's record is in the project's own state folder"
    with sqlite3.connect(project / "mlflow.db") as store:
        logged = store.execute("select value from params where key = 'greeting'").fetchall()
    assert logged == [("HELLO, ADA!",)], "the script logged to the project's own MLflow store"
    assert _checkout_state() == before, "nothing was written into the checkout"
