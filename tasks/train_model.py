"""Train a RandomForest on the processed Iris data (stratified 80/20 split, fixed seed).

    python tasks/train_model.py --processed-data processed.csv [--num-estimators 100] [--output-dir outputs]
Outputs `model` (the fitted classifier, joblib .pkl) and `accuracy` (on the 20% test split).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from helpers.flows import ScriptInputError, add_output_dir, get_param_from_args, handle_outputs, run_main
from helpers.tiers import script_cpus
from tasks.iris_data import FEATURES, TARGET, read_csv, validate

SEED = 42


def train(frame: pd.DataFrame, num_estimators: int, seed: int = SEED) -> tuple[RandomForestClassifier, float]:
    if num_estimators < 1:
        raise ScriptInputError(f"num_estimators must be at least 1, got {num_estimators}")
    train_rows, test_rows = train_test_split(frame, test_size=0.2, stratify=frame[TARGET], random_state=seed)
    model = RandomForestClassifier(n_estimators=num_estimators, random_state=seed, n_jobs=script_cpus())
    model.fit(train_rows[FEATURES], train_rows[TARGET])
    return model, float(model.score(test_rows[FEATURES], test_rows[TARGET]))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed-data", dest="processed_data", type=Path, required=True, help="processed Iris CSV")
    parser.add_argument("--num-estimators", dest="num_estimators", type=int, default=100, help="trees in the forest")
    return add_output_dir(parser)


def main() -> None:
    parser = build_parser()
    source = get_param_from_args(parser, "processed_data")
    model, accuracy = train(validate(read_csv(source), source), get_param_from_args(parser, "num_estimators"))
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "model.pkl"
        joblib.dump(model, path)
        handle_outputs({"model": path, "accuracy": accuracy})
    print(f"accuracy {accuracy:.4f}")


if __name__ == "__main__":
    run_main(main)
