"""Bad workflow inputs: refused naming the input before anything runs, or by the task that first reads them.

Every input of the three flows that has a type a value can miss (int, List[float], a file) is given a value of
the wrong type through the very parser `flowjobs run` uses (and, through flytekit's options, `pyflyte run`);
str inputs reach their script's flag, whose bad values tests/badinput/test_scripts.py covers. A few values are
then run end to end, with `flowjobs run` and `pyflyte run`: the run fails, the failed task's line names the task
and the input, nothing downstream runs, and no MLflow run is left RUNNING.
"""

from __future__ import annotations

import json
import re
import sqlite3
import typing
from dataclasses import dataclass
from pathlib import Path

import pytest
from flytekit.types.file import FlyteFile

from flowjobs.runner import flowjobs_run, workflow_inputs
from tests.badinput.cases import WORKFLOW_INPUTS
from tests.badinput.files import bad_csvs
from tests.support.project import PROJECT_ROOT, run, tool


def wrong_value(python_type: typing.Any) -> str | None:
    """A value of the wrong type for a workflow input; None for str, which takes any text, and a bool's flag."""
    if python_type in (int, float):
        return "ten"
    if python_type is bool:
        return None  # a flag (--retrain / --no-retrain): it takes no value
    if typing.get_origin(python_type) is list:
        return "ten"
    if isinstance(python_type, type) and issubclass(python_type, FlyteFile):
        return "/no/such/file.csv"
    assert python_type is str, f"no wrong value for {python_type}"
    return None


@pytest.mark.parametrize(("file", "workflow"), list(WORKFLOW_INPUTS), ids=lambda value: str(value))
def test_a_workflow_input_of_the_wrong_type_is_refused_naming_it(file: str, workflow: str) -> None:
    loaded = workflow_inputs.load_workflow(str(PROJECT_ROOT / file), workflow)
    for name, python_type in loaded.workflow.python_interface.inputs.items():
        value = wrong_value(python_type)
        if value is None:
            continue  # a str: its bad values are its flag's cases
        with pytest.raises(workflow_inputs.SetupError) as refused:
            workflow_inputs.parse_arguments(loaded, [f"--{name}", value], flowjobs_run.OPTIONS)
        message = str(refused.value)
        assert message.startswith(f"workflow '{workflow}' ({Path(file).name}): Invalid value for '--{name}': ")
        assert len(message.splitlines()) == 1 and value in message


@dataclass(frozen=True)
class FlowRun:
    tool: str
    file: str
    workflow: str
    args: tuple[str, ...]
    task: str
    expected: str  # the script's error, after "error: <task>: "; {name}: a bad file's path
    ran: tuple[str, ...]  # every task that runs: the failing one and those before it

    @property
    def id(self) -> str:
        return f"{self.tool} {self.workflow} {' '.join(self.args)}"


FLOW_RUNS = [
    FlowRun("flowjobs", "flows/sample_flow.py", "model_training", ("--num_estimators", "-3"), "train_model",
            "num_estimators must be at least 1, got -3",
            ("load_data_a", "load_data_b", "merge_data", "process_data", "train_model")),
    FlowRun("flowjobs", "flows/multitrain_flow.py", "model_training_pipeline", ("--c_grid", "[]"), "prepare_data",
            r"input 'c_grid': List should have at least 1 item after validation, not 0 \(got \[\]\)",
            ("prepare_data",)),
    FlowRun("flowjobs", "flows/batch_predict_flow.py", "batch_predict", ("--data", "{non_utf8}"), "predict",
            r"data file {non_utf8} is not UTF-8 text", ("predict",)),  # the user's file, not the task's copy
    FlowRun("pyflyte", "flows/batch_predict_flow.py", "batch_predict", ("--model_name", ""), "predict",
            r"input 'model_name': String should have at least 1 character \(got ''\)", ("predict",)),
]  # fmt: skip


def flow_env(folder: Path) -> dict[str, str]:
    for name in ("state", "work", "tmp", "models"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "MLFLOW_TRACKING_URI": f"sqlite:///{folder / 'mlflow.db'}",
        "FLOWJOBS_STATE_DIR": str(folder / "state"),
        "FLOWJOBS_WORK_DIR": str(folder / "work"),
        "FLOWJOBS_MODELS_DIR": str(folder / "models"),
        "TMPDIR": str(folder / "tmp"),
        "FLOWJOBS_EXECUTION_ID": "",
    }


def left_running(store: Path) -> int:
    if not store.exists():
        return 0
    with sqlite3.connect(store) as connection:
        return connection.execute("select count(*) from runs where status = 'RUNNING'").fetchone()[0]


@pytest.mark.slow
def test_a_wrong_type_fails_flowjobs_run_with_one_line_before_anything_runs(tmp_path: Path) -> None:
    argv = [tool("flowjobs"), "run", "flows/sample_flow.py", "model_training", "--num_estimators", "ten"]
    refused = run(argv, cwd=PROJECT_ROOT, env=flow_env(tmp_path))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        "error: workflow 'model_training' (sample_flow.py): Invalid value for '--num_estimators': "
        "'ten' is not a valid integer."
    ]
    assert not list((tmp_path / "work").iterdir()), "nothing may run"


@pytest.mark.slow
@pytest.mark.parametrize("case", FLOW_RUNS, ids=lambda case: case.id)
def test_a_bad_value_fails_its_task_naming_task_and_input(case: FlowRun, tmp_path: Path) -> None:
    bad = {name: str(path) for name, path in bad_csvs(tmp_path / "bad").items()}
    args = [arg.format(**bad) for arg in case.args]
    done = run([tool(case.tool), "run", case.file, case.workflow, *args], cwd=PROJECT_ROOT, env=flow_env(tmp_path))
    assert done.returncode == 1, done.stderr[-3000:]
    task = f"flows.{Path(case.file).stem}.{case.task}"
    expected = case.expected.format(**{name: re.escape(path) for name, path in bad.items()})
    line = rf"task '{re.escape(task)}': script exited with code 1: error: {re.escape(task)}: {expected}"
    output = re.sub(r"\s+", " ", done.stdout + done.stderr)  # rich wraps pyflyte's traceback
    assert re.search(line, output), output[-3000:]
    records = list((tmp_path / "state" / "runs").glob("*/record.json"))
    tasks = json.loads(records[0].read_text())["tasks"]
    failed = [entry for entry in tasks.values() if entry["status"] == "failed"]
    assert [entry["name"] for entry in failed] == [case.task]
    assert re.fullmatch(line, failed[0]["error"]), failed[0]["error"]
    assert sorted(entry["name"] for entry in tasks.values() if entry["attempts"]) == sorted(case.ran)
    assert left_running(tmp_path / "mlflow.db") == 0
