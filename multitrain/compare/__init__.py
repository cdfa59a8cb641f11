"""`flowjobs compare [--experiment NAME] [--last N] [-o OUT]`: the latest executions of a flow side by side.

    runs.py      the executions (parent runs), their branches (child runs: metrics, version, ROC data), the
                 champion and its history, read from MLflow
    report.py    the HTML report: leaderboard, ROC curves of the branches overlaid, champion history
    report.html  its template (self-contained: no CDN, no script)

The command prints a table of the executions' branches and metrics, writes the report (default
`.flowjobs/comparison.html`) and logs the same file to the newest execution's parent run as `comparison.html`,
where the MLflow UI shows it. Bad input is one line and exit code 2: an unknown experiment, `--last 0`, a store
that does not exist or a tracking server that does not answer.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from rich.table import Table

from flowjobs import tracking
from multitrain import registry
from multitrain.compare.runs import CompareError, Comparison, collect

__all__ = ["REPORT_ARTIFACT", "CompareError", "Comparison", "collect", "compare", "table", "write_report"]

REPORT_ARTIFACT = "comparison.html"


def table(comparison: Comparison) -> Table:
    """The executions' branches and metrics, newest execution first, each ranked within its execution."""
    shown = Table(
        title=f"Experiment {comparison.experiment}: the {len(comparison.executions)} latest execution(s), "
        f"ranked by {comparison.ranking_metric} · champion of {comparison.model_name}: {comparison.champion or 'none'}",
        title_justify="left",
    )
    for column in ("execution", "status", "branch", "algorithm", "version", *registry.METRICS, ""):
        shown.add_column(column, justify="right" if column in registry.METRICS else "left")
    for execution in comparison.executions:
        scored = registry.rank([b for b in execution.branches if b.scored], comparison.ranking_metric)
        unscored = [b for b in execution.branches if not b.scored]
        for branch in [*scored, *unscored]:
            values = [f"{branch.metrics[m]:.4f}" if m in branch.metrics else "-" for m in registry.METRICS]
            mark = "[bold yellow]champion[/]" if branch.version and branch.version == comparison.champion else ""
            shown.add_row(
                execution.execution_id, branch.status, branch.branch, branch.algorithm, branch.version or "-",
                *values, mark,
            )  # fmt: skip
        if not execution.branches:
            shown.add_row(execution.execution_id, execution.status, "(no branch)", *[""] * (3 + len(registry.METRICS)))
    return shown


def write_report(comparison: Comparison, output: Path) -> Path:
    from multitrain.compare.report import render

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(comparison), encoding="utf-8")
    return output


def log_report(comparison: Comparison, report: Path) -> str:
    """The report as the artifact `comparison.html` of the newest execution's parent run; returns that run's id."""
    run_id = comparison.executions[0].run_id
    with tempfile.TemporaryDirectory() as scratch:
        named = Path(scratch) / REPORT_ARTIFACT
        shutil.copyfile(report, named)
        tracking.client().log_artifact(run_id, str(named))
    return run_id


def compare(experiment: str, last: int, output: Path) -> tuple[Comparison, Path, str]:
    """Collect, write the report at `output`, log it to the parent run; returns all three."""
    comparison = collect(experiment, last)
    report = write_report(comparison, output)
    return comparison, report, log_report(comparison, report)
