"""`flowjobs compare` in a terminal of 80 columns: one small table per execution, newest first.

Each table is titled by its execution (id, status, start) and lists its branches ranked within it: branch,
version, the five held-out metrics (4 decimals, as logged) and a mark for the execution's winner and the model's
champion; below it, the parent run's `verdict`: who won, what decided it, the margin. The run ids and the
report's path are in the HTML report, not here.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from flowjobs import terminal, tracking
from multitrain import registry
from multitrain.compare.runs import BranchRun, Comparison, Execution


def marks(branch: BranchRun, place: int, champion: str | None) -> str:
    found = ["winner"] * (place == 1) + ["champion"] * (branch.version is not None and branch.version == champion)
    return " ".join(found)


def execution_table(execution: Execution, comparison: Comparison):
    started = f"{execution.start:%Y-%m-%d %H:%M} UTC" if execution.start else "-"
    title = f"{execution.execution_id} · {execution.status.lower()} · {started}"
    justify = dict.fromkeys(registry.METRICS, "right")
    table = terminal.narrow_table(title, ["branch", "ver", *registry.METRICS, ""], justify, fold=("branch",))
    scored = registry.rank([b for b in execution.branches if b.scored], comparison.ranking_metric)
    for place, branch in enumerate([*scored, *(b for b in execution.branches if not b.scored)], start=1):
        values = [f"{branch.metrics[m]:.4f}" if m in branch.metrics else "-" for m in registry.METRICS]
        mark = marks(branch, place if branch.scored else 0, comparison.champion)
        table.add_row(branch.branch, branch.version or "-", *values, f"[bold yellow]{mark}[/]" if mark else "")
    if not execution.branches:
        table.add_row("(no branch)", *[""] * (len(registry.METRICS) + 2))
    told = execution.params.get("verdict")  # the parent run's own sentence: the same on every page
    if told:
        table.caption, table.caption_justify = told, "left"
    return table


def narrow(comparison: Comparison) -> Group:
    heading = Text(
        f"Experiment {comparison.experiment}: the {len(comparison.executions)} latest execution(s), ranked by "
        f"{comparison.ranking_metric} on the held-out data; champion of {comparison.model_name}: "
        f"{comparison.champion or 'none'}",
        style="bold",
    )
    return Group(heading, *(execution_table(execution, comparison) for execution in comparison.executions))


def ui_link(comparison: Comparison) -> str:
    """The newest execution's run in the MLflow UI, in its model-training view."""
    newest = comparison.executions[0]
    return tracking.ui_link(tracking.client().get_run(newest.run_id).info.experiment_id, newest.run_id)
