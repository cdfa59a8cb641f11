"""The multi-train flow against an MLflow tracking server whose store is PostgreSQL: the same records as SQLite.

The test creates its own database on the machine's PostgreSQL (127.0.0.1:5432), starts `mlflow server` on
127.0.0.1 with that backend store and a local artifact root, runs model_training_pipeline against it, compares
what MLflow holds with the SQLite run of the same flow (the session fixture), and drops the database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from mlflow import MlflowClient

from tests.support.multitrain import SMALL_H2O, PipelineRun, run_pipeline
from tests.support.records import summary
from tests.support.servers import free_port, postgres_database, require_postgres, running, tracking_server_argv

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    require_postgres()
    with postgres_database() as uri:
        yield uri


@pytest.fixture(scope="module")
def server_run(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PipelineRun, str]]:
    folder = tmp_path_factory.mktemp("postgres")
    port = free_port()
    argv = tracking_server_argv(port, database, folder / "artifacts")
    with running(argv, port, folder / "server.log") as server:
        yield run_pipeline(folder, *SMALL_H2O, uri=server.url), server.url


def test_the_run_succeeds_against_the_postgresql_backed_server(server_run) -> None:
    run, _ = server_run
    assert run.returncode == 0, run.stderr[-5000:]


def test_the_server_holds_the_same_records_as_the_sqlite_store(server_run, multitrain_run: PipelineRun) -> None:
    run, url = server_run
    assert multitrain_run.returncode == 0
    on_server = summary(MlflowClient(tracking_uri=url, registry_uri=url))
    on_sqlite = summary(multitrain_run.client())
    assert on_server == on_sqlite


def test_the_runs_are_rows_of_the_postgresql_database(server_run, database: str) -> None:
    import psycopg2

    with (
        contextlib.closing(psycopg2.connect(database.replace("+psycopg2", ""))) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT status, count(*) FROM runs GROUP BY status")
        counts = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM model_versions")
        (versions,) = cursor.fetchone()
    assert set(counts) == {"FINISHED"} and counts["FINISHED"] >= 9
    assert versions == 4


def test_artifacts_went_to_the_servers_artifact_root(server_run) -> None:
    run, _ = server_run
    assert any(path.name == "leaderboard.md" for path in (run.folder / "artifacts").rglob("*"))
    assert not (run.folder / "store" / "mlruns").exists()
