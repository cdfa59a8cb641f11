"""Hashes of content, in one place: a dataset snapshot's files (`content_hash`), a cached task's input files and
folders (`content_digest`), and what a script's results depend on (`code_hash`).

`code_hash`: its code, the project modules it imports, the libraries. A cached job task's cache version carries
it, so editing the script, a project module it imports (tasks/training.py, helpers/flows.py, …), upgrading a
library or changing the task's environment (its image, its requirements) misses the cache. Imports are found by
reading the code (ast), never by running it.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import re
import threading
import typing
from pathlib import Path

from flowjobs.settings import project_root

DISTRIBUTION = "flowjobs"
CHUNK = 1 << 20  # bytes read at a time: a big data file is never read whole


TOOLKIT_PARENT = Path(__file__).resolve().parent.parent  # where the `flowjobs` package itself lies


def _roots() -> tuple[Path, ...]:
    """Where a script's imports are followed: the project, and the toolkit (its script-side modules are part of
    what a script runs, installed from a wheel or edited in a checkout)."""
    return (project_root(), TOOLKIT_PARENT)


def _root_of(path: Path) -> Path | None:
    return next((root for root in _roots() if path.is_relative_to(root)), None)


def _imported_names(node: ast.AST, path: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:  # a relative import: the package of `path`, `level - 1` folders up
        root = _root_of(path)
        if root is None:
            return []
        package = path.parent
        for _ in range(node.level - 1):
            package = package.parent
        base = ".".join(package.relative_to(root).parts + ((node.module,) if node.module else ()))
    else:
        base = node.module or ""
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def _module_files(name: str) -> list[Path]:
    """The project's (or the toolkit's) files that importing `name` runs: each package's __init__.py and the
    module itself."""
    files = []
    parts = name.split(".")
    root = TOOLKIT_PARENT if parts[0] == "flowjobs" else project_root()
    for depth in range(1, len(parts) + 1):
        stem = root.joinpath(*parts[:depth])
        for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
            if candidate.is_file():
                files.append(candidate)
    return files


def project_modules(script: Path) -> list[Path]:
    """The script and every module of the project and the toolkit it imports, directly or through other such
    modules (the script itself may lie anywhere; only modules under those two roots are followed)."""
    seen: set[Path] = set()
    pending = [script]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.suffix == ".py":
            pending.extend(_imports_of(path))
    return sorted(seen)


def _imports_of(path: Path) -> tuple[Path, ...]:
    """The project's and the toolkit's files that `path` imports, read once per version of the file: every job
    task of a flow imports much the same modules, and their hashes are taken as the flow compiles and again as
    each node starts."""
    try:
        stat = path.stat()
    except OSError:
        return ()
    return _parsed_imports(path, stat.st_size, stat.st_mtime_ns, stat.st_ino, project_root())


@functools.lru_cache(maxsize=4096)
def _parsed_imports(path: Path, size: int, mtime_ns: int, inode: int, root: Path) -> tuple[Path, ...]:  # noqa: ARG001 (the memo's key)
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return ()  # the script fails when it runs; its bytes are hashed all the same
    return tuple(
        file for node in ast.walk(tree) for name in _imported_names(node, path) for file in _module_files(name)
    )


@functools.cache
def library_versions() -> tuple[str, ...]:
    """`name==version` of every library the project depends on (its dev extra aside), as installed here."""
    try:
        requirements = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        return ()
    pins = []
    for requirement in requirements:
        if "extra ==" in requirement:
            continue
        name = re.split(r"[\s\[<>=!~;(]", requirement, maxsplit=1)[0]
        try:
            pins.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pins.append(f"{name}==missing")
    return tuple(sorted(pins))


_parsing = threading.Lock()  # the walk parses code (ast), which Python 3.11 cannot do in two threads at once


def code_hash(command: str, script: Path | None, environment: str) -> str:
    """A short hash of the command, the code it runs, the libraries and the environment it runs in (its image
    and requirements: flowjobs/environments.py fingerprint)."""
    with _parsing:
        return _code_hash(command, script, environment)


def _code_hash(command: str, script: Path | None, environment: str) -> str:
    digest = hashlib.sha256()
    for part in (command, environment, *library_versions()):
        digest.update(part.encode() + b"\0")
    for path in project_modules(script) if script is not None else []:
        root = _root_of(path)
        digest.update(str(path.relative_to(root) if root else path).encode())
        digest.update(b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def _update_with_file(digest: typing.Any, path: Path) -> None:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)


def content_hash(files: list[Path], root: Path) -> str:
    """A dataset snapshot's pin: sha256 over each file's path relative to the data folder and its bytes, in name
    order (flowjobs/snapshots.py)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        _update_with_file(digest, path)
        digest.update(b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=4096)
def _file_digest(path: str, size: int, mtime_ns: int, inode: int) -> str:  # noqa: ARG001 (the memo's key)
    digest = hashlib.sha256()
    _update_with_file(digest, Path(path))
    return digest.hexdigest()


def content_digest(path: Path) -> str:
    """A cached task's input (flowjobs/runner/cache.py): a file's bytes, or a folder's relative names and bytes; a
    file's digest is kept while its size, modification time and inode stay the same."""
    if path.is_file():
        stat = path.stat()
        return _file_digest(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    digest = hashlib.sha256()
    for item in sorted(path.rglob("*")):
        if item.is_file():
            digest.update(f"{item.relative_to(path)}\0{content_digest(item)}\0".encode())
    return digest.hexdigest()
