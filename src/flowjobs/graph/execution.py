"""An execution as a picture: the workflow's DAG, each node coloured by how its task went in one local execution.

    flowjobs graph --execution latest [-o OUT.html]      (or an execution id, or the start of one)

The DAG is drawn from the flow file the execution record names (flowjobs/records.py), exactly as `flowjobs
graph FILE WORKFLOW` draws it; each node whose task the record holds gets its status as a colour, a line with
its status, duration, attempts and a cache/resume mark, and in the page's panel the same with links to the
attempt's logs and its deck (the kept copies under .flowjobs/runs/<execution id>/, flowjobs/kept_files.py).
A node the execution never reached (the other side of a conditional, a node after a failure) is drawn grey.
"""

from __future__ import annotations

from pathlib import Path

from flowjobs.graph.model import Graph, GraphError, Node, NodeKind
from flowjobs.records import ExecutionRecord, TaskRecord
from flowjobs.settings import project_root

MARKS = {"done": "✓", "succeeded": "✓", "cached": "⟲ cached", "resumed": "↻ resumed", "failed": "✗", "skipped": "–"}
NOT_RUN = "not-run"
TASK_KINDS = (NodeKind.JOB, NodeKind.TASK, NodeKind.DYNAMIC, NodeKind.MAP, NodeKind.WORKFLOW, NodeKind.LAUNCH_PLAN)


def flow_of(record: ExecutionRecord) -> tuple[Path, str]:
    """The flow file and workflow an execution ran: from a `flowjobs run` record, or a `pyflyte run` command line."""
    if record.file and record.workflow:
        return Path(record.file), record.workflow.rsplit(".", 1)[-1]
    words = list(record.command)
    files = [index for index, word in enumerate(words) if word.endswith(".py") and index > 0]
    if files and files[0] + 1 < len(words):
        file = Path(words[files[0]])
        return (file if file.is_absolute() else project_root() / file), words[files[0] + 1]
    raise GraphError(f"execution {record.execution_id}: its record names no flow file and workflow to draw")


def _task_of(node: Node, record: ExecutionRecord) -> TaskRecord | None:
    """The record's task for a node: by node id under `flowjobs run` (n2/n1 is the node n2-n1), else by name."""
    by_key = {key.replace("/", "-"): entry for key, entry in record.tasks.items()}
    if node.id in by_key:
        return by_key[node.id]
    named = [entry for entry in record.tasks.values() if entry.name == node.label]
    return named[0] if len(named) == 1 else None


def _uri(path: str | None) -> str:
    return Path(path).resolve().as_uri() if path else "-"


def summary(entry: TaskRecord) -> str:
    """The node's extra line: mark and status, duration, attempts."""
    status = entry.status.value
    mark = MARKS.get(status, "")
    shown = mark if status in ("cached", "resumed") else f"{mark} {status}".strip()
    parts = [shown]
    if entry.duration is not None and status not in ("cached", "resumed", "skipped"):
        parts.append(f"{entry.duration:.1f} s")
    if len(entry.attempts) > 1:
        parts.append(f"{len(entry.attempts)} attempts")
    return " · ".join(parts)


def attempt_details(entry: TaskRecord) -> dict[str, str]:
    """Each attempt of a task that took more than one, or failed: its outcome, length, exit, error and logs."""
    if len(entry.attempts) < 2 and all(attempt.outcome in (None, "succeeded") for attempt in entry.attempts):
        return {}
    shown = {}
    for attempt in entry.attempts:
        parts = [attempt.outcome or "running"]
        if attempt.end is not None:
            parts.append(f"{(attempt.end - attempt.start).total_seconds():.1f} s")
        if attempt.exit_signal is not None:
            parts.append(f"signal {attempt.exit_signal}")
        elif attempt.exit_code is not None:
            parts.append(f"exit {attempt.exit_code}")
        if attempt.error:
            parts.append(attempt.error)
        logs = attempt.stderr_log or attempt.stdout_log
        if logs:
            parts.append(Path(logs).parent.resolve().as_uri())
        shown[f"attempt {attempt.number}"] = " · ".join(parts)
    return shown


def annotate(graph: Graph, record: ExecutionRecord) -> dict[str, str]:
    """Colour and label every task node of `graph` by `record`; returns the status drawn for each node id."""
    drawn = {}
    for node in graph.walk():
        if node.kind not in TASK_KINDS:
            continue
        entry = _task_of(node, record)
        if entry is None:
            if node.cluster is None:
                node.status = NOT_RUN
                node.lines = [*node.lines, "not run in this execution"]
                drawn[node.id] = NOT_RUN
            continue
        node.status = entry.status.value
        node.lines = [*node.lines, summary(entry)]
        node.details = {
            "status": entry.status.value,
            "duration": f"{entry.duration:.1f} s" if entry.duration is not None else "-",
            "attempts": str(len(entry.attempts)),
            "exit code": "-" if entry.exit_code is None else str(entry.exit_code),
            **({"error": entry.error} if entry.error else {}),
            "stdout": _uri(entry.stdout_log),
            "stderr": _uri(entry.stderr_log),
            "deck": _uri(entry.deck),
            **attempt_details(entry),
            **node.details,
        }
        drawn[node.id] = node.status
    return drawn


def render_execution(record: ExecutionRecord) -> str:
    """The execution's page: the DAG coloured by status, with the execution's id, status and duration on top."""
    from flowjobs.graph.compiled import Extractor, relative
    from flowjobs.graph.page import render_html
    from flowjobs.graph.workflows import load_workflow

    file, workflow = flow_of(record)
    graph = Extractor().graph(load_workflow(file, workflow))
    annotate(graph, record)
    title = f"execution {record.execution_id}: {record.status.value}, {record.duration:.1f} s ({record.runner})"
    return render_html(graph, relative(file.resolve()), execution=title)


def default_output(record: ExecutionRecord) -> Path:
    """Beside the execution's record: .flowjobs/runs/<execution id>/graph.html."""
    from flowjobs.records import execution_dir

    return execution_dir(record.execution_id) / "graph.html"
