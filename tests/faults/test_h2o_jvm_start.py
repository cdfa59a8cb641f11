"""H2O's JVM that cannot start (a tier whose memory no machine has): one clear line, no JVM left, nothing after."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from flowjobs import records
from flowjobs.settings import DEFAULTS
from tests.support.held_flow import task
from tests.support.multitrain import FLOW, WORKFLOW, java_processes_under, pipeline_env
from tests.support.project import PROJECT_ROOT, run, tool

pytestmark = pytest.mark.slow
IMPOSSIBLE = {"cpu": {"request": "1", "limit": "1"}, "memory": {"request": "1000Ti", "limit": "1000Ti"}}
HEAP_MB = 1000 * 1024 * 1024 * 3 // 4  # tasks/train_h2o_automl.py: 3/4 of the tier's memory


def test_a_jvm_that_cannot_get_its_heap_fails_the_branch_in_one_line_and_leaves_no_java(tmp_path: Path) -> None:
    tiers = yaml.safe_load((DEFAULTS / "hardware_tiers.yaml").read_text())
    tiers["tiers"]["Impossible"] = IMPOSSIBLE
    (tmp_path / "tiers.yaml").write_text(yaml.safe_dump(tiers))
    specs = {"models": [{"name": "h2o_automl", "algorithm": "h2o_automl", "tier": "Impossible"}]}
    (tmp_path / "specs.yaml").write_text(yaml.safe_dump(specs))
    env = pipeline_env(
        tmp_path,
        FLOWJOBS_HARDWARE_TIERS=str(tmp_path / "tiers.yaml"),
        FLOWJOBS_MODEL_SPECS=str(tmp_path / "specs.yaml"),
    )
    ran = run([tool("flowjobs"), "run", FLOW, WORKFLOW], cwd=PROJECT_ROOT, env=env, timeout=600)
    assert ran.returncode == 1, ran.stderr[-3000:]
    expected = (
        rf"failed: node \S+ \(train_h2o_automl\): task '\S+train_h2o_automl': script exited with code 1: "
        rf"error: \S+: H2O's JVM did not start with a {HEAP_MB} MB heap \(3/4 of tier Impossible's memory\): "
        r"Could not reserve enough space for \d+KB object heap$"
    )
    assert re.search(expected, ran.stderr, re.MULTILINE), ran.stderr[-3000:]
    record = records.load(Path(re.search(r"^record: (\S+)$", ran.stderr, re.MULTILINE)[1]))
    branch = task(record, "train_h2o_automl")
    stderr = Path(branch.stderr_log).read_text().strip().splitlines()
    assert stderr[-1].startswith("error: ") and not any("Traceback" in line for line in stderr), stderr
    assert task(record, "compare_models").status == "skipped"
    assert not java_processes_under(tmp_path)
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"])
    runs = client.search_runs([experiment.experiment_id for experiment in client.search_experiments()])
    assert [run.info.status for run in runs] == ["FAILED"], "the execution's run; the branch never opened one"
