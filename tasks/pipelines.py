"""The scikit-learn-style branches' models as pipelines: gaps imputed and categories encoded inside the model.

Inside the pipeline, so that the served model takes the user's raw rows, gaps included, and turns them into
features exactly as training did: numbers get the training median for a gap and are scaled; categories get
a `missing` category for a gap and are one-hot encoded (a category not seen in training, or one of the rare
ones past MAX_CATEGORIES, counts as infrequent). The estimator is the step `model`: its parameters are
`model__<name>` in the grid, shown without the prefix. `fit_sklearn` grid-searches such a pipeline for the
logistic regression, random forest and XGBoost branches.
"""

from __future__ import annotations

import typing

from helpers.flows import ScriptInputError
from multitrain.model_specs import METRIC_DECIMALS
from tasks.table import TableSpec
from tasks.training import CV_FOLDS, SEED, Branch, Fitted, GridPoint

MODEL_STEP = "model"
MAX_CATEGORIES = 50


def pipeline(estimator: typing.Any, spec: TableSpec) -> typing.Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts = []
    if spec.numeric:
        numbers = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
        parts.append(("numeric", numbers, spec.numeric))
    if spec.categorical:
        categories = Pipeline(
            [
                ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
                (
                    "encode",
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist", max_categories=MAX_CATEGORIES, sparse_output=False
                    ),
                ),
            ]
        )
        parts.append(("categorical", categories, spec.categorical))
    return Pipeline([("prepare", ColumnTransformer(parts)), (MODEL_STEP, estimator)])


def in_pipeline(params: dict[str, typing.Any]) -> dict[str, typing.Any]:
    """The estimator's parameters as the pipeline's."""
    return {f"{MODEL_STEP}__{name}": value for name, value in params.items()}


def plain(name: str) -> str:
    """A pipeline parameter's name as the estimator's."""
    return name.removeprefix(f"{MODEL_STEP}__")


SCORERS = {
    "auc": "roc_auc_ovr",
    "log_loss": "neg_log_loss",
    "f1": "f1_macro",
    "precision": "precision_macro",
    "recall": "recall_macro",
}


def fit_sklearn(estimator: typing.Any, branch: Branch, classes: list[str] | None = None) -> Fitted:
    """Grid-search a scikit-learn-style estimator, inside the pipeline, over the branch's params (a list is an
    axis) with 5-fold CV on the training data, refit the best by the ranking metric and save it (joblib).

    With `classes`, the estimator learns each row's index in that list instead of the class name.
    """
    import joblib
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    truth = branch.train[branch.table.target]
    labels = truth.map(classes.index) if classes else truth
    grid = {name: value if isinstance(value, list) else [value] for name, value in branch.params.items()}
    grid, estimator = in_pipeline(grid), pipeline(estimator, branch.table)
    folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=SEED)
    search = GridSearchCV(estimator, grid, scoring=SCORERS, refit=branch.ranking_metric, cv=folds, error_score="raise")
    try:
        search.fit(branch.train[branch.table.features], labels)
    except ValueError as err:  # scikit-learn's parameter errors name the parameter
        raise ScriptInputError(f"branch {branch.name!r}: {str(err).splitlines()[0]}") from None
    results = search.cv_results_
    grid_points = [
        GridPoint(
            {plain(name): _plain(value) for name, value in params.items()},
            {
                f"cv_{m}": round((-1 if m == "log_loss" else 1) * float(results[f"mean_test_{m}"][i]), METRIC_DECIMALS)
                for m in SCORERS
            },
        )
        for i, params in enumerate(results["params"])
    ]
    best, path = search.best_estimator_, branch.scratch / branch.model_file
    joblib.dump(best, path)
    chosen = {plain(name): _plain(value) for name, value in search.best_params_.items()}
    labels = classes or [str(label) for label in best.classes_]
    return Fitted("sklearn", path, labels, chosen, grid_points, int(search.best_index_))


def _plain(value: typing.Any) -> typing.Any:
    return value.item() if hasattr(value, "item") else value
