"""The MLflow store the flows track to: where it is, how scripts reach it, and that it is ready before use.

With MLFLOW_TRACKING_URI unset, runs go to `sqlite:///<project root>/mlflow.db` and artifacts to `mlruns/`
beside it, so `mlflow ui` started in the project root with no flags shows both. Several scripts starting at once
on a fresh SQLite store would each create the schema, and all but one fail; `prepare_store` creates it once,
under a file lock, before any script runs. A server that does not answer fails within seconds naming the URI.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from flowjobs import store_health
from flowjobs.errors import ScriptInputError
from flowjobs.settings import project_root, setting
from flowjobs.tracking_credentials import split_credentials

ENV_TRACKING_URI = "MLFLOW_TRACKING_URI"
# Bounded HTTP behaviour for scripts (the user's own values win): a dead server ends a call in seconds.
HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    # MLflow prints "🏃 View run …" on stdout when a run on a server ends: stdout is the tasks' and the result's
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
}
PROBE_TIMEOUT_SECONDS = 15.0  # a refused connection fails at once; a busy server gets time to answer
# How long a probe's answer holds in this process: an answer briefly (a script's calls come in a burst), a silence
# for a minute (the runner's closing calls after a failed task each fail at once, not after MLflow's retries)
ANSWERED_MEMO_SECONDS, SILENT_MEMO_SECONDS = 10.0, 60.0
DATABASE_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")


class TrackingError(ScriptInputError):
    """The tracking store cannot be used (a server that does not answer); the message names the URI."""


# --- where ---------------------------------------------------------------------------------------------------


def tracking_uri() -> str:
    """MLFLOW_TRACKING_URI made absolute, else the project config's `tracking_uri` (relative to the project root),
    else the SQLite store `mlflow.db` at the project root."""
    if os.environ.get(ENV_TRACKING_URI):
        return absolute_uri(os.environ[ENV_TRACKING_URI])
    configured = setting("tracking_uri")
    if configured:
        return absolute_uri(str(configured), base=project_root())
    return f"sqlite:///{project_root() / 'mlflow.db'}"


def absolute_uri(uri: str, base: Path | None = None) -> str:
    """Scripts run in temp folders: a relative SQLite file or store folder is made absolute here (relative to
    `base`, else to the current folder)."""
    if uri.startswith("sqlite:///"):
        path, mark, query = uri.removeprefix("sqlite:///").partition("?")
        if path and not path.startswith("/") and path != ":memory:":
            return f"sqlite:///{((base or Path.cwd()) / path).resolve()}{mark}{query}"
        return uri
    return uri if "://" in uri else ((base or Path.cwd()) / uri).resolve().as_uri()


def sqlite_path(uri: str) -> Path | None:
    return Path(uri.removeprefix("sqlite:///").partition("?")[0]) if uri.startswith("sqlite:///") else None


def is_database(uri: str) -> bool:
    return uri.split(":", 1)[0].split("+", 1)[0] in DATABASE_SCHEMES


def artifact_root(uri: str) -> str:
    """Artifacts of a database store: `mlruns/` beside a SQLite file, else at the project root."""
    database = sqlite_path(uri)
    return ((database.parent if database else project_root()) / "mlruns").as_uri()


def redacted(uri: str) -> str:
    """The URI without a password, fit for an error message or a log."""
    parts = urllib.parse.urlsplit(uri)
    if not parts.password:
        return uri
    host = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=host))


def bound_http() -> None:
    """This process's MLflow calls get the same bounded timeout and retries as the scripts' (the user's win)."""
    for key, value in HTTP_DEFAULTS.items():
        os.environ.setdefault(key, value)


def script_env() -> dict[str, str]:
    """What the job task adds to every script's environment: the absolute URI (its credentials apart, see
    `split_credentials`) and bounded HTTP retries."""
    bare, credentials = split_credentials(tracking_uri())
    return {
        ENV_TRACKING_URI: bare,
        **credentials,
        **{key: os.environ.get(key, value) for key, value in HTTP_DEFAULTS.items()},
    }


# --- readiness -----------------------------------------------------------------------------------------------


def store_lock(uri: str) -> contextlib.AbstractContextManager:
    """A file lock beside a SQLite store (held to create the schema, a parent run, a champion move)."""
    database = sqlite_path(uri)
    if database is None:
        return contextlib.nullcontext()
    from filelock import FileLock

    database.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(f"{database}.lock")


def _has_schema(database: Path) -> bool:
    if not database.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as connection:
            return connection.execute("select count(*) from alembic_version").fetchone()[0] > 0
    except sqlite3.Error:
        return False


def database_store(uri: str):
    """MLflow's store for a database URI, with artifacts beside it; creating it creates the schema."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore(uri, artifact_root(uri))


def check_sqlite(database: Path | None, writing: bool = True) -> None:
    """A SQLite store's file must be a database (and its folder writable, for `writing`): else TrackingError
    naming the path."""
    problem = database and store_health.sqlite_problem(database, writing)
    if problem:
        raise TrackingError(problem)


def prepare_store(uri: str | None = None) -> None:
    """Make the store ready before scripts use it: a database's schema is created once (under a lock)."""
    uri = uri or tracking_uri()
    if not is_database(uri):
        return
    check_sqlite(sqlite_path(uri))
    with store_lock(uri):
        database = sqlite_path(uri)
        if database is None or not _has_schema(database):
            database_store(uri)


_probed: dict[str, tuple[float, str | None]] = {}  # uri -> (when probed, why it does not answer)


def check_reachable(uri: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> None:
    """A tracking server must answer (any HTTP status) within `timeout`; else TrackingError naming the URI.

    The answer is kept a while (ANSWERED_MEMO_SECONDS, SILENT_MEMO_SECONDS): once this process found the server
    silent, its later calls (a task's logs, the record, the parent run) fail at once with the same line.
    """
    seen = _probed.get(uri)
    if seen is None or time.monotonic() - seen[0] >= (SILENT_MEMO_SECONDS if seen[1] else ANSWERED_MEMO_SECONDS):
        seen = _probed[uri] = (time.monotonic(), _probe(uri, timeout))
    if seen[1] is not None:
        raise TrackingError(seen[1])


def _probe(uri: str, timeout: float) -> str | None:
    bare = split_credentials(uri)[0]  # urllib would take `user:password@host` for the host name
    try:
        urllib.request.urlopen(f"{bare.rstrip('/')}/health", timeout=timeout).close()
    except urllib.error.HTTPError:
        return None
    except (OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return f"MLflow tracking server {redacted(uri)} does not answer ({reason}); start it or set MLFLOW_TRACKING_URI"
    return None


def make_ready(uri: str) -> None:
    """Before a store is written: a tracking server must answer, a database store gets its schema (once)."""
    if uri.startswith(("http://", "https://")):
        check_reachable(uri)
    else:
        prepare_store(uri)


def require_store() -> str:
    """The tracking URI of a store that exists and answers, for commands that only read it (no store is made)."""
    uri = tracking_uri()
    database = sqlite_path(uri)
    if uri.startswith(("http://", "https://")):
        check_reachable(uri)
    elif database is not None and not _has_schema(database):
        check_sqlite(database, writing=False)
        raise TrackingError(f"there is no MLflow store at {database}: run a flow first, or set MLFLOW_TRACKING_URI")
    return uri


def require_named_store(task: str) -> None:
    """On a cluster the store must be named: a SQLite file made inside a pod vanishes with it, and the next task's
    pod could not find the parent run. Fails a tracked task at once, naming the task and what to set."""
    if not os.environ.get(ENV_TRACKING_URI):
        raise TrackingError(
            f"task '{task}': {ENV_TRACKING_URI} is not set in this pod, and runs tracked to a file inside it would be "
            f"lost with it; pass `--env {ENV_TRACKING_URI}=<server>` to pyflyte, or register the flows with "
            "FLOWJOBS_TRACKING_SECRET set (docs/deployment.md, section 6)"
        )
