"""The attempts of a task the runner runs itself (a plain Python task, a map item, a node an @dynamic made): made
again on an exception up to the task's `retries`, as a job task's script is, and each recorded as a job task's
attempts are (number, start, end, outcome, exit code and signal, the logs it printed, kept beside the record).

Each attempt writes its Flyte checkpoint (`current_context().checkpoint`) into its own folder beside the record,
and reads the one the attempt before it wrote, as Flyte hands an attempt its previous attempt's checkpoint on a
cluster: a task that saves its progress resumes from it instead of starting over.
"""

from __future__ import annotations

import logging
import typing
from dataclasses import dataclass
from pathlib import Path

from flytekit.core.base_task import PythonTask
from flytekit.models.literals import LiteralMap

from flowjobs import kept_files
from flowjobs.errors import first_line
from flowjobs.recorder import Recorder
from flowjobs.runner.budget import Interrupted

log = logging.getLogger("flowjobs")
CHECKPOINT = "checkpoint"  # an attempt's checkpoint folder, beside its logs


@dataclass
class Try:
    """One attempt as its runner sees it: where its files go, the checkpoint it starts from, its marks."""

    key: str
    number: int
    folder: Path  # its kept files: stdout.log, stderr.log, checkpoint/
    previous_checkpoint: Path | None
    recorder: Recorder

    @property
    def checkpoint(self) -> Path:
        return self.folder / CHECKPOINT

    def started(self) -> None:
        """Called once the attempt holds its CPUs and runs: waiting for them is not running."""
        self.recorder.open_attempt(self.key, self.number, self.folder)

    def ended(self) -> None:
        """Called before its CPUs are given back, so its span never overlaps the next task's on them."""
        self.recorder.stamp_attempt_end(self.key)

    def kept_logs(self) -> dict[str, str]:
        """The attempt's logs that hold something (an empty one says nothing and is not kept)."""
        kept = {}
        for name in kept_files.LOG_FILES:
            path = self.folder / name
            if path.is_file() and path.stat().st_size:
                kept[f"{name.split('.')[0]}_log"] = str(path)
            elif path.is_file():
                path.unlink()
        return kept


def _last_checkpoint(folders: list[Path]) -> Path | None:
    """The most recent of the earlier attempts' checkpoints that holds something."""
    for folder in reversed(folders):
        checkpoint = folder / CHECKPOINT
        if checkpoint.is_dir() and any(checkpoint.iterdir()):
            return checkpoint
    return None


def attempted(
    recorder: Recorder, key: str, task: PythonTask, attempt: typing.Callable[[Try], LiteralMap]
) -> LiteralMap:
    """`attempt` made up to `retries` + 1 times until it returns; every attempt that started is recorded."""
    attempts = task.metadata.retries + 1
    folders: list[Path] = []
    for number in range(1, attempts + 1):
        folder = kept_files.attempt_dir(recorder.record.execution_id, key, number)
        this = Try(key, number, folder, _last_checkpoint(folders), recorder)
        folders.append(folder)
        try:
            outputs = attempt(this)
        except BaseException as err:
            last = number == attempts or not isinstance(err, Exception) or isinstance(err, Interrupted)
            exits = {"exit_code": getattr(err, "exit_code", None), "exit_signal": getattr(err, "exit_signal", None)}
            recorder.close_attempt(key, last, err, **exits, **this.kept_logs())
            if last:
                raise
            log.warning(
                "task '%s' failed: %s; retrying (attempt %d of %d)",
                task.name,
                first_line(err),
                number + 1,
                attempts,
            )
            continue
        recorder.close_attempt(key, True, None, **this.kept_logs())
        return outputs
    raise AssertionError("unreachable")
