"""Dataset snapshots: named, immutable versions of data files, resolved to a script input with a content hash.

The catalog (the project config's `snapshots`, or the file FLOWJOBS_SNAPSHOTS names) lists each dataset's
versions as files under data/ and pins their sha256; a dataset (or a version) may carry the `id` another platform
knows it by, so a Domino flow's `DatasetSnapshot(Id="66b2…", Version=1)` finds it. A flow names a snapshot with
`DatasetSnapshot(name, version)`; at definition time it is checked against the catalog and becomes a task input holding
`name@version#sha256:…` (so the hash is part of the node's inputs, its cache key and the lineage); when the task
runs, the files are checked again and given to the script as the folder `inputs/<name>/`.
"""

from __future__ import annotations

import re
import shutil
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, PrivateAttr, RootModel, model_validator

from flowjobs import config
from flowjobs.config import ConfigError, Source
from flowjobs.hashing import content_hash
from flowjobs.settings import snapshots_folder, snapshots_source

_REF = re.compile(r"^(?P<name>[^@#]+)@(?P<version>[^@#]+)#sha256:(?P<sha256>[0-9a-f]{64})$")


class SnapshotError(ConfigError):
    """A snapshot that is not in the catalog, or whose files no longer match their pinned hash."""


class SnapshotVersion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: list[str]
    sha256: str | None = None
    description: str = ""
    id: str | None = None  # the id another platform knows this version by (a Domino snapshot id)
    folder: str = ""  # the folder under the data folder its files are listed from (and arrive relative to)


@dataclass(frozen=True)
class DatasetSnapshot:
    """A named, versioned dataset a task reads; it arrives as the folder `inputs/<input_name>/`."""

    name: str
    version: str | int

    @property
    def input_name(self) -> str:
        """The task input it arrives as: its name as a Python identifier (`66b2…` becomes `snapshot_66b2…`)."""
        name = re.sub(r"\W", "_", self.name)
        return name if name.isidentifier() else f"snapshot_{name}"


@dataclass(frozen=True)
class ResolvedSnapshot:
    name: str
    version: str
    root: Path
    files: tuple[str, ...]
    sha256: str

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}#sha256:{self.sha256}"


ID = "id"  # the key beside a dataset's versions that holds its id


class Dataset(RootModel[dict[str, SnapshotVersion]]):
    """A dataset's versions; beside them, in the config, the `id` another platform knows it by (Domino's)."""

    _id: str | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _id_beside_versions(cls, raw: typing.Any, handler: typing.Any) -> Dataset:
        if not isinstance(raw, dict):
            return handler(raw)
        known_as = raw.get(ID)
        if known_as is not None and not isinstance(known_as, str):
            raise ValueError(f"id must be text, got {known_as!r}")
        dataset = handler({str(version): spec for version, spec in raw.items() if version != ID})  # YAML: 1 or "1"
        dataset._id = known_as
        return dataset

    @property
    def versions(self) -> dict[str, SnapshotVersion]:
        return self.root

    @property
    def id(self) -> str | None:
        return self._id


class Catalog(RootModel[dict[str, Dataset]]):
    """Dataset name → its id and versions → files and pinned hash."""


def _datasets(path: Path | None = None) -> dict[str, Dataset]:
    source = catalog_source(path)
    if source is None:
        return {}
    return config.load_cached(source, Catalog, "snapshot catalog", SnapshotError).root


def catalog_source(path: Path | None = None) -> Source | None:
    """The catalog in use: the file given, FLOWJOBS_SNAPSHOTS's, or the project config's `snapshots`."""
    return Source(Path(path)) if path is not None else snapshots_source()


def load_catalog(path: Path | None = None) -> dict[str, dict[str, SnapshotVersion]]:
    """Dataset name -> version -> its files and pin; empty when the project has no snapshots."""
    return {name: dataset.versions for name, dataset in _datasets(path).items()}


def find_id(known_as: str, path: Path | None = None) -> tuple[str, str | None] | None:
    """The dataset (and version, for a snapshot's id) another platform's id names in the catalog, or None."""
    for name, dataset in _datasets(path).items():
        if dataset.id == known_as:
            return name, None
        version = next((version for version, spec in dataset.versions.items() if spec.id == known_as), None)
        if version is not None:
            return name, version
    return None


def resolve(snapshot: DatasetSnapshot, catalog_path: Path | None = None) -> ResolvedSnapshot:
    """Check a snapshot against the catalog and its files; errors list what exists."""
    source = catalog_source(catalog_path)
    catalog = load_catalog(catalog_path)
    version = str(snapshot.version)
    if snapshot.name not in catalog:
        where = f" (catalog: {source})" if source is not None else " (the project's config has no `snapshots`)"
        raise SnapshotError(
            f"unknown dataset snapshot {snapshot.name!r}; datasets: {', '.join(catalog) or 'none'}{where}"
        )
    versions = catalog[snapshot.name]
    if version not in versions:
        raise SnapshotError(
            f"unknown version {version!r} of dataset snapshot {snapshot.name!r}; versions: {', '.join(versions)}"
        )
    spec = versions[version]
    root = snapshots_folder(source) / spec.folder
    files = [(root / name) for name in spec.files]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise SnapshotError(f"dataset snapshot {snapshot.name}@{version}: missing files {', '.join(missing)}")
    actual = content_hash(files, root)
    if spec.sha256 is None:
        raise SnapshotError(f"dataset snapshot {snapshot.name}@{version} is not pinned; add `sha256: {actual}`")
    if actual != spec.sha256:
        raise SnapshotError(
            f"dataset snapshot {snapshot.name}@{version} changed since it was pinned "
            f"(sha256 {actual[:12]}…, catalog {spec.sha256[:12]}…); snapshots are immutable: add a new version"
        )
    return ResolvedSnapshot(snapshot.name, version, root, tuple(spec.files), actual)


def resolve_ref(ref: str, catalog_path: Path | None = None) -> ResolvedSnapshot:
    """The snapshot a task input names, checked to still hold the content it was defined with."""
    match = _REF.match(ref)
    if not match:
        raise SnapshotError(f"not a snapshot reference: {ref!r} (expected name@version#sha256:<hex>)")
    resolved = resolve(DatasetSnapshot(match["name"], match["version"]), catalog_path)
    if resolved.sha256 != match["sha256"]:
        raise SnapshotError(f"dataset snapshot {resolved.name}@{resolved.version} no longer matches {ref}")
    return resolved


def materialize(resolved: ResolvedSnapshot, target: Path) -> Path:
    """Copy a snapshot's files into the folder `target` (a script input)."""
    for name in resolved.files:
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(resolved.root / name, destination)
    return target
