"""Train a RandomForest on the processed Iris data (stratified 80/20 split, fixed seed).

    python tasks/train_model.py --processed-data processed.csv [--num-estimators 100] [--output-dir outputs]
Outputs `model` (the fitted classifier, joblib .pkl) and `accuracy` (on the 20% test split). Report: the
accuracy and the features' importances, and the confusion-matrix, ROC and precision-recall plots of the test split.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from flowjobs import reports
from flowjobs.tiers import script_cpus
from helpers.flows import ScriptInputError, add_output_dir, get_param_from_args, handle_outputs, run_main
from tasks.iris_data import FEATURES, TARGET, read_csv, require_species, validate

SEED = 42
MAX_ESTIMATORS = 10_000  # as the multi-train flow's n_estimators: more is a typo, not a forest
SPLIT_LEAST = 5  # rows of each species an 80/20 split by species needs (one in the test part, four to train)


def split(frame: pd.DataFrame, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stratified 80/20 split: training rows and test rows."""
    return train_test_split(frame, test_size=0.2, stratify=frame[TARGET], random_state=seed)


def train(frame: pd.DataFrame, num_estimators: int, seed: int = SEED) -> tuple[RandomForestClassifier, float]:
    if num_estimators < 1:
        raise ScriptInputError(f"num_estimators must be at least 1, got {num_estimators}")
    if num_estimators > MAX_ESTIMATORS:
        raise ScriptInputError(f"num_estimators must be at most {MAX_ESTIMATORS}, got {num_estimators}")
    train_rows, test_rows = split(frame, seed)
    model = RandomForestClassifier(n_estimators=num_estimators, random_state=seed, n_jobs=script_cpus())
    model.fit(train_rows[FEATURES], train_rows[TARGET])
    return model, float(model.score(test_rows[FEATURES], test_rows[TARGET]))


def publish_report(model: RandomForestClassifier, accuracy: float, test_rows: pd.DataFrame) -> None:
    """The task's decks: "Metrics" (the accuracy, the number of trees, each feature's importance) and "Plots" (the
    test split's confusion matrix, ROC and precision-recall curves). Inside a flow only: a run alone has no deck."""
    if reports.reports_folder() is None:
        return
    from matplotlib import pyplot as plt

    from tasks import evaluation  # matplotlib: loaded only when there is a deck to draw

    scores = [{"metric": "accuracy (20% test split)", "value": accuracy}, {"metric": "trees", "value": len(model)}]
    importances = zip(FEATURES, model.feature_importances_, strict=True)
    reports.publish(
        "Metrics",
        reports.table(scores)
        + reports.table([{"feature": f, "importance": float(v)} for f, v in importances], "feature importances"),
    )
    images = []
    proba = model.predict_proba(test_rows[FEATURES])
    for name, figure in evaluation.plots(test_rows[TARGET], proba, model.classes_, "20% test split").items():
        images.append(reports.figure(figure, name))
        plt.close(figure)
    reports.publish("Plots", "".join(images))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed-data", dest="processed_data", type=Path, required=True, help="processed Iris CSV")
    parser.add_argument("--num-estimators", dest="num_estimators", type=int, default=100, help="trees in the forest")
    return add_output_dir(parser)


def main() -> None:
    parser = build_parser()
    source = get_param_from_args(parser, "processed_data")
    frame = require_species(validate(read_csv(source), source), source, SPLIT_LEAST, "an 80/20 split")
    model, accuracy = train(frame, get_param_from_args(parser, "num_estimators"))
    publish_report(model, accuracy, split(frame)[1])
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "model.pkl"
        joblib.dump(model, path)
        handle_outputs({"model": path, "accuracy": accuracy})
    print(f"accuracy {accuracy:.4f}")


if __name__ == "__main__":
    run_main(main)
