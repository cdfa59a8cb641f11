"""The comparison as one self-contained HTML page: leaderboard, the branches' ROC curves overlaid, each execution's
confusion matrices side by side (multitrain/compare/plots.py, as on the parent run), champion history.

Nothing is fetched (no CDN, no font, no script): the ROC plot is an inline SVG drawn by matplotlib with its text
kept as text, so the page works offline, is searchable, and MLflow's artifact viewer shows it as it is.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import typing

from flowjobs import html_pages
from multitrain import registry
from multitrain.compare import plots
from multitrain.compare.runs import BranchRun, Comparison

_TEMPLATE = html_pages.template("multitrain.compare", "report.html")
LINESTYLES = ["-", "--", ":", "-."]  # one per execution, newest solid


def short(execution_id: str) -> str:
    """An execution id without its `local-` prefix, short enough for a legend."""
    return execution_id.removeprefix("local-")


def curve_label(branch: BranchRun, metric: str) -> str:
    value = branch.metrics.get(metric)
    shown = f" ({metric} {value:.4f})" if value is not None else ""
    return f"{branch.branch} · {short(branch.execution)}{shown}"


def roc_svg(comparison: Comparison) -> str:
    """The macro-average ROC curve of every branch that logged one, on one plot; "" when none did."""
    drawn = [(index, b) for index, e in enumerate(comparison.executions) for b in e.branches if b.roc]
    if not drawn:
        return ""
    plt = plots.pyplot()
    curves = [(curve_label(b, "auc"), b.roc["macro"], LINESTYLES[index % len(LINESTYLES)]) for index, b in drawn]
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "flowjobs"}):
        figure = plots.roc_figure(curves)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight")
        plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def leaderboard(comparison: Comparison) -> list[dict[str, typing.Any]]:
    rows = []
    for place, branch in enumerate(comparison.ranked(), start=1):
        rows.append(
            {
                "rank": place,
                "execution": branch.execution,
                "branch": branch.branch,
                "algorithm": branch.algorithm,
                "version": branch.version or "-",
                **{name: f"{branch.metrics[name]:.4f}" for name in registry.METRICS},
                "champion": "champion" if branch.version is not None and branch.version == comparison.champion else "",
            }
        )
    return rows


def confusion_images(comparison: Comparison) -> dict[str, str]:
    """Each execution's confusion matrices side by side, as a data: URI of a PNG, by execution id."""
    found = {}
    for execution in comparison.executions:
        figure = plots.confusion_figure(execution.branches)
        if figure is not None:
            found[execution.execution_id] = "data:image/png;base64," + base64.b64encode(plots.png(figure)).decode()
    return found


def render(comparison: Comparison, generated: dt.datetime | None = None) -> str:
    missing = [f"{b.branch} · {short(b.execution)}" for e in comparison.executions for b in e.branches if not b.roc]
    return _TEMPLATE.render(
        comparison=comparison,
        metrics=list(registry.METRICS),
        leaderboard=leaderboard(comparison),
        roc_svg=roc_svg(comparison),
        confusions=confusion_images(comparison),
        without_roc=missing,
        generated=(generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )
