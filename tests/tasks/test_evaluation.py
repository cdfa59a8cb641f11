"""The held-out metrics every branch logs, and its three plots."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import log_loss, roc_auc_score

from multitrain import registry
from tasks import evaluation

CLASSES = ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]
TRUTH = ["Iris-setosa", "Iris-versicolor", "Iris-virginica", "Iris-virginica"]
PROBA = np.array([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7], [0.1, 0.6, 0.3]])


def test_the_five_metrics_are_the_ones_the_registry_ranks_by() -> None:
    assert list(evaluation.metrics(TRUTH, PROBA, CLASSES)) == list(registry.METRICS)


def test_metric_values_rounded_to_four_decimals() -> None:
    values = evaluation.metrics(TRUTH, PROBA, CLASSES)
    assert values["auc"] == round(roc_auc_score(TRUTH, PROBA, multi_class="ovr", average="macro"), 4) == 0.8472
    assert values["log_loss"] == round(log_loss(TRUTH, PROBA, labels=CLASSES), 4)
    # predicted: setosa, versicolor, virginica, versicolor: one virginica missed
    assert values["recall"] == round((1 + 1 + 0.5) / 3, 4)
    assert values["precision"] == round((1 + 0.5 + 1) / 3, 4)
    assert all(value == round(value, 4) for value in values.values())


def test_a_perfect_model_scores_perfectly() -> None:
    values = evaluation.metrics(CLASSES, np.eye(3) * 0.97 + 0.01, CLASSES)
    assert values["auc"] == values["f1"] == values["precision"] == values["recall"] == 1.0
    assert values["log_loss"] < 0.05


def test_three_plots_as_image_files() -> None:
    figures = evaluation.plots(TRUTH, PROBA, CLASSES)
    assert set(figures) == {"roc_curve.png", "confusion_matrix.png", "precision_recall.png"}
    roc = figures["roc_curve.png"].axes[0]
    assert [text.get_text().split(" (")[0] for text in roc.get_legend().get_texts()][:3] == CLASSES


def test_the_roc_legend_shows_the_logged_auc_and_each_class_auc_at_the_same_precision() -> None:
    legend = [
        text.get_text()
        for text in evaluation.plots(TRUTH, PROBA, CLASSES)["roc_curve.png"].axes[0].get_legend().get_texts()
    ]
    assert legend[-1] == f"macro average (auc {evaluation.metrics(TRUTH, PROBA, CLASSES)['auc']:.4f})"
    per_class = [float(text.split("AUC ")[1].rstrip(")")) for text in legend[:3]]
    assert sum(per_class) / 3 == pytest.approx(evaluation.metrics(TRUTH, PROBA, CLASSES)["auc"], abs=1e-4)


def test_no_plot_clips_its_labels() -> None:
    """What is drawn (tick labels, axis labels, titles, legend) lies inside the figure, even for long class names."""
    long_names = ["Iris-setosa-with-a-long-name", "Iris-versicolor-with-a-long-name", "Iris-virginica-longer-still"]
    for name, figure in evaluation.plots([long_names[i] for i in [0, 1, 2, 2]], PROBA, long_names).items():
        figure.canvas.draw()
        drawn, page = figure.get_tightbbox(figure.canvas.get_renderer()), figure.bbox_inches
        assert page.x0 - 0.01 <= drawn.x0 and drawn.x1 <= page.x1 + 0.01, (name, drawn, page)
        assert page.y0 - 0.01 <= drawn.y0 and drawn.y1 <= page.y1 + 0.01, (name, drawn, page)


def test_roc_curves_as_data_per_class_and_their_macro_average() -> None:
    """The data `flowjobs compare` overlays: per class one-vs-rest, and their macro average on a shared grid."""
    curves = evaluation.roc_curves(TRUTH, PROBA, CLASSES)
    assert curves["classes"] == CLASSES and set(curves["per_class"]) == set(CLASSES)
    macro = curves["macro"]
    assert (macro["fpr"][0], macro["tpr"][0], macro["fpr"][-1], macro["tpr"][-1]) == (0.0, 0.0, 1.0, 1.0)
    assert macro["fpr"] == sorted(macro["fpr"]) and macro["tpr"] == sorted(macro["tpr"])
    for index, label in enumerate(CLASSES):
        curve = curves["per_class"][label]
        expected = roc_auc_score(np.asarray(TRUTH) == label, PROBA[:, index])
        assert np.trapezoid(curve["tpr"], curve["fpr"]) == pytest.approx(expected, abs=1e-3)  # 4 decimals kept


def test_a_perfect_model_has_a_corner_roc_curve() -> None:
    macro = evaluation.roc_curves(CLASSES, np.eye(3) * 0.97 + 0.01, CLASSES)["macro"]
    assert [tpr for fpr, tpr in zip(macro["fpr"], macro["tpr"], strict=True) if fpr == 0.0][-1] == 1.0
