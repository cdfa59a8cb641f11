"""`flowjobs run` on the multi-train flow, beside the session's stock `pyflyte run` of it (`multitrain_run`):
the same leaderboard and champion, the branches at the same time, the execution as the MLflow parent run."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowjobs import parent_run, records, tracking
from tests.support.multitrain import (
    FLOW,
    RESULT,
    SMALL_H2O,
    WORKFLOW,
    PipelineRun,
    java_processes_under,
    pipeline_env,
)
from tests.support.project import PROJECT_ROOT, run, tool

pytestmark = pytest.mark.slow
# numbered in registration order, and timed: they differ between runs
IGNORED = {"version", "seconds", "fit s", "logging s"}


@pytest.fixture(scope="module")
def flowjobs_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    folder = tmp_path_factory.mktemp("multitrain-flowjobs")
    result = run(
        [tool("flowjobs"), "run", FLOW, WORKFLOW, *SMALL_H2O], cwd=PROJECT_ROOT, env=pipeline_env(folder), timeout=1200
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return PipelineRun(folder, result.returncode, result.stdout, result.stderr, 0.0)


def record_of(done: PipelineRun) -> records.ExecutionRecord:
    (path,) = (done.folder / "state" / "runs").glob(f"*/{records.RECORD_FILE}")
    return records.load(path)


def leaderboard(done: PipelineRun) -> list[dict[str, str]]:
    """The leaderboard's rows by column, as the compare step wrote them (markdown)."""
    text = Path(RESULT.search(done.stdout)["leaderboard"]).read_text()
    lines = [line for line in text.splitlines() if line.startswith("|") and not line.startswith("|--")]
    header, *rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    return [dict(zip(header, row, strict=True)) for row in rows if not set(row[0]) <= {"-", ":"}]


def champion_branch(done: PipelineRun) -> str:
    version = RESULT.search(done.stdout)["champion"]
    return next(row["branch"] for row in leaderboard(done) if row["version"] == version)


def test_the_result_and_the_leaderboard_are_pyflytes(flowjobs_run: PipelineRun, multitrain_run: PipelineRun) -> None:
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-3000:]
    assert flowjobs_run.stdout == RESULT.search(flowjobs_run.stdout).group(0) + "\n", "stdout is the result only"
    ours = [{k: v for k, v in row.items() if k not in IGNORED} for row in leaderboard(flowjobs_run)]
    theirs = [{k: v for k, v in row.items() if k not in IGNORED} for row in leaderboard(multitrain_run)]
    assert ours == theirs
    assert champion_branch(flowjobs_run) == champion_branch(multitrain_run)


def test_the_training_branches_ran_at_the_same_time(flowjobs_run: PipelineRun) -> None:
    record = record_of(flowjobs_run)
    spans = sorted(
        (entry.attempts[0].start, entry.attempts[-1].end)
        for entry in record.tasks.values()
        if entry.name.startswith("train_")
    )
    assert any(later_start < end for (_, end), (later_start, _) in zip(spans, spans[1:], strict=False)), spans
    assert [entry.name for entry in record.tasks.values()][-1] == "promote_champion", "the conditional's choice"
    assert not java_processes_under(flowjobs_run.folder), "the H2O JVM is gone"


def test_the_execution_is_the_mlflow_parent_run(flowjobs_run: PipelineRun) -> None:
    record = record_of(flowjobs_run)
    client = flowjobs_run.client()
    experiment = client.get_experiment_by_name("model_training_pipeline")
    found = client.search_runs(
        [experiment.experiment_id],
        filter_string=f"tags.`{tracking.TAG_EXECUTION}` = '{record.execution_id}' "
        f"and tags.`{tracking.TAG_ROLE}` = '{tracking.ROLE_EXECUTION}'",
    )
    assert [run.info.run_id for run in found] == [record.mlflow_run_id], "one parent run, the runner's"
    parent = found[0]
    assert parent.info.status == "FINISHED"
    assert parent.data.tags[parent_run.TAG_RUNNER] == "flowjobs run"
    assert parent.data.tags[f"{parent_run.TAG_TASK_STATUS}train_xgboost"] == "done"
    assert parent.data.metrics["task_seconds.train_h2o_automl"] > 0
    artifacts = [item.path for item in client.list_artifacts(parent.info.run_id, "flowjobs")]
    assert artifacts == ["flowjobs/record.json", "flowjobs/tasks.html"], "the record and its task table"
    children = client.search_runs(
        [experiment.experiment_id], filter_string=f"tags.`{tracking.TAG_ROLE}` = '{tracking.ROLE_BRANCH}'"
    )
    assert children and {child.data.tags["mlflow.parentRunId"] for child in children} == {parent.info.run_id}
