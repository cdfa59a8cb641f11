"""A user and password in the tracking URI, kept out of every message: MLflow is only ever given the bare URI.

MLflow quotes the URI it was given in its errors (`API request to http://user:PASSWORD@host/... failed`), and a
script's last error line becomes its task's error, in the execution record and on the MLflow parent run. So the
credentials travel apart, in MLflow's own variables MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, which
MLflow reads from the environment and nothing prints. A URI with a password works as before (a Flyte secret may
hold one, see flowjobs/tracking_secret.py); it is only split before use.
"""

from __future__ import annotations

import os
import urllib.parse

CREDENTIAL_VARIABLES = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")


def split_credentials(uri: str) -> tuple[str, dict[str, str]]:
    """The URI without the user and password in it, and them as MLflow's credential variables ({} if none)."""
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme not in ("http", "https") or parts.password is None:
        return uri, {}
    bare = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    user, password = urllib.parse.unquote(parts.username or ""), urllib.parse.unquote(parts.password)
    return bare, dict(zip(CREDENTIAL_VARIABLES, (user, password), strict=True))


def for_mlflow(uri: str) -> str:
    """The bare URI for MLflow in this process; a user and password in it go to the environment MLflow reads."""
    bare, credentials = split_credentials(uri)
    os.environ.update(credentials)
    return bare
