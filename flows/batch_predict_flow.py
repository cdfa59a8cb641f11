"""Batch prediction: score a CSV with the champion of the registered model.

    pyflyte run flows/batch_predict_flow.py batch_predict
    pyflyte run flows/batch_predict_flow.py batch_predict --data my_rows.csv --model_name iris-classifier

    data (default: data/datasetD.csv) ─► predict (Small) ─► predictions (CSV: Id, species, proba_<class>…),
                                                            model_version (the champion that scored them)

The champion is the version the alias `champion` points at (moved by flows/multitrain_flow.py); a model
without one fails with an error naming the model.
"""

from __future__ import annotations

import typing
from pathlib import Path

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flowjobs.jobs import Input, Output, run_job_task
from multitrain.model_specs import DEFAULTS

CSV = FlyteFile[typing.TypeVar("csv")]
DATA = Path(__file__).resolve().parent.parent / "data"  # this project's data/
DATASET_D = CSV(str(DATA / "datasetD.csv"))


class BatchPrediction(typing.NamedTuple):
    predictions: CSV
    model_version: str


@workflow
def batch_predict(data: CSV = DATASET_D, model_name: str = DEFAULTS.model_name) -> BatchPrediction:
    inputs = [Input("data", CSV, data), Input("model_name", str, model_name)]
    outputs = [Output("predictions", CSV), Output("model_version", str)]
    return run_job_task(
        "predict", "python tasks/predict.py", "Small", inputs=inputs, output_specs=outputs, tracking=True
    )
