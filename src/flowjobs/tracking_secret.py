"""The tracking URI as a Flyte secret: on a cluster, scripts find their MLflow server without it being in code.

Set FLOWJOBS_TRACKING_SECRET=GROUP/KEY when a flow is defined (`pyflyte run --remote`, `pyflyte register`,
`pyflyte package`): every job task then requests that secret, and when it runs, the secret's value (e.g.
`https://user:password@mlflow.example.com`) becomes its MLFLOW_TRACKING_URI and its script's. Without it, scripts use
MLFLOW_TRACKING_URI from the task's environment (`pyflyte run --remote --env MLFLOW_TRACKING_URI=…`).
"""

from __future__ import annotations

import os
import re

from flowjobs.tracking_store import ENV_TRACKING_URI

ENV_TRACKING_SECRET = "FLOWJOBS_TRACKING_SECRET"
_NAME = re.compile(r"^(?P<group>[\w-]+)/(?P<key>[\w.-]+)$")


def tracking_secret_name() -> str | None:
    """GROUP/KEY from FLOWJOBS_TRACKING_SECRET, checked; None when not configured."""
    name = os.environ.get(ENV_TRACKING_SECRET) or None
    if name is not None and not _NAME.match(name):
        raise ValueError(f"{ENV_TRACKING_SECRET}={name!r}: expected GROUP/KEY, e.g. mlflow/tracking-uri")
    return name


def _parts(name: str) -> tuple[str, str]:
    group, key = name.split("/", 1)
    return group, key


def tracking_secret_requests(name: str | None) -> list:
    """The task's Flyte secret request, mounted as an environment variable."""
    if name is None:
        return []
    from flytekit import Secret

    group, key = _parts(name)
    return [Secret(group=group, key=key, mount_requirement=Secret.MountType.ENV_VAR)]


def apply_tracking_secret(name: str | None) -> None:
    """Make the secret's value this task's MLFLOW_TRACKING_URI (read when the task runs), so its script and the
    task's own tracking calls (ending runs a killed script left RUNNING) use the same server."""
    if name is None:
        return
    from flytekit import current_context

    os.environ[ENV_TRACKING_URI] = current_context().secrets.get(*_parts(name)).strip()
