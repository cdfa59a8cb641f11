"""What a person watching `flowjobs run` sees, drawn from the execution record (one source of truth).

On a terminal a live table shows each task's status and elapsed time; elsewhere (CI, a pipe) one line is printed
per status change. At the end a summary table (task, tier, status, attempts, duration) and each task's log
files are printed. All of it goes to stderr; stdout carries only the workflow's result, as `pyflyte run` prints it.
"""

from __future__ import annotations

import contextlib
import logging
import typing

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from flowjobs.recorder import Recorder
from flowjobs.records import ExecutionRecord, TaskRecord, TaskStatus

STYLES = {
    TaskStatus.PENDING: "dim",
    TaskStatus.RUNNING: "cyan",
    TaskStatus.DONE: "green",
    TaskStatus.FAILED: "bold red",
    TaskStatus.CACHED: "blue",
    TaskStatus.RESUMED: "blue",
    TaskStatus.SKIPPED: "dim",
    TaskStatus.INTERRUPTED: "magenta",
    TaskStatus.KILLED: "bold red",
}


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def task_table(record: ExecutionRecord, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("node", "task", "tier", "status", "attempts", "duration"):
        table.add_column(column, justify="right" if column in ("attempts", "duration") else "left")
    for key, entry in record.tasks.items():
        style = STYLES[entry.status]
        table.add_row(
            key,
            escape(entry.name),
            entry.tier or "-",
            f"[{style}]{entry.status}[/{style}]",
            str(len(entry.attempts)),
            _seconds(entry.duration),
        )
    return table


class _ConsoleHandler(logging.Handler):
    """The runner's own warnings (retries, a tier too big for the machine), printed above the live table."""

    def __init__(self, console: Console):
        super().__init__(logging.WARNING)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        message = escape(record.getMessage())
        self.console.print(f"[yellow]{record.levelname.lower()}:[/yellow] {message}", highlight=False)


class Display:
    def __init__(self, console: Console, recorder: Recorder):
        self.console = console
        self.recorder = recorder
        self._shown: dict[str, tuple[TaskStatus, int]] = {}

    def _title(self) -> str:
        record = self.recorder.record
        return f"{record.workflow} · {record.execution_id} · {record.duration:.1f}s"

    def __rich__(self) -> Table:
        with self.recorder.lock:
            return task_table(self.recorder.record, self._title())

    def _print_change(self, key: str, entry: TaskRecord) -> None:
        seen = (entry.status, len(entry.attempts))
        if self._shown.get(key) != seen and entry.status != TaskStatus.PENDING:
            self._shown[key] = seen
            attempt = f" (attempt {len(entry.attempts)})" if entry.attempts else ""
            style = STYLES[entry.status]
            label = escape(f"{key} {entry.name}:")
            self.console.print(f"{label} [{style}]{entry.status}[/{style}]{attempt}", highlight=False)

    @contextlib.contextmanager
    def live(self) -> typing.Iterator[None]:
        """Show progress while the block runs, with the flowjobs log's warnings routed through the console."""
        flowjobs_log = logging.getLogger("flowjobs")
        handlers, level = flowjobs_log.handlers[:], flowjobs_log.level
        flowjobs_log.handlers = [_ConsoleHandler(self.console)]
        flowjobs_log.setLevel(logging.WARNING)
        try:
            if self.console.is_terminal:
                with Live(self, console=self.console, refresh_per_second=4, transient=True):
                    yield
            else:
                self.recorder.listeners.append(self._print_change)
                try:
                    yield
                finally:
                    self.recorder.listeners.remove(self._print_change)
        finally:
            flowjobs_log.handlers, flowjobs_log.level = handlers, level

    def summary(self) -> None:
        record = self.recorder.record
        self.console.print(task_table(record, f"{self._title()} · {record.status}"))
        for key, entry in record.tasks.items():
            logs = " ".join(log for log in (entry.stdout_log, entry.stderr_log) if log)
            if logs:
                self.console.print(f"logs {key} {entry.name}: {logs}", highlight=False)
        written = "record" if not self.recorder.unwritable else "record not written (see the warning above)"
        self.console.print(f"{written}: {self.recorder.path}", highlight=False)
