"""Space given back: the work folders an execution's job tasks wrote, and the temp folders flytekit made for the
runner's processes (`/tmp/flyte…`: its sandbox and its raw outputs; the workers, forks of the runner, share them).

At the end of `flowjobs run`, once the outputs are kept (the cache and the resume store hold copies, each attempt's
logs are kept beside the record), every work folder and temp folder of the execution is removed but what holds
the workflow's own outputs (the paths it printed). With `work_retention_hours` in the project's config
(`[tool.flowjobs]`, default 0) they are all left for that long; `flowjobs gc` removes what ended executions left
once their retention is over, and never touches an execution whose runner is alive (its lease, flowjobs/lease.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import shutil
import tempfile
import typing
from collections.abc import Iterable
from pathlib import Path

from flowjobs import records, settings
from flowjobs.errors import ConfigError
from flowjobs.records import ExecutionRecord, ExecutionStatus

RETENTION = settings.WORK_RETENTION
ENV_RETENTION = settings.ENV_WORK_RETENTION  # wins over the config (the tests look into work folders)


def retention_hours() -> float:
    """How long an ended execution's work folders are kept (settings.work_retention_hours); ConfigError if bad."""
    try:
        return settings.work_retention_hours()
    except ValueError as err:
        raise ConfigError(str(err)) from None


def temp_folders() -> list[str]:
    """This process's flytekit temp folders (its sandbox and its raw outputs), when they are in the temp folder."""
    from flytekit import FlyteContextManager
    from flytekit.core import data_persistence

    sandbox = Path(FlyteContextManager.current_context().user_space_params.working_directory).parent
    found = [sandbox, Path(data_persistence.flyte_tmp_dir)]
    temp = Path(tempfile.gettempdir())
    return [str(folder) for folder in found if folder.parent == temp and folder.name.startswith("flyte")]


def output_paths(value: typing.Any) -> list[Path]:
    """The local files and folders a workflow's outputs name (FlyteFile, FlyteDirectory, in tuples, lists, dicts)."""
    if isinstance(value, str | bytes | int | float | bool) or value is None:
        return []
    if hasattr(value, "__fspath__"):  # FlyteFile, FlyteDirectory (dataclasses too)
        path = Path(value)
        return [path] if path.is_absolute() else []
    if isinstance(value, dict):
        return [path for item in value.values() for path in output_paths(item)]
    if isinstance(value, tuple | list | set):
        return [path for item in value for path in output_paths(item)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [path for field in dataclasses.fields(value) for path in output_paths(getattr(value, field.name))]
    return []


def work_folders(record: ExecutionRecord) -> list[Path]:
    """The job tasks' attempt folders of an execution (a plain task's kept files are beside the record: not these)."""
    kept = records.execution_dir(record.execution_id)
    folders = {Path(attempt.folder) for entry in record.tasks.values() for attempt in entry.attempts if attempt.folder}
    return sorted(folder for folder in folders if not folder.is_relative_to(kept) and "-attempt" in folder.name)


def _size(path: Path) -> int:
    if path.is_symlink() or not path.is_dir():
        return path.lstat().st_size if path.exists() or path.is_symlink() else 0
    return sum(item.lstat().st_size for item in path.rglob("*") if item.is_file() and not item.is_symlink())


def _remove(path: Path) -> int:
    """Remove a file or folder; the bytes it held."""
    with contextlib.suppress(OSError):
        freed = _size(path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        return freed
    return 0


def prune(folder: Path, keep: Iterable[Path]) -> int:
    """Remove `folder` but the paths in `keep` (and the folders leading to them); the bytes freed."""
    keep = [Path(path) for path in keep]
    if not folder.exists():
        return 0
    if any(folder == path or folder.is_relative_to(path) for path in keep):
        return 0
    if not any(path.is_relative_to(folder) for path in keep):
        return _remove(folder)
    return sum(prune(child, keep) for child in folder.iterdir())


SNAPSHOT_DEPTH = 3  # <sandbox>/user_space<task>, <raw>/raw/<hash>, <raw>/sandbox/local_flytekit/<hash>


def snapshot(folders: Iterable[str]) -> set[Path]:
    """What the temp folders hold now, a few levels down: the process's own, before an execution adds to them."""
    seen: set[Path] = set()
    level = [Path(folder) for folder in folders]
    for _ in range(SNAPSHOT_DEPTH):
        children = []
        for folder in level:
            with contextlib.suppress(OSError):
                children.extend(folder.iterdir())
        seen.update(children)
        level = [child for child in children if child.is_dir() and not child.is_symlink()]
    return seen


def _prune_new(folder: Path, before: set[Path], keep: list[Path], depth: int) -> int:
    """Remove what an execution added under `folder` (what is not in `before`), but `keep`."""
    freed = 0
    with contextlib.suppress(OSError):
        for child in list(folder.iterdir()):
            if child not in before:
                freed += prune(child, keep)
            elif depth > 1 and child.is_dir() and not child.is_symlink():
                freed += _prune_new(child, before, keep, depth - 1)
    return freed


def give_back(record: ExecutionRecord, keep: Iterable[Path] = (), before: set[Path] | None = None) -> int:
    """The execution's work folders removed, and what it added to its temp folders (everything in them, without
    `before`), but what holds `keep`; the bytes freed."""
    keep = list(keep)
    freed = sum(prune(folder, keep) for folder in work_folders(record))
    for folder in map(Path, record.temp_folders):
        freed += prune(folder, keep) if before is None else _prune_new(folder, before, keep, SNAPSHOT_DEPTH)
    return freed


def drop_empty(folders: Iterable[str]) -> None:
    """Remove the empty folders under each folder, and the folder itself once empty (a process that ends)."""
    for folder in map(Path, folders):
        if not folder.is_dir():
            continue
        for inner in sorted((path for path in folder.rglob("*") if path.is_dir()), key=lambda p: -len(p.parts)):
            with contextlib.suppress(OSError):
                inner.rmdir()
        with contextlib.suppress(OSError):
            folder.rmdir()


@dataclasses.dataclass
class Collected:
    executions: list[str]
    freed: int


def collect(now: dt.datetime | None = None) -> Collected:
    """`flowjobs gc`: what ended executions left (work folders, temp folders, the outputs they printed) once their
    retention is over; an execution whose runner is alive keeps everything."""
    now = now or records.now()
    retention = dt.timedelta(hours=retention_hours())
    known = records.list_records()
    live = {  # a runner's temp folders serve every execution it runs: kept while it lives
        folder
        for record in known
        if record.status == ExecutionStatus.RUNNING or (record.runner_process and record.runner_process.alive())
        for folder in record.temp_folders
    }
    done, freed = [], 0
    for record in known:
        if record.status == ExecutionStatus.RUNNING or record.end is None or now - record.end < retention:
            continue  # alive (records.load reads a dead runner's record as killed), or not old enough
        record.temp_folders = [folder for folder in record.temp_folders if folder not in live]  # a live one's too
        left = [path for path in [*work_folders(record), *map(Path, record.temp_folders)] if path.exists()]
        if left:
            freed += give_back(record)
            done.append(record.execution_id)
    return Collected(done, freed)
