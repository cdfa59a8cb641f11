"""`flowjobs run` and `pyflyte run` on the sample flow: the same printed result and the same model, with the
two independent loads running at the same time under flowjobs, one after the other under pyflyte."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from flowjobs import records
from tests.support.project import PROJECT_ROOT, run, tool

RESULT = re.compile(r"^TrainingResult\(model=(?P<model>\S+), accuracy=(?P<accuracy>[0-9.]+)\)$", re.MULTILINE)
INPUTS = ["--data_path_b", "data/datasetC.csv", "--num_estimators", "5"]


@dataclass
class Ran:
    stdout: str
    record: records.ExecutionRecord

    @property
    def result(self) -> re.Match:
        found = RESULT.search(self.stdout)
        assert found, self.stdout
        return found


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Ran]:
    """The sample flow run once by each command, each with its own state and work folders."""
    ran = {}
    for name, argv in {
        "pyflyte": [tool("pyflyte"), "run", "flows/sample_flow.py", "model_training", *INPUTS],
        "flowjobs": [tool("flowjobs"), "run", "flows/sample_flow.py", "model_training", *INPUTS, "--cpus", "2"],
    }.items():
        folder = tmp_path_factory.mktemp(name)
        env = {"FLOWJOBS_STATE_DIR": str(folder / "state"), "FLOWJOBS_WORK_DIR": str(folder / "jobs")}
        result = run(argv, cwd=PROJECT_ROOT, env={**env, "TMPDIR": str(folder)})
        assert result.returncode == 0, result.stderr
        (record,) = (folder / "state" / "runs").glob(f"*/{records.RECORD_FILE}")
        ran[name] = Ran(result.stdout, records.load(record))
    return ran


@pytest.mark.slow
def test_the_printed_result_and_the_model_are_the_same(sample_runs: dict[str, Ran]) -> None:
    flowjobs, pyflyte = sample_runs["flowjobs"].result, sample_runs["pyflyte"].result
    assert sample_runs["flowjobs"].stdout == flowjobs.group(0) + "\n", "stdout carries the result only"
    assert flowjobs.group(0).replace(flowjobs["model"], "M") == pyflyte.group(0).replace(pyflyte["model"], "M")
    assert Path(flowjobs["model"]).read_bytes() == Path(pyflyte["model"]).read_bytes()


def overlap(record: records.ExecutionRecord, first: str, second: str) -> float:
    spans = {entry.name: (entry.attempts[0].start, entry.attempts[-1].end) for entry in record.tasks.values()}
    (a_start, a_end), (b_start, b_end) = spans[first], spans[second]
    return (min(a_end, b_end) - max(a_start, b_start)).total_seconds()


@pytest.mark.slow
def test_the_independent_loads_run_at_the_same_time_only_under_flowjobs(sample_runs: dict[str, Ran]) -> None:
    flowjobs, pyflyte = sample_runs["flowjobs"].record, sample_runs["pyflyte"].record
    assert overlap(flowjobs, "load_data_a", "load_data_b") > 0
    assert overlap(pyflyte, "load_data_a", "load_data_b") <= 0


@pytest.mark.slow
def test_both_commands_leave_a_complete_record(sample_runs: dict[str, Ran]) -> None:
    for name, runner in (("flowjobs", "flowjobs run"), ("pyflyte", "pyflyte run")):
        record = sample_runs[name].record
        assert record.runner == runner and record.status == "succeeded" and record.end is not None
        names = sorted(entry.name for entry in record.tasks.values())
        assert names == ["load_data_a", "load_data_b", "merge_data", "process_data", "train_model"]
        assert {entry.status for entry in record.tasks.values()} == {"done"}
        assert {entry.tier for entry in record.tasks.values()} == {"Small", "Medium", "Large"}
