"""Steps of the tracked test flow (tests/support/tracked_flow.py), picked by the first argument.

    prepare   write `data`: ROWS rows of numbers drawn from --seed (no MLflow)
    train     the multi-train flow's tracking in miniature: the execution's parent run (found or created), a
              branch run under it with STEPS steps of METRICS logged in one log_batch, a tiny model file
              registered as a new version of --model-name; the parent run ends FINISHED with the branch.
              Writes `scores` (CSV: step and the metrics, as logged) and `version`
    count     count the rows of `scores`; write `rows` (no MLflow)

With --hold DIR, the first attempt of `train` writes half of `scores` into its outputs folder, notes its pid in
DIR/train.pid and waits until DIR/train.go exists: meanwhile a fault test kills it or stops the tracking server.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import time
from pathlib import Path

from flowjobs import tracking
from helpers.flows import (
    ScriptInputError,
    add_output_dir,
    get_output_location,
    get_param_from_args,
    handle_outputs,
    run_main,
)
from multitrain import registry

FLOW_NAME = "tracked"
ROWS, STEPS = 40, 10
METRICS = ("auc", "log_loss", "f1", "precision", "recall")
HOLD_SECONDS = 300


def data_rows(seed: int) -> list[dict[str, float]]:
    draw = random.Random(seed)
    return [{"x": round(draw.random(), 6), "y": round(draw.random(), 6)} for _ in range(ROWS)]


def read_csv(path: Path) -> list[dict[str, str]]:
    with Path(path).open(newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def scores(data: list[dict[str, str]]) -> list[dict[str, float]]:
    """STEPS rows of metric values that depend on the data, so every execution logs values of its own."""
    mean = sum(float(row["x"]) * float(row["y"]) for row in data) / len(data)
    return [
        {"step": step, **{name: round(mean * (step + 1) / (index + STEPS), 9) for index, name in enumerate(METRICS)}}
        for step in range(STEPS)
    ]


def log_history(run_id: str, history: list[dict[str, float]]) -> None:
    """Every step of every metric in one call: over HTTP each call is a round trip."""
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    metrics = [Metric(name, row[name], now, int(row["step"])) for row in history for name in METRICS]
    tracking.client().log_batch(run_id, metrics=metrics)


def hold(folder: str, partial: list[dict]) -> None:
    """First attempt only: leave half an output behind, note the pid, and wait for the go-file."""
    if not folder or os.environ.get("FLOWJOBS_ATTEMPT", "1") != "1":
        return
    write_csv(Path(get_output_location("scores")).with_suffix(".csv"), partial)
    note = Path(folder) / "train.pid"
    note.with_suffix(".tmp").write_text(str(os.getpid()))
    note.with_suffix(".tmp").replace(note)
    deadline = time.monotonic() + HOLD_SECONDS
    while not (Path(folder) / "train.go").exists():
        if time.monotonic() > deadline:
            raise ScriptInputError(f"input 'hold': nobody released {folder} within {HOLD_SECONDS}s")
        time.sleep(0.05)


def register(run_id: str, model_name: str, parent_run_id: str) -> str:
    """A tiny model file as a new version of the registered model."""
    client = tracking.client()
    model = Path("model.json")
    model.write_text(json.dumps({"run_id": run_id}))
    client.log_artifact(run_id, str(model), "model")
    tags = {registry.TAG_PARENT_RUN: parent_run_id, registry.TAG_EXECUTION: tracking.current_execution_id()}
    source = f"{client.get_run(run_id).info.artifact_uri}/model"
    return str(client.create_model_version(model_name, source, run_id=run_id, tags=tags).version)


def train(data: Path, experiment: str, model_name: str, hold_folder: str) -> dict[str, object]:
    history = scores(read_csv(data))
    tracking.connect()
    parent = tracking.parent_run(experiment, FLOW_NAME)
    registry.ensure_model(model_name)
    with tracking.flow_step(parent, finishes=True), tracking.branch_run(parent, "train") as run_id:
        log_history(run_id, history)
        hold(hold_folder, history[: STEPS // 2])
        version = register(run_id, model_name, parent)
    return {"scores": write_csv(Path("scores.csv"), history), "version": version}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["prepare", "train", "count"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--scores", type=Path)
    parser.add_argument("--mlflow-experiment", dest="mlflow_experiment", default=FLOW_NAME)
    parser.add_argument("--model-name", dest="model_name", default="tracked-model")
    parser.add_argument("--hold", default="")
    return add_output_dir(parser)


def main() -> None:
    parser = build_parser()
    step = parser.parse_args().step
    if step == "prepare":
        handle_outputs({"data": write_csv(Path("data.csv"), data_rows(get_param_from_args(parser, "seed")))})
    elif step == "train":
        names = ("data", "mlflow_experiment", "model_name", "hold")
        handle_outputs(train(*(get_param_from_args(parser, name) for name in names)))
    else:
        handle_outputs({"rows": len(read_csv(get_param_from_args(parser, "scores")))})


if __name__ == "__main__":
    run_main(main)
