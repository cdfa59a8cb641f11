"""An execution as a picture: the workflow's DAG, each node coloured by how its task went in one local execution.

    flowjobs graph --execution latest [-o OUT.html]      (or an execution id, or the start of one)

The DAG is drawn from the flow file the execution record names (flowjobs/records.py), exactly as `flowjobs
graph FILE WORKFLOW` draws it; each node whose task the record holds gets its status as a colour, a line with
its status, duration, attempts and a cache/resume mark, and in the page's panel the same with links to the
attempt's logs and its deck (the kept copies under .flowjobs/runs/<execution id>/, flowjobs/kept_files.py).
A conditional's case the execution did not take is drawn "skipped" (grey, dashed), the taken one as it ran; a
node the execution never reached otherwise (a node after a failure) is drawn grey, "not run". A stock `pyflyte
run` records job tasks only: when a succeeded execution recorded none of a conditional's cases, the one case made
of plain tasks is the one it took (`case_outcomes`), drawn done and said to be inferred.
"""

from __future__ import annotations

from pathlib import Path

from flowjobs.graph.model import Graph, GraphError, Node, NodeKind
from flowjobs.records import ExecutionRecord, ExecutionStatus, TaskRecord
from flowjobs.settings import project_root

MARKS = {"done": "✓", "succeeded": "✓", "cached": "⟲ cached", "resumed": "↻ resumed", "failed": "✗", "skipped": "–"}
NOT_RUN = "not-run"
SKIPPED, INFERRED = "skipped", "done"
SKIPPED_LINE = "– skipped: the conditional took another case"
INFERRED_LINE = "✓ done (inferred: a plain task)"  # a stock run records job tasks only
STOCK_RUNNER = "pyflyte run"
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


def _tasks_in(case: Node) -> list[Node]:
    return [node for node in [case, *(case.cluster.walk() if case.cluster else [])] if node.kind in TASK_KINDS]


def case_outcomes(graph: Graph, record: ExecutionRecord) -> dict[str, Node]:
    """Each conditional's cases the record holds nothing of, by node id, with their status set: `skipped` when the
    record holds another case's task, else `done` for the one all-plain case of a succeeded stock run."""
    found: dict[str, Node] = {}
    for branch in graph.walk():
        if branch.kind != NodeKind.BRANCH or branch.cluster is None:
            continue
        cases = [case for case in branch.cluster.nodes if _tasks_in(case)]
        taken = [case for case in cases if any(_task_of(node, record) for node in _tasks_in(case))]
        inferred = []
        if not taken and record.runner == STOCK_RUNNER and record.status == ExecutionStatus.SUCCEEDED:
            plain = [case for case in cases if all(node.kind == NodeKind.TASK for node in _tasks_in(case))]
            inferred = plain if len(plain) == 1 else []
        if not (taken or inferred):
            continue
        for case in cases:
            for node in _tasks_in(case):
                if _task_of(node, record) is None:
                    node.status = INFERRED if case in inferred else SKIPPED
                    found[node.id] = node
    return found


def unrecorded_rows(record: ExecutionRecord) -> list[tuple[str, str]]:
    """The conditionals' tasks the record does not hold, as (name, status), for `flowjobs status`: the other side
    of a conditional, skipped, and a stock run's plain task taken. Empty when the flow cannot be loaded."""
    from flowjobs.graph.compiled import Extractor
    from flowjobs.graph.workflows import load_workflow

    try:
        file, workflow = flow_of(record)
        graph = Extractor().graph(load_workflow(file, workflow))
    except Exception:  # noqa: BLE001 (the record's own rows stand: a flow file since changed or gone)
        return []
    outcomes = case_outcomes(graph, record).values()
    if record.runner == STOCK_RUNNER:  # named as the record names them: by task, or by node and task
        return [(node.label, node.status) for node in outcomes]
    return [(f"{node.id.replace('-', '/')} {node.label}", node.status) for node in outcomes]


def annotate(graph: Graph, record: ExecutionRecord) -> dict[str, str]:
    """Colour and label every task node of `graph` by `record`; returns the status drawn for each node id."""
    drawn = {}
    outcomes = case_outcomes(graph, record)
    for node in graph.walk():
        if node.kind not in TASK_KINDS:
            continue
        entry = _task_of(node, record)
        if node.id in outcomes:
            node.lines = [*node.lines, SKIPPED_LINE if node.status == SKIPPED else INFERRED_LINE]
            drawn[node.id] = node.status
            continue
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
    return render_html(graph, relative(file.resolve()), execution=title, verdict=verdict_of(record))


def verdict_of(record: ExecutionRecord) -> str:
    """The execution's outcome in one sentence, when a step logged it as the param `verdict` on the MLflow parent
    run (the multi-train flow's compare step: who won, why, by how much); "" otherwise or when the store is away."""
    if not record.mlflow_run_id:
        return ""
    try:
        from flowjobs import tracking

        return tracking.client().get_run(record.mlflow_run_id).data.params.get("verdict", "")
    except Exception:  # noqa: BLE001 (the picture is drawn from the record: the store is a bonus)
        return ""


def default_output(record: ExecutionRecord) -> Path:
    """Beside the execution's record: .flowjobs/runs/<execution id>/graph.html."""
    from flowjobs.records import execution_dir

    return execution_dir(record.execution_id) / "graph.html"
