"""A script that reports the tracking URI it was given and whether the store was ready before it started."""

import os
import sqlite3
from pathlib import Path

from helpers.flows import handle_outputs

uri = os.environ["MLFLOW_TRACKING_URI"]
database = Path(uri.removeprefix("sqlite:///"))
if not database.exists():
    state = "no-store"
else:
    with sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True) as connection:
        ready = connection.execute("select count(*) from alembic_version").fetchone()[0] == 1
    state = "schema-ready" if ready else "no-schema"
handle_outputs({"seen": f"{uri} {state}"})
