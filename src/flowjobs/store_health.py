"""What is wrong with a SQLite MLflow store's file or folder, found before MLflow touches it.

MLflow meets a damaged file or a folder it may not write deep inside SQLAlchemy, and the user gets a page of
traceback ending in `file is not a database` or `attempt to write a readonly database`. Checked first, the
problem is one line naming the path.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from pathlib import Path


def sqlite_problem(database: Path, writing: bool = True) -> str | None:
    """Why the SQLite store at `database` cannot be used, or None: a file there that is not a SQLite database,
    or (for `writing`) a folder or file that cannot be written."""
    if database.exists():
        try:
            with contextlib.closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as connection:
                connection.execute("pragma schema_version").fetchone()
        except sqlite3.DatabaseError as err:
            return f"MLflow store {database} is not a database ({err}): move it away, or set MLFLOW_TRACKING_URI"
    if not writing:
        return None
    folder = database.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
        if database.exists():
            with database.open("r+b"):
                pass
    except OSError as err:
        where = err.filename or folder
        return f"MLflow store folder {folder} cannot be written ({err.strerror}: {where}): set MLFLOW_TRACKING_URI"
    return None
