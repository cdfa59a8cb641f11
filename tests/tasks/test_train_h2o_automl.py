"""H2O's JVM: sized from the tier, on 127.0.0.1, its files in the task's folder, and never left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowjobs import contract
from tasks.pyfunc_model import h2o_session
from tasks.train_h2o_automl import heap_mb
from tests.support.multitrain import java_processes_under, prepare_alone, run_task, stop_group
from tests.support.project import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_the_heap_is_three_quarters_of_the_tier_memory() -> None:
    assert heap_mb(4096) == 3072 and heap_mb(None) is None


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def test_the_jvm_runs_in_our_process_group_and_stops_also_on_error(tmp_path: Path) -> None:
    folder = tmp_path / "h2o"
    with pytest.raises(RuntimeError, match="the script failed"), h2o_session(folder, memory_mb=768, cpus=1) as jvm:
        argv = cmdline(jvm.pid)
        assert os.getpgid(jvm.pid) == os.getpgid(0), "the job task's kill of the script's group must reach the JVM"
        assert argv[argv.index("-ip") + 1] == "127.0.0.1" and argv[argv.index("-web_ip") + 1] == "127.0.0.1"
        assert argv[argv.index("-ice_root") + 1] == str(folder / "ice_root")
        assert "-Xmx768M" in argv and argv[argv.index("-nthreads") + 1] == "1"
        assert any((folder / "logs").iterdir()), "H2O's logs are in the task's folder"
        raise RuntimeError("the script failed")
    assert jvm.poll() is not None and not java_processes_under(folder)


def test_a_script_killed_with_sigkill_leaves_no_jvm(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from tasks.pyfunc_model import h2o_session
        with h2o_session(Path({str(tmp_path / "h2o")!r}), memory_mb=512, cpus=1) as jvm:
            print("JVM", jvm.pid, flush=True)
            time.sleep(600)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    script = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        jvm = int(next(line for line in script.stdout if line.startswith("JVM ")).split()[1])
        assert java_processes_under(tmp_path) == [jvm]
        os.killpg(script.pid, signal.SIGKILL)  # what the job task does once a script has exited or timed out
        script.wait(timeout=30)
    finally:
        stop_group(script)
    assert not java_processes_under(tmp_path)


def test_a_branch_failing_with_its_jvm_up_stops_the_jvm_and_fails_its_run(tmp_path: Path) -> None:
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}", "TMPDIR": str(tmp_path)}
    flags = ["--train", "p/train.csv", "--holdout", "p/holdout.csv", "--parent-run-id", prepare_alone(tmp_path, env)]
    failed = run_task("train_h2o_automl", *flags, "--params", '{"no_such_option": 1}', cwd=tmp_path, env=env)
    assert failed.returncode == 1
    last = failed.stderr.strip().splitlines()[-1]
    expected = "H2OAutoML got an unexpected keyword argument 'no_such_option'"
    assert last == f"error: train_h2o_automl.py: branch 'h2o_automl': {expected}"
    assert not java_processes_under(tmp_path)
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"])
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert {run.info.run_name: run.info.status for run in runs if run.info.run_name == "h2o_automl"} == {
        "h2o_automl": "FAILED"
    }


def test_automl_that_builds_no_model_fails_once_in_one_line_naming_its_budget(tmp_path: Path) -> None:
    refused = tmp_path / "refused.txt"  # in a flow, the job task reads it and does not retry
    env = {
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "TMPDIR": str(tmp_path),
        contract.ENV_REFUSED_FILE: str(refused),
    }
    flags = ["--train", "p/train.csv", "--holdout", "p/holdout.csv", "--parent-run-id", prepare_alone(tmp_path, env)]
    nothing = '{"include_algos": ["StackedEnsemble"]}'  # an ensemble of no base models: an empty leaderboard
    failed = run_task(
        "train_h2o_automl", *flags, "--h2o-max-runtime-secs", "20", "--params", nothing, cwd=tmp_path, env=env
    )
    assert failed.returncode == 1
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "error: train_h2o_automl.py: branch 'h2o_automl': H2O AutoML built no model within its budget "
        "(max_runtime_secs=20, max_models=5)"
    ), failed.stderr[-3000:]
    assert "H2O AutoML built no model within its budget" in refused.read_text(), "refused: never retried"
    assert not java_processes_under(tmp_path)


def test_h2o_probabilities_sum_to_one_per_row_before_any_metric(tmp_path: Path) -> None:
    """H2O hands its probabilities back as rounded text: unnormalized, scikit-learn's log loss warns "y_prob values
    do not sum to one" (here an error) and AUC and log loss are computed on slightly wrong numbers."""
    import warnings

    import numpy as np

    from multitrain.model_specs import ALGORITHMS
    from tasks import evaluation, training
    from tasks.prepare_data import split_table
    from tasks.pyfunc_model import h2o_column_types, load_estimator
    from tasks.train_h2o_automl import fit
    from tests.support.tables import WINE_TARGET, wine

    train, holdout, table, _ = split_table([wine(tmp_path / "wine.parquet")], WINE_TARGET, [], 0.25, "", "wine")
    branch = training.Branch(
        "h2o_automl", "h2o_automl", train, holdout, "0" * 64, {"max_models": 1, "max_runtime_secs": 300}, "",
        "e", "m", "auc", ALGORITHMS["h2o_automl"].model_file, tmp_path, table=table,
    )  # fmt: skip
    with h2o_session(tmp_path / "h2o", memory_mb=1024, cpus=1):
        fitted = fit(branch)
        scores = load_estimator("h2o", str(fitted.path), h2o_column_types(table.numeric, []))(holdout[table.features])
        for point in fitted.grid:
            assert "cv_auc" in point.metrics, "every model's CV metrics come from normalized probabilities too"
    assert scores.shape == (len(holdout), 3) and np.abs(scores.sum(axis=1) - 1).max() < 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "y_prob values do not sum to one" fails here
        metrics = evaluation.metrics(holdout[WINE_TARGET], scores, fitted.classes)
    assert metrics["auc"] > 0.9 and fitted.classes == ["1", "2", "3"]
    assert not java_processes_under(tmp_path)
