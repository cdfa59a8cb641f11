"""Prepare the multi-train flow: check its settings and the data, split it, open the execution's MLflow parent run.

    python tasks/prepare_data.py --data my.csv --target label [--id-columns customer_id] [--holdout-share 0.25]
        [--split-column split] [--max-depth 5 …any flow setting] [--output-dir outputs]
    python tasks/prepare_data.py --iris data/       # no --data: Iris, partitions A–C train, D held out

`--data` is a CSV or Parquet file (a relative path is under the project's root, or the folder the flow was
started from) or a dataset snapshot
`name@version` of the catalog (its table files, read together). Its rows are split, stratified by the target,
into training rows and `--holdout-share` held-out rows, or by `--split-column` (`train` / `test`). Every branch
reports its metrics on the held-out rows and the champion is judged on them. Everything that could stop a
branch stops the flow here, before anything is trained or registered, in one line naming the file and the
column: bad settings, a file that is not a table, no such target, one class, a class too small for the split, a
continuous target (regression), duplicate or all-missing columns (tasks/table.py); ID-like and constant columns
are dropped with a warning. The parent run is tagged with the data's hash (the snapshot's, when it is one) and
gets the settings as params; the registered model (default `<data's name>-classifier`, experiment `<data's
name>`) is created here. Outputs `train` and `holdout` (CSV: the features, the target), `table` (tasks/table.py's
description, JSON), `model_name` and `parent_run_id`. Report: the data summary of both.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from flowjobs import phases, project, reports, snapshots, tracking
from helpers.flows import ScriptInputError, add_output_dir, file_name, get_param_from_args, handle_outputs, run_main
from multitrain import registry
from multitrain.model_specs import (
    FLOW_NAME,
    HOLDOUT_PARTITION,
    TRAIN_PARTITIONS,
    RunSettings,
    add_setting_arguments,
    check_settings,
)
from tasks.iris_data import ID, DataError, process, read_csv, require_species
from tasks.table import IRIS, PARQUET, TableSpec, describe, read_table, require_classes, shown
from tasks.training import CV_FOLDS, SEED

HOLDOUT_SHARE = 0.25
SPLIT_TRAIN, SPLIT_HOLDOUT = ("train",), ("test", "holdout", "valid", "validation")
SNAPSHOT_NAME = re.compile(r"(?P<name>[\w.-]+)@(?P<version>[\w.-]+)")


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


def locate(data: str) -> tuple[str, list[Path], Path, dict[str, str]]:
    """The data input as its name, its table files, their folder and the parent run's snapshot tag: a file (a
    relative path is under the project's root) or a catalog snapshot `name@version`."""
    path = Path(data).expanduser()
    if not path.is_absolute():  # the project's root, else the folder the flow was started from (the shell's PWD)
        started_in = Path(os.environ.get("PWD") or project.root()) / path
        path = project.root() / path if (project.root() / path).exists() or not started_in.exists() else started_in
    found = SNAPSHOT_NAME.fullmatch(data)
    if found and not path.exists():
        try:
            resolved = snapshots.resolve(snapshots.DatasetSnapshot(found["name"], found["version"]))
        except snapshots.SnapshotError as err:
            raise ScriptInputError(f"input 'data': {err}") from None
        files = [resolved.root / name for name in resolved.files if Path(name).suffix.lower() in (".csv", *PARQUET)]
        if not files:
            raise DataError(f"input 'data': dataset snapshot {data} holds no CSV or Parquet file")
        return found["name"], files, resolved.root, {f"{tracking.TAG_SNAPSHOT}{found['name']}": resolved.ref}
    digest = snapshots.content_hash([path], path.parent) if path.is_file() else ""
    return path.stem, [path], path.parent, {f"{tracking.TAG_SNAPSHOT}{path.stem}": f"sha256:{digest}"}


def split_table(
    files: list[Path], target: str, id_columns: list[str], share: float, split_column: str, name: str
) -> tuple[pd.DataFrame, pd.DataFrame, TableSpec, list[str]]:
    """The user's table checked (tasks/table.py) and split: training and held-out rows, each class in both."""
    from sklearn.model_selection import train_test_split

    frames = [read_table(path) for path in files]
    source = files[0] if len(files) == 1 else f"dataset {name}"
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if not target:
        raise DataError(f"input 'target': name the column to predict (columns of {source}: {shown(frame.columns)})")
    if split_column and split_column not in frame.columns:
        raise DataError(f"{source}: no column {split_column!r} to split by (input 'split_column')")
    excluded = [split_column] if split_column else []
    rows, spec, warnings = describe(frame.drop(columns=excluded), source, target, id_columns, name)
    if split_column:
        where = frame.loc[rows.index, split_column].astype(str).str.strip().str.lower()
        unknown = ~where.isin([*SPLIT_TRAIN, *SPLIT_HOLDOUT])
        if unknown.any():
            value = frame.at[unknown.idxmax(), split_column]
            raise DataError(f"{source}: column {split_column!r}: {value!r} is neither train nor test")
        train, holdout = rows[where.isin(SPLIT_TRAIN)], rows[where.isin(SPLIT_HOLDOUT)]
    else:
        least = CV_FOLDS + 1
        counts = rows[target].value_counts()
        for label, found in counts.items():
            if found < least:
                raise DataError(
                    f"{source}: column {target!r}: class {label!r} has {found} rows, too few for the split "
                    f"({CV_FOLDS}-fold CV on the training rows and the held-out rows need at least {least})"
                )
        train, holdout = train_test_split(rows, test_size=share, stratify=rows[target], random_state=SEED)
    require_classes(train, spec, f"{source} (training rows)", CV_FOLDS, f"{CV_FOLDS}-fold CV")
    require_classes(holdout, spec, f"{source} (held-out rows)", 1, "the held-out metrics")
    return train.sort_index(), holdout.sort_index(), spec, warnings


def snapshot_tag(folder: Path, files: list[str]) -> dict[str, str]:
    """The data's content hash as a parent-run tag, named after the catalog snapshot it matches, if any."""
    digest = snapshots.content_hash([folder / name for name in files], folder)
    for name, versions in snapshots.load_catalog().items():
        for version, spec in versions.items():
            if spec.sha256 == digest:
                return {f"{tracking.TAG_SNAPSHOT}{name}": f"{name}@{version}#sha256:{digest}"}
    return {f"{tracking.TAG_SNAPSHOT}{folder.name}": f"sha256:{digest}"}


def open_parent_run(settings: RunSettings, tags: dict[str, str], params: dict[str, object], table: TableSpec) -> str:
    """The execution's parent run (get or create), with the settings as params; the registered model exists."""
    tracking.connect()
    run_id = tracking.parent_run(settings.experiment_name, FLOW_NAME, tags=tags)
    tracking.log_values(run_id, params={**settings.model_dump(), **params})
    about = f"classifier of {table.target!r} in {table.name} ({len(table.classes)} classes); alias `champion` is served"
    registry.ensure_model(settings.model_name, description=about)
    return run_id


def named_settings(parser: argparse.ArgumentParser, data: str) -> RunSettings:
    """The settings, with the model's and the experiment's names from the data's when not given."""
    values = {name: get_param_from_args(parser, name) for name in RunSettings.model_fields}
    defaults = RunSettings()
    if data:  # the flow's default experiment (the one `flowjobs run` records under) stands for the data's own
        name = Path(data).stem if not SNAPSHOT_NAME.fullmatch(data) else data.split("@")[0]
        values["model_name"] = values["model_name"] or f"{name}-classifier"
        if values["experiment_name"] in ("", defaults.experiment_name):
            values["experiment_name"] = name
    values["model_name"] = values["model_name"] or defaults.model_name
    values["experiment_name"] = values["experiment_name"] or defaults.experiment_name
    return check_settings(**values)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iris", type=Path, default=None, help="folder holding Iris's partitions (the snapshot)")
    parser.add_argument("--data", default="", help="CSV or Parquet file, or snapshot name@version (default: Iris)")
    parser.add_argument("--target", default="", help="the column to predict")
    parser.add_argument("--id-columns", dest="id_columns", nargs="*", default=[], help="columns to drop")
    parser.add_argument("--holdout-share", dest="holdout_share", type=float, default=HOLDOUT_SHARE)
    parser.add_argument("--split-column", dest="split_column", default="", help="column saying train or test")
    parser.add_argument("--train-partitions", dest="train_partitions", nargs="+", default=TRAIN_PARTITIONS)
    parser.add_argument("--holdout-partition", dest="holdout_partition", default=HOLDOUT_PARTITION)
    add_setting_arguments(parser, RunSettings.model_fields)
    parser.set_defaults(model_name="", experiment_name="")  # from the data's name (Iris: the defaults)
    return add_output_dir(parser)


def main() -> None:
    parser = build_parser()
    data = get_param_from_args(parser, "data")
    settings = named_settings(parser, data)
    share = get_param_from_args(parser, "holdout_share")
    if not 0 < share < 1:
        raise ScriptInputError(f"input 'holdout_share': a share between 0 and 1 of the rows, got {share}")
    if data:
        name, files, folder, tags = locate(data)
        target, id_columns = get_param_from_args(parser, "target"), get_param_from_args(parser, "id_columns")
        split_column = get_param_from_args(parser, "split_column")
        train, holdout, table, warnings = split_table(files, target, list(id_columns), share, split_column, name)
        params = {"data": data, "target": target, "holdout_share": share, "split_column": split_column}
        for line in warnings:
            print(f"warning: prepare_data.py: {line}")
    else:
        table, tags, params = IRIS, {}, {}
        train, holdout = iris_split(parser)
        params = {"train_partitions": " ".join(train_files(parser)), "holdout_partition": holdout_file(parser)}
        tags = snapshot_tag(iris_folder(parser), [*train_files(parser), holdout_file(parser)])
    summary = (train, f"training rows of {table.name}"), (holdout, f"held-out rows of {table.name}")
    reports.publish("Data summary", "".join(reports.data_summary(f, label, table.target) for f, label in summary))
    with phases.tracking():
        run_id = open_parent_run(settings, tags, params, table)
    with tracking.flow_step(run_id), tempfile.TemporaryDirectory() as scratch:
        train.to_csv(Path(scratch) / "train.csv", index=False)
        holdout.to_csv(Path(scratch) / "holdout.csv", index=False)
        handle_outputs({"train": Path(scratch) / "train.csv", "holdout": Path(scratch) / "holdout.csv"})
        handle_outputs({"parent_run_id": run_id, "table": table.to_json(), "model_name": settings.model_name})
    print(f"parent run {run_id}: {len(train)} training rows, {len(holdout)} held-out rows of {table.name}")


def iris_folder(parser: argparse.ArgumentParser) -> Path:
    folder = get_param_from_args(parser, "iris")
    if folder is None:
        raise ScriptInputError("input 'data': give a CSV or Parquet file (or --iris, the folder of Iris's partitions)")
    return folder


def train_files(parser: argparse.ArgumentParser) -> list[str]:
    return list(get_param_from_args(parser, "train_partitions"))


def holdout_file(parser: argparse.ArgumentParser) -> str:
    return get_param_from_args(parser, "holdout_partition")


def iris_split(parser: argparse.ArgumentParser) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Iris's partitions (no `data`): the inputs that describe a table of one's own must not be given."""
    if get_param_from_args(parser, "target") not in ("", IRIS.target):
        raise ScriptInputError("input 'target': give the data it is a column of (input 'data'); without it: Iris")
    for name in ("id_columns", "split_column"):
        if get_param_from_args(parser, name):
            raise ScriptInputError(f"input {name!r}: give the data it is a column of (input 'data'); without it: Iris")
    return split(iris_folder(parser), train_files(parser), holdout_file(parser))


if __name__ == "__main__":
    run_main(main)
