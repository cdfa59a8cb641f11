"""Task outputs stored under a key made of what the task is and the CONTENT of its inputs.

Flyte's local cache keys a file input by its path, so a changed CSV at the same path would hit; here a file or
folder input counts by its bytes (a touched but equal file still hits). The key also covers the task's name,
its cache_version and its code (a job task's spec and script; a Python task's source).

One store layout serves two purposes: the cache (tasks with cache=True, shared by all runs) and the results a
failed run leaves for the next run to resume from. An entry is a folder holding `outputs.pb` (the output
LiteralMap) and copies of its output files, with paths relative to the entry so an entry can be moved whole.
It is written under a temporary name and renamed into place: an interrupted write leaves no entry at all.
A checksum written with it is checked on every use (flowjobs/runner/entry_check.py): a damaged entry is thrown
away with one warning naming it, and the task runs again.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import shutil
import uuid
from pathlib import Path

from flyteidl.core import literals_pb2
from flytekit.core.base_task import PythonTask
from flytekit.models.literals import LiteralMap
from google.protobuf.message import DecodeError

from flowjobs import task_kinds
from flowjobs.hashing import content_digest
from flowjobs.runner import entry_check

OUTPUTS_FILE = "outputs.pb"
FILES_DIR = "files"
PARTIAL_PREFIX = ".partial-"
log = logging.getLogger("flowjobs")


def task_version(task: PythonTask) -> str:
    """What changes when the task's definition or code changes: its name, cache version and what its kind says
    its results depend on (a job task's spec and code hash, a plain task's source: flowjobs/task_kinds.py)."""
    digest = hashlib.sha256(f"{task.name}\0{task.metadata.cache_version}".encode())
    for part in task_kinds.kind_of(task).version_parts(task):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def _local_path(uri: str) -> Path | None:
    path = Path(uri.removeprefix("file://"))
    return path if "://" not in uri.removeprefix("file://") and path.exists() else None


def _literal_digest(literal: literals_pb2.Literal) -> str:
    kind = literal.WhichOneof("value")
    if kind == "collection":
        parts = [_literal_digest(item) for item in literal.collection.literals]
    elif kind == "map":
        parts = [f"{name}={_literal_digest(literal.map.literals[name])}" for name in sorted(literal.map.literals)]
    elif literal.hash:
        parts = [f"hash:{literal.hash}"]
    elif kind == "scalar" and literal.scalar.WhichOneof("value") == "blob":
        blob = literal.scalar.blob
        path = _local_path(blob.uri)
        content = content_digest(path) if path else f"uri:{blob.uri}"
        parts = [blob.metadata.SerializeToString(deterministic=True).hex(), content]
    else:
        parts = [literal.SerializeToString(deterministic=True).hex()]
    return hashlib.sha256(f"{kind}[{','.join(parts)}]".encode()).hexdigest()


def cache_key(task: PythonTask, inputs: LiteralMap) -> str:
    proto = inputs.to_flyte_idl()
    digest = hashlib.sha256(task_version(task).encode())
    for name in sorted(proto.literals):
        digest.update(f"\0{name}={_literal_digest(proto.literals[name])}".encode())
    return digest.hexdigest()[:32]


def _blobs(literal: literals_pb2.Literal) -> list[literals_pb2.Blob]:
    kind = literal.WhichOneof("value")
    if kind == "collection":
        return [blob for item in literal.collection.literals for blob in _blobs(item)]
    if kind == "map":
        return [blob for item in literal.map.literals.values() for blob in _blobs(item)]
    if kind == "scalar" and literal.scalar.WhichOneof("value") == "blob":
        return [literal.scalar.blob]
    return []


def _place(source: Path, target: Path) -> None:
    """A copy: a script that later writes to a file it produced or was handed cannot change the entry."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)


class ResultStore:
    """Entries of task outputs by key, in one folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def __contains__(self, key: str) -> bool:
        return (self.folder / key / OUTPUTS_FILE).is_file()

    def get(self, key: str) -> LiteralMap | None:
        """The entry's outputs; None when there is none, or it was damaged (then it is thrown away, with a warning)."""
        entry = self.folder / key
        if not (entry / OUTPUTS_FILE).is_file():
            return None
        damage = entry_check.damage(entry)
        try:
            proto = literals_pb2.LiteralMap.FromString((entry / OUTPUTS_FILE).read_bytes())
        except (OSError, DecodeError) as err:
            damage = damage or f"its outputs cannot be read: {err}"
        if damage:
            log.warning("stored outputs %s are damaged (%s): thrown away, the task runs again", entry, damage)
            self._discard(key)
            return None
        for literal in proto.literals.values():
            for blob in _blobs(literal):
                if blob.uri.startswith(f"{FILES_DIR}/"):
                    blob.uri = str(entry / blob.uri)
        return LiteralMap.from_flyte_idl(proto)

    def put(self, key: str, outputs: LiteralMap) -> None:
        """Store the outputs (their local files linked or copied in); an entry already there is replaced."""
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{PARTIAL_PREFIX}{key}-{uuid.uuid4().hex[:8]}"
        proto = outputs.to_flyte_idl()
        try:
            for number, blob in enumerate(b for literal in proto.literals.values() for b in _blobs(literal)):
                source = _local_path(blob.uri)
                if source is not None:
                    relative = f"{FILES_DIR}/{number}/{source.name}"
                    _place(source, partial / relative)
                    blob.uri = relative
            partial.mkdir(parents=True, exist_ok=True)
            (partial / OUTPUTS_FILE).write_bytes(proto.SerializeToString())
            entry_check.seal(partial)
            self._publish(partial, key)
        finally:
            shutil.rmtree(partial, ignore_errors=True)

    def _publish(self, partial: Path, key: str) -> None:
        target = self.folder / key
        if target.exists():
            retired = self.folder / f"{PARTIAL_PREFIX}retired-{key}-{uuid.uuid4().hex[:8]}"
            with contextlib.suppress(FileNotFoundError):  # another node of the same key retired it first
                target.rename(retired)
            shutil.rmtree(retired, ignore_errors=True)
        try:
            partial.rename(target)
        except OSError as err:  # a node with the same key and inputs published its equal entry just now: keep it
            if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise

    def _discard(self, key: str) -> None:
        retired = self.folder / f"{PARTIAL_PREFIX}damaged-{key}-{uuid.uuid4().hex[:8]}"
        with contextlib.suppress(OSError):
            (self.folder / key).rename(retired)
        shutil.rmtree(retired, ignore_errors=True)

    def take(self, key: str, source: ResultStore) -> LiteralMap | None:
        """Move the entry `key` from another store into this one (resuming a failed run); its outputs or None."""
        if key not in source:
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            (source.folder / key).rename(self.folder / key)
        return self.get(key)

    def absorb(self, source: ResultStore) -> None:
        """Move every entry of another store that this one lacks into this one, then remove the other."""
        if source.folder.is_dir():
            for entry in source.folder.iterdir():
                if not entry.name.startswith(PARTIAL_PREFIX) and entry.name not in self:
                    self.take(entry.name, source)
        source.remove()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
