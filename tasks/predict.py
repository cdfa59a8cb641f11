"""Batch prediction: score a CSV with the registered model's champion.

    python tasks/predict.py --data data/datasetD.csv [--model-name iris-classifier] [--output-dir outputs]

Needs the Id column and the four feature columns (a Species column, if any, is ignored). A model without a
champion yet is a one-line error naming the model. Outputs `predictions` (CSV: Id, species, proba_<class>
for each class) and `model_version` (the champion version that scored them).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from flowjobs import tracking
from helpers.flows import add_output_dir, get_param_from_args, handle_outputs, run_main
from multitrain import registry
from multitrain.model_specs import add_setting_arguments, check_settings
from tasks.champion import score
from tasks.iris_data import FEATURES, ID, DataError, check_ids, read_csv


def features(frame: pd.DataFrame, source: Path | str) -> pd.DataFrame:
    """Id (each once) and the four features, numeric; an error names the column and the first bad row."""
    for column in FEATURES:
        if column not in frame.columns:
            raise DataError(f"{source}: missing column {column!r}")
        numeric = pd.to_numeric(frame[column], errors="coerce")
        if numeric.isna().any():
            row = int(numeric.isna().to_numpy().argmax())
            value = frame[column].iloc[row]
            what = "is missing" if pd.isna(value) else f"{value!r} is not a number"
            raise DataError(f"{source}: column {column!r}, row {row + 1}: {what}")
        frame[column] = numeric.astype(float)
    check_ids(frame, source)
    return frame[[ID, *FEATURES]].reset_index(drop=True)


def predict(rows: pd.DataFrame, model_name: str) -> tuple[pd.DataFrame, str]:
    """Id, species and class probabilities for each row, and the champion version that scored them."""
    version = registry.require_champion(model_name)
    scored = score(f"models:/{model_name}/{version}", rows)
    return pd.concat([rows[[ID]], scored.reset_index(drop=True)], axis=1), version


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="CSV to score (Id and the four features)")
    add_setting_arguments(parser, ["model_name"])
    return add_output_dir(parser)


def main() -> None:
    parser = build_parser()
    model_name = check_settings(model_name=get_param_from_args(parser, "model_name")).model_name
    source = get_param_from_args(parser, "data")
    rows = features(read_csv(source), source)
    tracking.connect()
    predicted, version = predict(rows, model_name)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "predictions.csv"
        predicted.to_csv(path, index=False)
        handle_outputs({"predictions": path, "model_version": version})
    print(f"scored {len(predicted)} rows with {model_name} version {version} (champion)")


if __name__ == "__main__":
    run_main(main)
