"""A registered model version's files must still be where MLflow put them before anything loads it.

With a local store the files of every version live under `mlruns/` beside the database. When that folder was
deleted or moved (a clean-up, a copied database without its artifacts), MLflow's loader fails deep inside with
a path nobody asked about; checked first, the error is one line naming the model, the version and the folder.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from flowjobs import tracking
from multitrain.registry import RegistryError


def local_folder(uri: str) -> Path | None:
    """The local folder an artifact URI names (file:// or a plain path); None for a remote one."""
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme in ("", "file"):
        return Path(urllib.parse.unquote(parts.path))
    return None


def require_files(model_name: str, version: str) -> None:
    """RegistryError naming the model, the version and the folder when a local version's files are gone."""
    location = tracking.client().get_model_version_download_uri(model_name, version)
    folder = local_folder(location)
    if folder is not None and not folder.exists():
        raise RegistryError(
            f"registered model {model_name!r} version {version}: its files are gone from {folder} "
            "(was the mlruns/ folder beside the store moved or deleted?); restore it, or run the flow again"
        )
