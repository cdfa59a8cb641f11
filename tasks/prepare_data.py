"""Prepare the multi-train flow: check its settings, split the data, open the execution's MLflow parent run.

    python tasks/prepare_data.py --iris data/ [--train-partitions datasetA.csv datasetB.csv datasetC.csv]
        [--holdout-partition datasetD.csv] [--max-depth 5 …any flow setting] [--output-dir outputs]

In the flow the partitions come from the dataset snapshot iris@1: A, B and C train, D is held out. Every
branch reports its metrics on D and the champion is judged on D, so no row of D may be in the training data.
Bad settings (non-positive C, max_depth 0, an unknown ranking metric, …) stop the flow here, before any
branch trains. The parent run is tagged with the hash of the files read (the snapshot's, in the flow) and
gets the settings as params; the registered model is created here, before the branches add versions to it.
Outputs `train` and `holdout` (CSV: Id, the four features, Species) and `parent_run_id`. Report: the data
summary of both.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from flowjobs import phases, snapshots, tracking
from helpers.flows import add_output_dir, file_name, get_param_from_args, handle_outputs, run_main
from multitrain import registry
from multitrain.model_specs import (
    FLOW_NAME,
    HOLDOUT_PARTITION,
    TRAIN_PARTITIONS,
    RunSettings,
    add_setting_arguments,
    check_settings,
)
from tasks.iris_data import ID, DataError, process, publish_summary, read_csv, require_species
from tasks.training import CV_FOLDS


def split(folder: Path, train_files: list[str], holdout_file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training rows (the train partitions together) and the held-out rows; they may share no Id, and each
    has what the branches need: CV_FOLDS rows of every species to train on, every species held out."""
    for name in train_files:
        file_name(name, "train_partitions")
    file_name(holdout_file, "holdout_partition")
    if holdout_file in train_files:
        raise DataError(f"partition {holdout_file} cannot be both trained on and held out")
    train = pd.concat([process(read_csv(folder / name), folder / name) for name in train_files], ignore_index=True)
    duplicated = train[ID][train[ID].duplicated()]
    if not duplicated.empty:
        raise DataError(f"Id {duplicated.iloc[0]} appears in two training partitions")
    require_species(train, f"training partitions {', '.join(train_files)}", CV_FOLDS, f"{CV_FOLDS}-fold CV")
    holdout = process(read_csv(folder / holdout_file), folder / holdout_file)
    require_species(holdout, folder / holdout_file, 1, "the held-out metrics")
    shared = sorted(set(train[ID]) & set(holdout[ID]))
    if shared:
        raise DataError(f"held-out partition {holdout_file} shares Ids with the training partitions: {shared[:5]}")
    return train.sort_values(ID, kind="stable"), holdout


def snapshot_tag(folder: Path, files: list[str]) -> dict[str, str]:
    """The data's content hash as a parent-run tag, named after the catalog snapshot it matches, if any."""
    digest = snapshots.content_hash([folder / name for name in files], folder)
    for name, versions in snapshots.load_catalog().items():
        for version, spec in versions.items():
            if spec.sha256 == digest:
                return {f"{tracking.TAG_SNAPSHOT}{name}": f"{name}@{version}#sha256:{digest}"}
    return {f"{tracking.TAG_SNAPSHOT}{folder.name}": f"sha256:{digest}"}


def open_parent_run(settings: RunSettings, tags: dict[str, str], params: dict[str, object]) -> str:
    """The execution's parent run (get or create), with the settings as params; the registered model exists."""
    tracking.connect()
    run_id = tracking.parent_run(settings.experiment_name, FLOW_NAME, tags=tags)
    tracking.log_values(run_id, params={**settings.model_dump(), **params})
    registry.ensure_model(settings.model_name, description="Iris species classifier; alias `champion` is served")
    return run_id


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iris", type=Path, required=True, help="folder holding the partitions (the snapshot)")
    parser.add_argument("--train-partitions", dest="train_partitions", nargs="+", default=TRAIN_PARTITIONS)
    parser.add_argument("--holdout-partition", dest="holdout_partition", default=HOLDOUT_PARTITION)
    add_setting_arguments(parser, RunSettings.model_fields)
    return add_output_dir(parser)


def main() -> None:
    parser = build_parser()
    settings = check_settings(**{name: get_param_from_args(parser, name) for name in RunSettings.model_fields})
    folder = get_param_from_args(parser, "iris")
    train_files = get_param_from_args(parser, "train_partitions")
    holdout_file = get_param_from_args(parser, "holdout_partition")
    train, holdout = split(folder, train_files, holdout_file)
    publish_summary((train, f"training rows ({', '.join(train_files)})"), (holdout, f"held-out rows ({holdout_file})"))
    params = {"train_partitions": " ".join(train_files), "holdout_partition": holdout_file}
    with phases.tracking():
        run_id = open_parent_run(settings, snapshot_tag(folder, [*train_files, holdout_file]), params)
    with tracking.flow_step(run_id), tempfile.TemporaryDirectory() as scratch:
        train.to_csv(Path(scratch) / "train.csv", index=False)
        holdout.to_csv(Path(scratch) / "holdout.csv", index=False)
        handle_outputs({"train": Path(scratch) / "train.csv", "holdout": Path(scratch) / "holdout.csv"})
        handle_outputs({"parent_run_id": run_id})
    print(f"parent run {run_id}: {len(train)} training rows, {len(holdout)} held-out rows")


if __name__ == "__main__":
    run_main(main)
