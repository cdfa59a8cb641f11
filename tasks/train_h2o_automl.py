"""Branch: H2O AutoML within a model and time budget (5-fold CV, leader by log loss).

    python tasks/train_h2o_automl.py --train outputs/train.csv --holdout outputs/holdout.csv \
        [--h2o-max-models 5] [--h2o-max-runtime-secs 60] [--params '{"exclude_algos": ["DeepLearning"]}']
Records a child run (a grandchild per AutoML model, with its CV metrics), the leader's held-out metrics and
plots, and a new registered version. Output `result` (JSON) for the compare step.

The JVM gets 3/4 of the task's tier memory and the tier's CPUs, listens on 127.0.0.1 on a free port, keeps
its ice_root and logs in the task's working folder (h2o/), and is stopped when the script ends, fails or
is stopped (SIGTERM); it stays in the script's process group, which the job task kills when the script exits.
A JVM that does not start (a heap the machine cannot reserve) is one line naming the tier, the heap and the
JVM's own reason.
"""

from __future__ import annotations

import contextlib
import os
import typing
from pathlib import Path

import numpy as np
import pandas as pd

from flowjobs.tiers import ENV_TIER, script_cpus, script_memory_mb
from helpers.flows import ScriptInputError, is_workflow_job, run_main
from tasks.training import CV_FOLDS, SEED, Branch, Fitted, GridPoint, branch_main

ALGORITHM = "h2o_automl"
# kept so that every model's CV metrics can be computed under the names the other branches use (cv_auc, …)
CV_KEPT = {"keep_cross_validation_predictions": True, "keep_cross_validation_fold_assignment": True}


def heap_mb(tier_memory_mb: int | None) -> int | None:
    """3/4 of the tier's memory for the JVM heap, the rest for the JVM itself and Python; None run alone."""
    return tier_memory_mb * 3 // 4 if tier_memory_mb else None


@contextlib.contextmanager
def session(branch: Branch) -> typing.Iterator[typing.Any]:
    """H2O for the branch; a JVM that does not start is a ScriptInputError (one line), not H2O's traceback."""
    from h2o.exceptions import H2OServerError

    from tasks.pyfunc_model import h2o_session

    folder = (Path.cwd() if is_workflow_job() else branch.scratch) / "h2o"
    heap = heap_mb(script_memory_mb())
    with contextlib.ExitStack() as stack:
        try:
            jvm = stack.enter_context(h2o_session(folder, heap, script_cpus()))
        except H2OServerError as err:
            size = f"a {heap} MB heap (3/4 of tier {os.environ.get(ENV_TIER)}'s memory)" if heap else "its default heap"
            said = _jvm_said(folder) or " ".join(str(err).split())
            raise ScriptInputError(f"H2O's JVM did not start with {size}: {said}") from None
        yield jvm


def _jvm_said(folder: Path) -> str:
    """The JVM's last line: it reports a heap it cannot reserve on stdout, which H2O keeps in a temp folder (here,
    under `folder`: tasks/pyfunc_model.py)."""
    lines = [
        line.strip()
        for path in folder.glob("tmp*/h2o_*_started_from_python.out")
        for line in path.read_text(errors="replace").splitlines()
        if line.strip()
    ]
    return lines[-1] if lines else ""


def fit(branch: Branch) -> Fitted:
    """AutoML on the training data; the leader is saved as an H2O binary model."""
    import h2o
    from h2o.automl import H2OAutoML

    from tasks.pyfunc_model import h2o_column_types, h2o_to_pandas

    table = branch.table
    types = {**h2o_column_types(table.numeric, table.categorical), table.target: "enum"}
    frame = h2o.H2OFrame(branch.train[[*table.features, table.target]], column_types=types)
    try:
        automl = H2OAutoML(seed=SEED, nfolds=CV_FOLDS, sort_metric="logloss", **{**CV_KEPT, **branch.params})
    except TypeError as err:
        raise ScriptInputError(f"branch {branch.name!r}: {err}") from None
    automl.train(x=table.features, y=table.target, training_frame=frame)
    board = h2o_to_pandas(automl.leaderboard) if automl.leaderboard is not None else None
    if automl.leader is None or board is None or board.empty:  # nothing to rank: trying again would not help
        budget = ", ".join(f"{name}={branch.params.get(name)}" for name in ("max_runtime_secs", "max_models"))
        raise ScriptInputError(
            f"branch {branch.name!r}: H2O AutoML built no model within its budget ({budget}); "
            "give it more time (--h2o_max_runtime_secs) or other algorithms"
        )
    classes = [str(level) for level in frame[table.target].levels()[0]]
    grid = [
        GridPoint(
            {"model_id": row["model_id"], "algo": row["model_id"].split("_")[0]},
            cv_metrics(h2o.get_model(row["model_id"]), branch.train[table.target], classes, float(row["logloss"])),
        )
        for _, row in board.iterrows()
    ]
    path = h2o.save_model(automl.leader, path=str(branch.scratch), filename=branch.model_file, force=True)
    best = {"leader": automl.leader.model_id, "leader_algo": automl.leader.algo}
    return Fitted("h2o", Path(path), classes, best, grid)


def cv_metrics(model: typing.Any, truth: pd.Series, classes: list[str], logloss: float) -> dict[str, float]:
    """A model's 5-fold CV metrics under the scikit-learn branches' names: each fold's five metrics on its held-out
    rows (H2O's kept CV predictions), averaged over the folds as scikit-learn's search does. A stacked ensemble
    keeps its CV predictions on its metalearner, without the folds: its metrics are over all rows at once. A model
    with neither has only its leaderboard log loss."""
    from tasks import evaluation
    from tasks.pyfunc_model import normalized

    truth = truth.to_numpy()
    try:
        scored, folds = _kept_cv_predictions(model)
    except Exception:  # noqa: BLE001 (H2O raises its own errors, or returns None, for a model without them)
        return {"cv_log_loss": round(logloss, evaluation.METRIC_DECIMALS)}
    proba = normalized(scored.drop(columns=["predict"], errors="ignore").to_numpy(dtype=float))  # class order
    if folds is None:
        return {f"cv_{name}": value for name, value in evaluation.metrics(truth, proba, classes).items()}
    per_fold = [evaluation.metrics(truth[folds == f], proba[folds == f], classes) for f in sorted(set(folds))]
    return {
        f"cv_{name}": round(float(np.mean([m[name] for m in per_fold])), evaluation.METRIC_DECIMALS)
        for name in per_fold[0]
    }


def _kept_cv_predictions(model: typing.Any) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The model's CV holdout predictions (one row per training row) and each row's fold, when H2O kept them."""
    from tasks.pyfunc_model import h2o_to_pandas

    kept = model.cross_validation_holdout_predictions()
    if kept is not None:
        folds = h2o_to_pandas(model.cross_validation_fold_assignment()).iloc[:, 0].to_numpy()
        return h2o_to_pandas(kept), folds
    return h2o_to_pandas(model.metalearner().cross_validation_holdout_predictions()), None


def main() -> None:
    branch_main(ALGORITHM, __doc__.splitlines()[0], fit, session)


if __name__ == "__main__":
    run_main(main)
