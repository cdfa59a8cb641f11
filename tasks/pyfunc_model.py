"""The MLflow model every branch logs: for rows of the table, the label and the class probabilities, any family.

One interface for all families means the champion is served, batch-scored and re-scored the same way
whichever branch won. It is logged as code (MLflow's "models from code"): this file is copied into the
model and runs when the model loads, so it imports libraries only, never the project.

    model config  kind: sklearn (joblib file) | xgboost (XGBoost JSON) | h2o (H2O binary model)
                  classes: the class labels (text) in the order of the estimator's probability columns
                  features: the input columns; categorical: those that are text (the rest are numbers)
                  prediction: the answer's column (default `species`); label_type: str | int | bool | float
    artifact      estimator: the estimator's file (scikit-learn: a pipeline that imputes and encodes)
    output        the prediction column, in the user's label type, then proba_<class> for each class

Rows are coerced the same way at training and serving (`coerce`): numbers as floats, categories as text, gaps
kept as gaps for the model's own pipeline to impute.

An H2O model needs a running H2O (this H2O release exports no MOJO from its open-source client), so this
file also owns starting one: `h2o_session`, used by the H2O branch as well, so the same rules hold wherever
H2O runs: 127.0.0.1 on a free port, its files in a given folder, and its JVM in the caller's process group.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import typing
import warnings
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

PROBA_PREFIX = "proba_"
SCORING_HEAP_MB = 1024
JVM_STOP_SECONDS = 10
PR_SET_PDEATHSIG = 1  # prctl(2)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """In the JVM's child before exec: the kernel kills it (SIGKILL) when the process that started it dies,
    however that process ends (a server stopped by a signal that skips its exit handlers)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@contextlib.contextmanager
def _jvm_started_here(folder: Path, die_with_parent: bool = False) -> typing.Iterator[None]:
    """H2O starts its JVM in a session of its own (os.setsid, its Popen's preexec_fn) and writes its stdout/stderr
    to a temp folder; here its files stay in `folder`, and in a script the JVM stays in this process's group, so
    whoever kills the group (the job task when a script ends, a timeout) kills the JVM too. With
    `die_with_parent` (a server scoring an H2O model) the JVM keeps its own session, so a Ctrl-C in the server's
    terminal reaches the server alone, which then stops the JVM itself, quietly; and it dies with this process
    however that ends."""
    setsid, tempdir = os.setsid, tempfile.tempdir

    def own_session_dying_with_parent() -> None:
        setsid()
        _die_with_parent()

    os.setsid = own_session_dying_with_parent if die_with_parent else lambda: None
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        os.setsid, tempfile.tempdir = setsid, tempdir


@contextlib.contextmanager
def h2o_session(
    folder: Path | None = None, memory_mb: int | None = None, cpus: int = -1, die_with_parent: bool = False
) -> typing.Iterator[subprocess.Popen]:
    """A local H2O for this process, connected; yields its JVM process and always stops it on exit.

    Bound to 127.0.0.1 on a free port (two may run at once); ice_root and logs under `folder`, or under a temp
    folder of its own (`h2o-*`) that is removed once the JVM is gone.
    """
    import h2o
    from h2o.backend import H2OLocalServer

    os.environ.setdefault("DO_NOT_TRACK", "1")  # H2O's client reports usage unless told not to
    h2o.no_progress()
    own = folder is None
    folder = Path(folder or tempfile.mkdtemp(prefix="h2o-"))
    (folder / "ice_root").mkdir(parents=True, exist_ok=True)
    with _jvm_started_here(folder, die_with_parent):
        server = H2OLocalServer.start(
            nthreads=cpus,
            max_mem_size=memory_mb << 20 if memory_mb else None,
            ice_root=str(folder / "ice_root"),
            log_dir=str(folder / "logs"),
            port=f"{_free_port()}+",
            bind_to_localhost=True,
            verbose=False,
        )
    jvm = server._process  # H2O's own shutdown() does not wait for the JVM to be gone
    try:
        with contextlib.redirect_stdout(io.StringIO()) as said:  # H2O's age check: see `_without_age_warning`
            h2o.connect(server=server, verbose=False)
        print(_without_age_warning(said.getvalue()), end="")
        yield jvm
    finally:
        with contextlib.suppress(Exception):
            h2o.cluster().shutdown()
        try:
            jvm.terminate()
            try:
                jvm.wait(JVM_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                jvm.kill()
                jvm.wait()
        finally:
            if own:
                shutil.rmtree(folder, ignore_errors=True)


def _without_age_warning(printed: str) -> str:
    """What H2O printed while connecting, less its warning that the cluster's version is months old (its advice,
    to download a newer H2O, is not a user's to follow: the version is the project's pinned dependency)."""
    lines = printed.splitlines(keepends=True)
    return "".join(
        line
        for line in lines
        if "H2O cluster version is" not in line and "download and install the latest version" not in line
    )


def h2o_to_pandas(frame: typing.Any) -> pd.DataFrame:
    """An H2OFrame as pandas, without H2O's warning that polars would convert it faster."""
    from h2o.exceptions import H2ODependencyWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", H2ODependencyWarning)
        return frame.as_data_frame()


def coerce(rows: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """The feature columns as every model takes them: numbers as floats (a non-number is a gap), categories as
    text; a gap (NaN, None) is NaN, which the model's imputers take for missing."""
    out = pd.DataFrame(index=rows.index)
    for column in rows.columns:
        if column in categorical:
            out[column] = rows[column].map(lambda value: np.nan if pd.isna(value) else str(value)).astype(object)
        elif column in numeric:
            out[column] = pd.to_numeric(rows[column], errors="coerce").astype(float)
    return out


def h2o_column_types(numeric: list[str], categorical: list[str]) -> dict[str, str]:
    """H2O's parse types for the columns, so a few served rows parse as the training frame did."""
    return {**{column: "real" for column in numeric}, **{column: "enum" for column in categorical}}


def normalized(proba: np.ndarray) -> np.ndarray:
    """Each row's probabilities summing to one: H2O's come back as rounded text and sum to 1 ± 1e-6."""
    proba = np.clip(np.asarray(proba, dtype=float), 0.0, None)
    return proba / proba.sum(axis=1, keepdims=True)


def _h2o_proba(path: str, column_types: dict[str, str] | None = None) -> typing.Callable[[pd.DataFrame], np.ndarray]:
    """Scoring through the H2O this process is connected to, or through one started for the process."""
    import h2o

    connection = h2o.connection()
    if connection is None or not connection.connected:
        session = contextlib.ExitStack()
        session.enter_context(h2o_session(memory_mb=SCORING_HEAP_MB, die_with_parent=True))
        atexit.register(session.close)
        _exit_on_sigterm()
    model = h2o.upload_model(path)

    def proba(rows: pd.DataFrame) -> np.ndarray:
        types = {column: kind for column, kind in (column_types or {}).items() if column in rows.columns}
        scored = h2o_to_pandas(model.predict(h2o.H2OFrame(rows, column_types=types or None)))
        return normalized(scored.drop(columns=["predict"]).to_numpy(dtype=float))

    return proba


def _exit_on_sigterm() -> None:
    """SIGTERM ends this process through its exit handlers, so the scoring JVM stops and its folder goes.

    A server (`mlflow models serve`'s uvicorn) catches SIGTERM while it runs, then restores the default action and
    raises it again, which would skip the exit handlers; the model loads inside that window, so this handler is
    the one in place. Only the main thread may set one: elsewhere the JVM still dies with the process."""
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, _leave)


def _leave(signum: int, frame: typing.Any) -> None:  # noqa: ARG001 (signal handler signature)
    """Exit once: a second SIGTERM (a server's own shutdown raises it again) must not cut the exit handlers short."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(128 + signum)


def load_estimator(
    kind: str, path: str, column_types: dict[str, str] | None = None
) -> typing.Callable[[pd.DataFrame], np.ndarray]:
    """A function from feature rows to class probabilities (one column per class, in the model's order)."""
    if kind == "sklearn":
        import joblib

        return joblib.load(path).predict_proba
    if kind == "xgboost":
        from xgboost import XGBClassifier

        model = XGBClassifier()
        model.load_model(path)
        return model.predict_proba
    if kind == "h2o":
        return _h2o_proba(path, column_types)
    raise ValueError(f"unknown estimator kind {kind!r}")


LABEL_TYPES: dict[str, typing.Callable[[str], typing.Any]] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": lambda text: text == "True",
}


def predictions(
    proba: np.ndarray, classes: list[str], prediction: str = "species", label_type: str = "str"
) -> pd.DataFrame:
    """The model's output: the most probable class (in the labels' own type), then each class's probability."""
    chosen = [LABEL_TYPES[label_type](label) for label in np.asarray(classes)[np.argmax(proba, axis=1)]]
    return pd.DataFrame({prediction: chosen, **{f"{PROBA_PREFIX}{c}": proba[:, i] for i, c in enumerate(classes)}})


class TableClassifier(mlflow.pyfunc.PythonModel):
    """Any branch's estimator behind the one interface above."""

    def load_context(self, context: typing.Any) -> None:
        config = context.model_config
        self.classes, self.features = [str(c) for c in config["classes"]], list(config["features"])
        self.categorical = list(config.get("categorical", []))
        self.numeric = [column for column in self.features if column not in self.categorical]
        self.prediction, self.label_type = config.get("prediction", "species"), config.get("label_type", "str")
        types = h2o_column_types(self.numeric, self.categorical)
        self.proba = load_estimator(config["kind"], context.artifacts["estimator"], types)

    def predict(self, context: typing.Any, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:  # noqa: ARG002
        rows = coerce(model_input[self.features], self.numeric, self.categorical)
        return predictions(self.proba(rows), self.classes, self.prediction, self.label_type)


mlflow.models.set_model(TableClassifier())
