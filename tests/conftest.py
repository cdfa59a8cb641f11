"""Shared fixtures: every test gets its own temp folder for flytekit's and the job tasks' working files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from flowjobs import tracking_store
from tests.support import figures
from tests.support.multitrain import SMALL_H2O, PipelineRun, copy_store, run_pipeline, shared_run
from tests.support.project import PROJECT_ROOT


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controlling process, before any xdist worker starts
        figures.start()


def pytest_terminal_summary(terminalreporter) -> None:
    """The figures tests recorded (tests/support/figures.py): load throughput, case counts, screenshots."""
    for section, lines in sorted(figures.sections().items()):
        terminalreporter.section(section)
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _own_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """flytekit and the scripts leave folders under TMPDIR; keep each test's in pytest's own temp tree."""
    work = tmp_path_factory.mktemp("work")
    monkeypatch.setenv("TMPDIR", str(work))
    monkeypatch.setenv("FLOWJOBS_WORK_DIR", str(work / "jobs"))
    monkeypatch.setenv("FLOWJOBS_STATE_DIR", str(work / "state"))  # execution records, the runner's cache
    # tests look into attempt folders after a run: kept (tests/flowjobs/runner/test_space.py sets 0, the default)
    monkeypatch.setenv("FLOWJOBS_WORK_RETENTION_HOURS", "24")
    # task environments built from requirements lists: once per session, whichever test needs one first
    monkeypatch.setenv("FLOWJOBS_ENVIRONMENTS_CACHE", str(tmp_path_factory.getbasetemp() / "environments"))
    monkeypatch.delenv("FLOWJOBS_EXECUTION_ID", raising=False)
    monkeypatch.delenv("FLOWJOBS_IS_WORKFLOW_JOB", raising=False)
    # MLflow records and model files go to the session's temp tree, never to the project root
    tracked = tmp_path_factory.getbasetemp() / "mlflow"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tracked / 'mlflow.db'}")
    monkeypatch.setenv("FLOWJOBS_MODELS_DIR", str(tracked / "models"))
    # a port one test found silent may be a live server in the next: no probe answer carries over
    monkeypatch.setattr(tracking_store, "_probed", {})


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture
def python() -> str:
    return sys.executable


@pytest.fixture
def work_dir() -> Path:
    return Path(os.environ["FLOWJOBS_WORK_DIR"])


@pytest.fixture(scope="session")
def multitrain_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """The multi-train flow run once, end to end, on a fresh SQLite store (small H2O budget); read, never change it."""
    return shared_run(tmp_path_factory, "multitrain", lambda folder: run_pipeline(folder, *SMALL_H2O))


@pytest.fixture(scope="session")
def weaker_run(multitrain_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """The flow again, on a copy of `multitrain_run`'s store, with one weak branch (a tiny C): it cannot beat the
    champion. A second execution in the same experiment; read, never change it."""
    assert multitrain_run.returncode == 0, multitrain_run.stderr[-5000:]

    def weaker(folder: Path) -> PipelineRun:
        specs = folder / "specs.yaml"
        specs.write_text("models:\n  - {name: weak_logreg, algorithm: logistic_regression, model_file: weak.pkl}\n")
        uri = copy_store(multitrain_run, folder)
        return run_pipeline(folder, "--c_grid", "[0.0001]", uri=uri, FLOWJOBS_MODEL_SPECS=str(specs))

    return shared_run(tmp_path_factory, "weaker", weaker)
