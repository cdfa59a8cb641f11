"""`flowjobs status [EXECUTION]`: the local executions and their tasks, read from the execution records.

Every local execution, `flowjobs run` and stock `pyflyte run` alike, writes a record (flowjobs/records.py):

    flowjobs status                      the recent executions, newest first: id, runner, workflow, status,
                                         start, duration, tasks done / failed / all, MLflow parent run
    flowjobs status EXECUTION            its tasks: status, attempts, tier, start, end, duration, exit code,
                                         log folder, report (deck) page; EXECUTION is an id, the start of one,
                                         or `latest`; below, the Domino artifacts it recorded, if any

The task table is also what the MLflow UI shows of an execution that tracks (`flowjobs/tasks.html` on its
parent run, flowjobs/parent_run.py), so both show the same columns.
"""

from __future__ import annotations

import datetime as dt
import html
import statistics
import typing
from pathlib import Path

from rich import box
from rich.table import Table

from flowjobs import job_plugins, records, reports, time_split
from flowjobs.errors import ScriptInputError
from flowjobs.records import FINISHED_OK, ExecutionRecord, TaskStatus

LATEST = "latest"
STYLES = {"succeeded": "green", "done": "green", "cached": "green", "resumed": "green", "failed": "red"}


class StatusError(ScriptInputError):
    """An execution that is not recorded; the message names it and where records are kept."""


def _time(value: dt.datetime | None, day: dt.date | None = None) -> str:
    """Local time; the time of day alone when it falls on `day` (the execution's first day)."""
    if value is None:
        return "-"
    local = value.astimezone()
    return local.strftime("%H:%M:%S" if local.date() == day else "%Y-%m-%d %H:%M:%S")


def _seconds(value: float | None) -> str:
    return f"{value:.1f}s" if value is not None else "-"


def workflow_of(record: ExecutionRecord) -> str:
    """The workflow's name; a `pyflyte run` record knows only its command line (… FILE WORKFLOW …)."""
    if record.workflow:
        return record.workflow
    words = list(record.command)
    files = [index for index, word in enumerate(words) if word.endswith(".py") and index > 0]
    if files and files[0] + 1 < len(words):
        return f"{Path(words[files[0]]).name} {words[files[0] + 1]}"
    return "-"


def find(execution: str) -> ExecutionRecord:
    """The record of an execution given by id, by a unique start of its id, or as `latest`."""
    known = records.list_records()
    if execution == LATEST and known:
        return known[0]
    matches = [record for record in known if record.execution_id == execution]
    matches = matches or [record for record in known if record.execution_id.startswith(execution)]
    if len(matches) == 1:
        return matches[0]
    folder = records.state_dir() / "runs"
    for path, problem in records.unreadable() if not matches else []:
        if path.parent.name.startswith(execution):
            raise StatusError(f"the record of execution {path.parent.name} cannot be read: {path}: {problem}")
    if not matches:
        recent = ", ".join(record.execution_id for record in known[:3]) or "none"
        raise StatusError(f"no execution {execution!r} is recorded in {folder} (recent: {recent})")
    listed = ", ".join(record.execution_id for record in matches[:5])
    raise StatusError(f"{execution!r} is the start of {len(matches)} executions' ids ({listed}): give more of it")


def execution_rows(known: list[ExecutionRecord]) -> list[dict[str, str]]:
    rows = []
    for record in known:
        states = [entry.status for entry in record.tasks.values()]
        finished = sum(state in FINISHED_OK for state in states)
        failed = states.count(TaskStatus.FAILED)
        rows.append(
            {
                "execution": record.execution_id,
                "runner": record.runner,
                "workflow": workflow_of(record),
                "status": record.status.value,
                "start": _time(record.start),
                "duration": _seconds(record.duration),
                "tasks ok/failed/all": f"{finished}/{failed}/{len(states)}",
                "MLflow run": record.mlflow_run_id or "-",
            }
        )
    return rows


def task_rows(record: ExecutionRecord) -> list[dict[str, str]]:
    """One row per task: what the issue of monitoring asks for, in the order the tasks started."""
    rows, day = [], record.start.astimezone().date()
    for key, entry in record.tasks.items():
        kept = entry.stderr_log or entry.stdout_log  # a task that printed only on stdout has only that log
        logs = Path(kept).parent if kept else None
        rows.append(
            {
                "task": entry.name if key == entry.task else f"{key} {entry.name}",
                "status": entry.status.value,
                "attempts": str(len(entry.attempts)),
                "tier": entry.tier or "-",
                "start": _time(entry.start, day),
                "end": _time(entry.end, day),
                "duration": _seconds(entry.duration),
                "exit code": _exit(entry.attempts[-1]) if entry.attempts else _code(entry.exit_code),
                "logs": str(logs) if logs else "-",
                "report": entry.deck or "-",
            }
        )
    return rows


def _code(code: int | None) -> str:
    return "-" if code is None else str(code)


def _exit(attempt: records.AttemptRecord) -> str:
    if attempt.exit_signal is not None:
        return f"signal {attempt.exit_signal}"
    return _code(attempt.exit_code)


def attempt_rows(record: ExecutionRecord) -> list[dict[str, str]]:
    """One row per attempt of each task that took more than one or whose attempt did not succeed (every attempt of
    every task is in the record): when it ran, how it ended, where its kept logs are."""
    rows, day = [], record.start.astimezone().date()
    for key, entry in record.tasks.items():
        if len(entry.attempts) < 2 and all(a.outcome in (None, "succeeded") for a in entry.attempts):
            continue
        for attempt in entry.attempts:
            logs = attempt.stderr_log or attempt.stdout_log
            rows.append(
                {
                    "task": entry.name if key == entry.task else f"{key} {entry.name}",
                    "attempt": str(attempt.number),
                    "start": _time(attempt.start, day),
                    "end": _time(attempt.end, day),
                    "outcome": attempt.outcome or "-",
                    "exit": _exit(attempt),
                    "logs": str(Path(logs).parent) if logs else "-",
                    "error": attempt.error or "-",
                }
            )
    return rows


def table(title: str, rows: list[dict[str, str]]) -> Table:
    """Rows as a rich table; a status cell is coloured by its value."""
    shown = Table(title=title, title_justify="left")
    for column in rows[0] if rows else ["(none)"]:
        shown.add_column(column, overflow="fold")
    for row in rows:
        cells: list[typing.Any] = [
            f"[{STYLES[value]}]{value}[/]" if column == "status" and value in STYLES else value
            for column, value in row.items()
        ]
        shown.add_row(*cells)
    return shown


def executions_table(last: int) -> Table:
    if last < 1:
        raise StatusError(f"--last must be 1 or more, got {last}")
    known = records.list_records()[:last]
    shown = table(f"Executions recorded in {records.state_dir() / 'runs'} (newest first)", execution_rows(known))
    damaged = [f"record {path} cannot be read: {problem}" for path, problem in records.unreadable()]
    shown.caption, shown.caption_justify = "\n".join(damaged) or None, "left"
    return shown


def tasks_table(record: ExecutionRecord) -> Table:
    title = f"Execution {record.execution_id} ({workflow_of(record)}, {record.runner}), started "
    title += f"{_time(record.start)}: {record.status.value}"
    if record.error:
        title += f"\n{record.error.splitlines()[0]}"
    return table(title, task_rows(record))


def tasks_page(record: ExecutionRecord) -> str:
    """The task table as a standalone HTML page (logged to the execution's MLflow parent run)."""
    title = f"Execution {record.execution_id}: {record.status.value}"
    started = f"{workflow_of(record)}, {record.runner}, started {_time(record.start)}, {_seconds(record.duration)}"
    body = f"{reports.heading(title)}<p>{html.escape(started)}</p>{reports.table(task_rows(record))}"
    tried = attempt_rows(record)  # the attempts of retried or failed tasks
    if tried:
        body += reports.table(tried, "Attempts of the tasks retried or failed")
    for section in plugin_sections(record):  # Domino's artifacts, if the execution recorded any
        body += reports.table(section.rows, caption=section.title)
    split = time_split_rows(record)  # where each node's time went, as `flowjobs status EXECUTION` shows it
    if split:
        body += reports.table(split, "Where each node's time went (seconds; overhead = start-up + teardown)")
    return reports.page(title, body)


def plugin_sections(record: ExecutionRecord) -> list[job_plugins.Section]:
    """What the installed job plugins add below the tasks (Domino's artifacts), each with rows."""
    return [section for plugin in job_plugins.installed() for section in plugin.sections(record) if section.rows]


def section_table(section: job_plugins.Section) -> Table:
    """A plugin's section as a table of at most 80 columns (its own column widths)."""
    shown = Table(title=section.title, title_justify="left")
    for column in section.rows[0]:
        shown.add_column(column, max_width=section.widths.get(column), overflow="fold")
    for row in section.rows:
        shown.add_row(*row.values())
    return shown


def _split_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def time_split_rows(record: ExecutionRecord) -> list[dict[str, str]]:
    """One row per task that ran (its attempts' splits added up), then the median overhead per node."""
    shown, overheads = [], []
    for entry in record.tasks.values():
        splits = [attempt.time_split for attempt in entry.attempts if attempt.time_split is not None]
        if not splits:
            continue
        row = {"task": entry.name}
        for field, title in time_split.COLUMNS.items():
            values = [getattr(each, field) for each in splits]
            row[title] = _split_seconds(None if None in values else sum(values))
        row["script"] = _split_seconds(sum(each.script for each in splits))
        last = splits[-1].overhead
        row["overhead"] = _split_seconds(last)
        if last is not None:
            overheads.append(last)
        shown.append(row)
    if overheads:
        median = {title: "" for title in shown[0]}
        shown.append({**median, "task": "median per node", "overhead": _split_seconds(statistics.median(overheads))})
    return shown


SPLIT_HEADERS = {  # the terminal's short names: the table fits 80 columns
    "waiting for CPUs": "wait",
    "start-up": "start",
    "work": "work",
    "tracking": "track",
    "teardown": "exit",
    "job task": "job",
    "overhead": "overhead",
}


def time_split_table(record: ExecutionRecord) -> Table | None:
    """The split as a rich table (seconds) that fits 80 columns, or None when no task recorded one."""
    found = time_split_rows(record)
    if not found:
        return None
    shown = Table(
        title=f"Where each node's time went in {record.execution_id} (seconds)",
        title_justify="left",
        caption="wait: for CPUs; start: process start to main(); work: main() less tracking; track: MLflow; "
        "exit: main()'s end to the process gone; job: the job task's own; overhead: start + exit",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )
    shown.add_column("task", max_width=22, overflow="fold")
    for header in SPLIT_HEADERS.values():
        shown.add_column(header, justify="right")
    for row in found:
        shown.add_row(row["task"], *(row[title] for title in SPLIT_HEADERS))
    return shown
