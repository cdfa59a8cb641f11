"""A SQLite MLflow store that is not a database, or whose folder cannot be written: one line naming the path,
before MLflow's own traceback could start."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowjobs import tracking_store
from tests.support.load import flowjobs_run, tracked_env
from tests.support.project import PROJECT_ROOT


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder on a read-only file system (a small tmpfs mounted ro): even root cannot write there."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_store_file_that_is_not_a_database_fails_the_run_in_one_line(tmp_path: Path) -> None:
    database = tmp_path / "mlflow.db"
    database.write_bytes(b"this is no SQLite file, only some bytes " * 100)
    uri = f"sqlite:///{database}"
    (tmp_path / "tmp").mkdir()
    ran = subprocess.run(
        flowjobs_run("--experiment", "broken"),
        cwd=PROJECT_ROOT,
        env=tracked_env(tmp_path, uri),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 2, ran.stderr
    line = ran.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, ran.stderr
    assert line.startswith(f"error: MLflow store {database} is not a database"), line


def test_reading_a_store_file_that_is_not_a_database_names_it(tmp_path: Path, monkeypatch) -> None:
    database = tmp_path / "mlflow.db"
    database.write_bytes(b"\0garbage" * 200)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{database}")
    with pytest.raises(tracking_store.TrackingError, match=f"MLflow store {database} is not a database"):
        tracking_store.require_store()


def test_a_read_only_store_folder_is_named(read_only_folder: Path) -> None:
    with pytest.raises(tracking_store.TrackingError) as refused:
        tracking_store.prepare_store(f"sqlite:///{read_only_folder / 'mlflow.db'}")
    message = str(refused.value)
    assert "\n" not in message and f"MLflow store folder {read_only_folder} cannot be written" in message
    assert "Read-only file system" in message
