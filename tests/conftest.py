"""Shared fixtures: every test gets its own temp folder for flytekit's and the job tasks' working files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.support.project import PROJECT_ROOT


@pytest.fixture(autouse=True)
def _own_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """flytekit and the scripts leave folders under TMPDIR; keep each test's in pytest's own temp tree."""
    work = tmp_path_factory.mktemp("work")
    monkeypatch.setenv("TMPDIR", str(work))
    monkeypatch.setenv("FLOWJOBS_WORK_DIR", str(work / "jobs"))
    monkeypatch.delenv("FLOWJOBS_EXECUTION_ID", raising=False)
    monkeypatch.delenv("FLOWJOBS_IS_WORKFLOW_JOB", raising=False)


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture
def python() -> str:
    return sys.executable


@pytest.fixture
def work_dir() -> Path:
    return Path(os.environ["FLOWJOBS_WORK_DIR"])
