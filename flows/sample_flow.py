"""Sample flow: load two Iris partitions, merge them on Id, process, and train a RandomForest.

    pyflyte run flows/sample_flow.py model_training
    pyflyte run flows/sample_flow.py model_training --data_path_a my_a.csv --data_path_b my_b.csv --num_estimators 50
    pyflyte run --remote flows/sample_flow.py model_training --data_path_a my_a.csv   # uploads the CSV

    load_data_a (Small) ─┐
                         ├─► merge_data (Medium) ─► process_data (Medium) ─► train_model (Large) ─► model, accuracy
    load_data_b (Small) ─┘

train_model is retried once and stopped after 30 minutes, on a cluster and in local runs alike.
Each node is a script in tasks/ run as a job task: its typed inputs are written to its inputs folder and its
outputs read back from its outputs folder (see "The I/O contract" in the README).
"""

from __future__ import annotations

import typing
from pathlib import Path

from flytekit import workflow
from flytekit.types.file import FlyteFile

from flowjobs.jobs import Input, Output, run_job_task

CSV = FlyteFile[typing.TypeVar("csv")]
DATA = Path(__file__).resolve().parent.parent / "data"  # this project's data/
PKL = FlyteFile[typing.TypeVar("pkl")]
DATASET_A = CSV(str(DATA / "datasetA.csv"))
DATASET_B = CSV(str(DATA / "datasetB.csv"))


class TrainingResult(typing.NamedTuple):
    model: PKL
    accuracy: float


def load_partition(label: str, data_path: CSV) -> CSV:
    """One load node per partition: the same script, so the same step, under its own name."""
    return run_job_task(
        f"load_data_{label}",
        "python tasks/load_data.py",
        "Small",
        inputs=[Input("data_path", CSV, data_path)],
        output_specs=[Output("data", CSV)],
    )


@workflow
def model_training(
    data_path_a: CSV = DATASET_A,
    data_path_b: CSV = DATASET_B,
    num_estimators: int = 100,
) -> TrainingResult:
    load_a = load_partition("a", data_path_a)
    load_b = load_partition("b", data_path_b)
    merged = run_job_task(
        "merge_data",
        "python tasks/merge_data.py",
        "Medium",
        inputs=[Input("data_a", CSV, load_a), Input("data_b", CSV, load_b)],
        output_specs=[Output("merged", CSV)],
    )
    processed = run_job_task(
        "process_data",
        "python tasks/process_data.py",
        "Medium",
        inputs=[Input("merged_data", CSV, merged)],
        output_specs=[Output("processed", CSV)],
    )
    trained = run_job_task(
        "train_model",
        "python tasks/train_model.py",
        "Large",
        inputs=[Input("processed_data", CSV, processed), Input("num_estimators", int, num_estimators)],
        output_specs=[Output("model", PKL), Output("accuracy", float)],
        retries=1,  # a crash (a lost node, a killed process) runs again once; refused data fails at once
        timeout=1800,  # seconds; the script's whole process group is killed then
    )
    return trained["model"], trained["accuracy"]
