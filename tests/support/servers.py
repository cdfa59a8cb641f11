"""Servers the tests start (MLflow tracking, model serving): on 127.0.0.1, a free port, always stopped.

MLflow's job runner (a pool of huey consumer processes, for its GenAI jobs) is turned off: the project uses none
of it, and each server would otherwise start several more Python processes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.project import BIN, tool

POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
QUIET = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
ENV_REQUIRE_POSTGRES = "FLOWJOBS_REQUIRE_POSTGRES"  # set by .ci/run: no PostgreSQL is a failure, not a skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


READY_WITHIN_SECONDS = 600  # a server's first answer, on a machine other work keeps busy


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # it answers, if only to say no
    except OSError:
        return False


@contextlib.contextmanager
def running(
    argv: list[str],
    port: int,
    log: Path,
    health: str = "/health",
    env: dict | None = None,
    cwd: Path | None = None,
    timeout: float = READY_WITHIN_SECONDS,
) -> Iterator[Server]:
    """Start a server in its own process group, wait until it answers, and stop the whole group afterwards.

    The wait polls until a generous bound: on a loaded machine an `mlflow server` takes minutes to answer."""
    url = f"http://127.0.0.1:{port}"
    merged = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **QUIET, **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=merged, cwd=cwd, start_new_session=True
        )
    try:
        started = time.monotonic()
        while not _answers(url + health):
            waited = time.monotonic() - started
            if process.poll() is not None or waited > timeout:
                how = f"exited with {process.returncode}" if process.poll() is not None else "gave up"
                raise RuntimeError(
                    f"waited {waited:.0f}s (at most {timeout:g}s) for {Path(argv[0]).name} to answer {url + health}; "
                    f"{how}:\n{log.read_text()[-3000:]}"
                )
            time.sleep(0.3)
        yield Server(url, process, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def tracking_server_argv(port: int, backend: str, artifacts: Path, *more: str) -> list[str]:
    """`mlflow server` on 127.0.0.1 with this backend store, proxying artifacts to a local folder."""
    return [
        tool("mlflow"), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", backend, "--artifacts-destination", artifacts.as_uri(), *more,
    ]  # fmt: skip


def _postgres_admin():
    import psycopg2

    connection = psycopg2.connect(connect_timeout=5, **POSTGRES)
    connection.autocommit = True
    return connection


def require_postgres() -> None:
    """Skip the test, saying why, when no PostgreSQL answers at 127.0.0.1:5432; fail it where CI requires one."""
    import psycopg2
    import pytest

    try:
        _postgres_admin().close()
    except psycopg2.OperationalError as err:
        reason = f"no PostgreSQL reachable at 127.0.0.1:5432 ({str(err).strip()})"
        if os.environ.get(ENV_REQUIRE_POSTGRES):
            pytest.fail(f"{reason}, and {ENV_REQUIRE_POSTGRES} is set")
        pytest.skip(reason)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A database of its own on the machine's PostgreSQL (trust auth), dropped afterwards; yields its SQLAlchemy URI.

    Raises psycopg2.OperationalError when no PostgreSQL answers at 127.0.0.1:5432.
    """
    admin = _postgres_admin()
    name = f"flowjobs_test_{uuid.uuid4().hex[:10]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg2://{POSTGRES['user']}@127.0.0.1:5432/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
