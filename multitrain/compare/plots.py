"""The branches side by side as pictures: every branch's ROC curve on one axes, their confusion matrices in one
row, the leaderboard as an image. The compare step logs them to the execution's parent run (`comparison/…`), so
MLflow's run page shows them without its compare pane; `flowjobs compare`'s HTML page draws the same."""

from __future__ import annotations

import io
import typing

from multitrain import registry
from multitrain.compare.runs import BranchRun, Execution

ROC_PLOT, CONFUSION_PLOTS, LEADERBOARD_PLOT = "roc_curves.png", "confusion_matrices.png", "leaderboard.png"
FOLDER = "comparison"  # on the parent run


def pyplot() -> typing.Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt


def roc_figure(curves: list[tuple[str, dict[str, typing.Any], str]]) -> typing.Any:
    """(label, macro-average curve {fpr, tpr}, line style) of each branch on one axes."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(8, 6))
    axes.plot([0, 1], [0, 1], color="#9aa5b1", linewidth=1, linestyle=":", label="chance")
    for label, curve, style in curves:
        axes.plot(curve["fpr"], curve["tpr"], style, linewidth=2, label=label)
    axes.set(xlim=(-0.01, 1.01), ylim=(-0.01, 1.01), xlabel="false positive rate", ylabel="true positive rate")
    axes.set_title("ROC, macro average over the classes (held-out data)")
    axes.legend(loc="lower right", fontsize=8)
    return figure


def confusion_figure(branches: list[BranchRun]) -> typing.Any | None:
    """Each branch's confusion matrix (the picture its run logged) in one row, titled by branch; None if none."""
    drawn = [branch for branch in branches if branch.confusion]
    if not drawn:
        return None
    plt = pyplot()
    from matplotlib import image

    figure, axes = plt.subplots(1, len(drawn), figsize=(4.2 * len(drawn), 4.2), squeeze=False)
    for axis, branch in zip(axes[0], drawn, strict=True):
        axis.imshow(image.imread(io.BytesIO(branch.confusion), format="png"))
        axis.set_title(f"{branch.branch} (version {branch.version or '-'})", fontsize=11)
        axis.axis("off")
    figure.tight_layout()
    return figure


def leaderboard_figure(execution: Execution, metric: str) -> typing.Any | None:
    """The execution's branches ranked, as a table picture: rank, branch, algorithm, version, the metrics."""
    scored = registry.rank([branch for branch in execution.branches if branch.scored], metric)
    if not scored:
        return None
    plt = pyplot()
    columns = ["rank", "branch", "algorithm", "version", *registry.METRICS]
    cells = [
        [str(place), b.branch, b.algorithm, b.version or "-", *(f"{b.metrics[m]:.4f}" for m in registry.METRICS)]
        for place, b in enumerate(scored, start=1)
    ]
    figure, axis = plt.subplots(figsize=(11, 0.5 + 0.4 * (len(cells) + 1)))
    axis.axis("off")
    table = axis.table(cellText=cells, colLabels=columns, loc="center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(10)
    table.auto_set_column_width(list(range(len(columns))))  # each column as wide as its longest cell
    table.scale(1, 1.4)
    for column in range(len(columns)):  # the winner's row stands out
        table[1, column].set_facecolor("#fff3c4")
    told = execution.params.get("verdict", f"Ranked by {metric} on the held-out data.")
    axis.set_title(told, fontsize=9, wrap=True)
    return figure


def execution_figures(execution: Execution, metric: str) -> dict[str, typing.Any]:
    """The three pictures of one execution, by file name (those it has data for)."""
    curves = [
        (f"{b.branch} (auc {b.metrics.get('auc', float('nan')):.4f})", b.roc["macro"], "-")
        for b in execution.branches
        if b.roc
    ]
    made = {
        ROC_PLOT: roc_figure(curves) if curves else None,
        CONFUSION_PLOTS: confusion_figure(execution.branches),
        LEADERBOARD_PLOT: leaderboard_figure(execution, metric),
    }
    return {name: figure for name, figure in made.items() if figure is not None}


def png(figure: typing.Any) -> bytes:
    """The figure as PNG bytes, closed."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", dpi=100)
    pyplot().close(figure)
    return buffer.getvalue()
