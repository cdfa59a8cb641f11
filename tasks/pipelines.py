"""The scikit-learn-style branches' models as pipelines: gaps imputed and categories encoded inside the model.

Inside the pipeline, so that the served model takes the user's raw rows, gaps included, and turns them into
features exactly as training did: numbers get the training median for a gap and are scaled; categories get
a `missing` category for a gap and are one-hot encoded (a category not seen in training, or one of the rare
ones past MAX_CATEGORIES, counts as infrequent). The estimator is the step `model`: its parameters are
`model__<name>` in the grid, shown without the prefix.
"""

from __future__ import annotations

import typing

from tasks.table import TableSpec

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
