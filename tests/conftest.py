"""Shared fixtures: every test gets its own temp folder for flytekit's and the job tasks' working files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.support.multitrain import SMALL_H2O, PipelineRun, run_pipeline
from tests.support.project import PROJECT_ROOT


@pytest.fixture(autouse=True)
def _own_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """flytekit and the scripts leave folders under TMPDIR; keep each test's in pytest's own temp tree."""
    work = tmp_path_factory.mktemp("work")
    monkeypatch.setenv("TMPDIR", str(work))
    monkeypatch.setenv("FLOWJOBS_WORK_DIR", str(work / "jobs"))
    monkeypatch.setenv("FLOWJOBS_STATE_DIR", str(work / "state"))  # execution records, the runner's cache
    monkeypatch.delenv("FLOWJOBS_EXECUTION_ID", raising=False)
    monkeypatch.delenv("FLOWJOBS_IS_WORKFLOW_JOB", raising=False)
    # MLflow records and model files go to the session's temp tree, never to the project root
    tracked = tmp_path_factory.getbasetemp() / "mlflow"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tracked / 'mlflow.db'}")
    monkeypatch.setenv("FLOWJOBS_MODELS_DIR", str(tracked / "models"))


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
    return run_pipeline(tmp_path_factory.mktemp("multitrain"), *SMALL_H2O)
