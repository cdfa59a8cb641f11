"""Held-out evaluation, the same for every branch: five metrics under the same names, and three plots.

The metrics (named as in multitrain.registry.METRICS, which ranks by them) are AUC (two classes: of the second
class's probability; more: one-vs-rest, macro-averaged), log loss, and F1, precision and recall macro-averaged
over the classes (every class counts the same, however rare: AVERAGE names it on each run); the plots are
one-vs-rest ROC curves, the confusion matrix and one-vs-rest precision-recall curves, and the ROC curves are
also kept as data (`roc_curves`) for comparing branches.
All come from the class probabilities, whatever the model family.
"""

from __future__ import annotations

import typing

import matplotlib

matplotlib.use("Agg")  # scripts run headless

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    PrecisionRecallDisplay,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from multitrain.model_specs import METRIC_DECIMALS

CURVE_DECIMALS = 4
AVERAGE = "macro"  # F1, precision and recall: logged as the run's param `metrics_average`


def predicted(proba: np.ndarray, classes: typing.Sequence[str]) -> np.ndarray:
    return np.asarray(classes)[np.argmax(proba, axis=1)]


def auc(truth: typing.Sequence[str], proba: np.ndarray, labels: list[str]) -> float:
    """Two classes: the AUC of the second class's probability; more: one-vs-rest, averaged over the classes."""
    if len(labels) == 2:
        return roc_auc_score(np.asarray(truth) == labels[1], proba[:, 1])
    return roc_auc_score(truth, proba, multi_class="ovr", average="macro", labels=labels)


def metrics(truth: typing.Sequence[str], proba: np.ndarray, classes: typing.Sequence[str]) -> dict[str, float]:
    """The five held-out metrics, rounded to METRIC_DECIMALS; `proba` has one column per class, in the order of
    `classes`."""
    labels = list(classes)
    guess = predicted(proba, labels)
    macro = {"labels": labels, "average": AVERAGE, "zero_division": 0}
    exact = {
        "auc": auc(truth, proba, labels),
        "log_loss": log_loss(truth, proba, labels=labels),
        "f1": f1_score(truth, guess, **macro),
        "precision": precision_score(truth, guess, **macro),
        "recall": recall_score(truth, guess, **macro),
    }
    return {name: round(float(value), METRIC_DECIMALS) for name, value in exact.items()}


def roc_curves(truth: typing.Sequence[str], proba: np.ndarray, classes: typing.Sequence[str]) -> dict[str, typing.Any]:
    """Each class's one-vs-rest ROC curve and their macro average (the mean true-positive rate over the union of
    false-positive rates), as JSON-ready lists: what a comparison of branches needs to draw them on one plot."""
    labels, truth = list(classes), np.asarray(truth)
    per_class = {}
    for index, label in enumerate(labels):
        fpr, tpr, _ = roc_curve(truth == label, proba[:, index])
        per_class[label] = (fpr, tpr)
    grid = np.unique(np.concatenate([fpr for fpr, _ in per_class.values()]))
    mean_tpr = np.mean([np.interp(grid, fpr, tpr) for fpr, tpr in per_class.values()], axis=0)

    def points(fpr: np.ndarray, tpr: np.ndarray) -> dict[str, list[float]]:
        return {"fpr": fpr.round(CURVE_DECIMALS).tolist(), "tpr": tpr.round(CURVE_DECIMALS).tolist()}

    return {
        "classes": labels,
        "macro": points(np.r_[0.0, grid], np.r_[0.0, mean_tpr]),  # from the origin, as every ROC curve starts
        "per_class": {label: points(fpr, tpr) for label, (fpr, tpr) in per_class.items()},
    }


def _one_vs_rest(display: typing.Any, truth: np.ndarray, proba: np.ndarray, classes: list[str], title: str) -> Figure:
    figure, axes = plt.subplots(figsize=(6, 5))
    for index, label in enumerate(classes):
        display.from_predictions(truth == label, proba[:, index], name=label, ax=axes)
    axes.set_title(title)
    return figure


def _roc(truth: np.ndarray, proba: np.ndarray, classes: list[str], title: str) -> Figure:
    """One-vs-rest ROC curves, each labelled with its AUC as `auc` is logged (4 decimals), and their macro average
    labelled with the logged `auc` itself (the mean of the per-class AUCs)."""
    figure, axes = plt.subplots(figsize=(6, 5))
    for index, label in enumerate(classes):
        fpr, tpr, _ = roc_curve(truth == label, proba[:, index])
        area = round(float(roc_auc_score(truth == label, proba[:, index])), METRIC_DECIMALS)
        axes.plot(fpr, tpr, linewidth=1.5, label=f"{label} (AUC {area:.{METRIC_DECIMALS}f})")
    macro = roc_curves(truth, proba, classes)["macro"]
    logged = metrics(truth, proba, classes)["auc"]
    axes.plot(macro["fpr"], macro["tpr"], "k--", linewidth=2, label=f"macro average (auc {logged:.{METRIC_DECIMALS}f})")
    axes.plot([0, 1], [0, 1], color="#9aa5b1", linewidth=1, linestyle=":")
    axes.set(xlabel="false positive rate", ylabel="true positive rate", title=title)
    axes.legend(loc="lower right", fontsize=8)
    return figure


def plots(
    truth: typing.Sequence[str], proba: np.ndarray, classes: typing.Sequence[str], scored_on: str = "held-out data"
) -> dict[str, Figure]:
    """The three plots by artifact file name, titled with what was scored; the caller logs and closes them.

    Each figure's layout is tightened, so no label or title is clipped whatever the class names' length."""
    labels, truth = list(classes), np.asarray(truth)
    confusion, axes = plt.subplots(figsize=(6, 5))
    ConfusionMatrixDisplay.from_predictions(truth, predicted(proba, labels), labels=labels, ax=axes, colorbar=False)
    axes.set_title(f"Confusion matrix ({scored_on})")
    plt.setp(axes.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")
    figures = {
        "roc_curve.png": _roc(truth, proba, labels, f"ROC, one vs rest ({scored_on})"),
        "confusion_matrix.png": confusion,
        "precision_recall.png": _one_vs_rest(
            PrecisionRecallDisplay, truth, proba, labels, f"Precision-recall, one vs rest ({scored_on})"
        ),
    }
    for figure in figures.values():
        figure.tight_layout()
    return figures
