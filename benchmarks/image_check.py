"""`make image-check`: build the task image, then run flows' tasks inside it exactly as Flyte pods run them.

    .venv/bin/python benchmarks/image_check.py [--tag localhost/flowjobs:local] [--work DIR]

1. Builds the Dockerfile with podman (or docker); its base image is made from Debian's packages when the registry
   cannot be reached (flowjobs/container/base_image.py), and cached outside the clone.
2. Packages the flows with `pyflyte package --image <tag>` and runs, each in a container with no network:
   every task of the sample flow, chained literal to literal (one pod's outputs.pb is the next one's inputs.pb),
   and the training task given a CSV without the label column, which must end in an error.pb (USER,
   NON_RECOVERABLE) naming the column.
3. Runs one training branch of the multi-train flow in a pod on the host's network, tracking to an MLflow server
   started on the host's loopback.
4. Prints the build time, the image's size, each pod's time to start, and the time its modules take to import
   in the image against the same imports on the host (warm: the host's second try). Target: ≤ 1.5×.

Exits 1, naming the pod and what it found, when a pod does not do what a cluster's pod must.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flyteidl.core import errors_pb2, execution_pb2, literals_pb2  # noqa: E402

from flowjobs.container import build, engine  # noqa: E402
from flowjobs.container.pod import PodRun, run_pod  # noqa: E402
from tests.support import servers  # noqa: E402
from tests.support.iris import DATA, partition, write  # noqa: E402
from tests.support.multitrain import pipeline_env, prepare_alone  # noqa: E402
from tests.support.pod import literal_map, package  # noqa: E402
from tests.support.project import PROJECT_ROOT  # noqa: E402

TARGET_RATIO = 1.5
SAMPLE = "flows.sample_flow."
BRANCH = "random_forest"
IMPORT_PROBE = "import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"


class CheckFailed(RuntimeError):
    """A pod that did not do what a cluster's pod must."""


@dataclass
class Measured:
    pod: str
    run: PodRun
    modules: str
    image_imports: float = 0.0
    host_imports: float = 0.0


# Files given to the first pods stay where they are (remote_path=False): a pod reads them through its mounts, as
# a cluster's pod reads the object store; flytekit would otherwise copy them to this process's own sandbox first.


def pod_modules(script: str) -> str:
    """What a job task's pod imports: Flyte's entrypoint, the resolver's module, then the script's own imports."""
    return f"flytekit.bin.entrypoint, flowjobs.jobs, tasks.{script}"


def args_of(packaged, name: str) -> tuple[list[str], str]:
    template = packaged.tasks[name].template
    args = list(template.container.args)
    command = json.loads(args[args.index("job-spec") + 1])["command"]
    return args, Path(command.split()[1]).stem


def passed(**bindings: tuple[literals_pb2.LiteralMap, str]) -> literals_pb2.LiteralMap:
    return literals_pb2.LiteralMap(literals={k: out.literals[o] for k, (out, o) in bindings.items()})


def succeeded(measured: Measured) -> literals_pb2.LiteralMap:
    run = measured.run
    if run.returncode != 0 or run.error is not None or run.outputs is None:
        message = run.error.error.message if run.error else run.log[-3000:]
        raise CheckFailed(f"pod {measured.pod}: no outputs.pb (exit {run.returncode}): {message}")
    return run.outputs


def sample_flow(packaged, tag: str, work: Path) -> list[Measured]:
    """Every task of the sample flow, each in its own container, chained literal to literal."""
    from flows.sample_flow import CSV

    data = work / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("*.yaml"))
    done: list[Measured] = []

    def pod(name: str, inputs: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
        args, script = args_of(packaged, SAMPLE + name)
        done.append(Measured(name, run_pod(tag, args, inputs, work / name, mounts=(work,)), pod_modules(script)))
        return succeeded(done[-1])

    load_a = pod(
        "load_data_a",
        literal_map({"data_path": CSV(str(data / "datasetA.csv"), remote_path=False)}, {"data_path": CSV}),
    )
    load_b = pod(
        "load_data_b",
        literal_map({"data_path": CSV(str(data / "datasetB.csv"), remote_path=False)}, {"data_path": CSV}),
    )
    merged = pod("merge_data", passed(data_a=(load_a, "data"), data_b=(load_b, "data")))
    processed = pod("process_data", passed(merged_data=(merged, "merged")))
    train_inputs = passed(processed_data=(processed, "processed"))
    train_inputs.literals["num_estimators"].CopyFrom(literal_map({"n": 12}, {"n": int}).literals["n"])
    trained = pod("train_model", train_inputs)
    accuracy = trained.literals["accuracy"].scalar.primitive.float_value
    if not 0.8 <= accuracy <= 1.0 or not trained.literals["model"].scalar.blob.uri:
        raise CheckFailed(f"pod train_model: accuracy {accuracy} or no model file in its outputs.pb")
    return done


def refused_input(packaged, tag: str, work: Path) -> Measured:
    """The training task given a CSV without its label: error.pb, USER, NON_RECOVERABLE, the column named."""
    from flows.sample_flow import CSV

    (work / "refused").mkdir(parents=True)
    bad = write(partition("A").drop(columns=["Species"]), work / "refused" / "bad.csv")
    inputs = literal_map(
        {"processed_data": CSV(str(bad), remote_path=False), "num_estimators": 5},
        {"processed_data": CSV, "num_estimators": int},
    )
    args, script = args_of(packaged, SAMPLE + "train_model")
    measured = Measured(
        "train_model (refused input)",
        run_pod(tag, args, inputs, work / "refused" / "pod", mounts=(work / "refused",)),
        pod_modules(script),
    )
    error = measured.run.error
    if measured.run.returncode != 0 or measured.run.outputs is not None or error is None:
        raise CheckFailed(f"refused input: expected exit 0 with error.pb only, got exit {measured.run.returncode}")
    found = (error.error.origin, error.error.kind)
    if found != (execution_pb2.ExecutionError.USER, errors_pb2.ContainerError.NON_RECOVERABLE):
        raise CheckFailed(f"refused input: error.pb is {found}, not USER/NON_RECOVERABLE: {error.error.message}")
    if "missing column 'Species'" not in error.error.message:
        raise CheckFailed(f"refused input: error.pb does not name the column: {error.error.message}")
    return measured


def multitrain_branch(tag: str, work: Path) -> Measured:
    """One training branch in a pod on the host's network, tracking to an MLflow server on the host's loopback."""
    from flytekit import FlyteContextManager
    from flytekit.core.type_engine import TypeEngine
    from flytekit.models.literals import Literal
    from mlflow import MlflowClient

    from flowjobs.jobs import JobSpec
    from flowjobs.value_types import from_token
    from flows.multitrain_flow import CSV
    from multitrain.model_specs import BranchResult, load_specs
    from tasks.table import IRIS

    folder = work / "multitrain"
    folder.mkdir(parents=True)
    packaged = package(folder, tag, packages="flows")
    port = servers.free_port()
    argv = servers.tracking_server_argv(port, f"sqlite:///{folder / 'server.db'}", folder / "artifacts")
    with servers.running(argv, port, folder / "server.log", timeout=600) as server:
        parent_run_id = prepare_alone(folder, pipeline_env(folder, uri=server.url))
        args, script = args_of(packaged, f"flows.multitrain_flow.train_{BRANCH}")
        spec = JobSpec.model_validate_json(args[args.index("job-spec") + 1])
        branch = next(s for s in load_specs() if s.name == BRANCH)
        values = {
            **{name: CSV(str(folder / "p" / f"{name}.csv"), remote_path=False) for name in ("train", "holdout")},
            "parent_run_id": parent_run_id, "model_name": "iris-classifier", "ranking_metric": "auc",
            "branch": BRANCH, "params": json.dumps(branch.params), "model_file": branch.model_file,
            "n_estimators": 20, "max_depth": 3, "table": IRIS.to_json(), "retrain": False,
        }  # fmt: skip
        inputs = literal_map(values, {name: from_token(token) for name, token in spec.inputs.items()})
        env = {"MLFLOW_TRACKING_URI": server.url}
        run = run_pod(tag, args, inputs, folder / "pod", env=env, network="host", mounts=(folder / "p",))
        measured = Measured(f"train_{BRANCH} (tracked)", run, pod_modules(script))
        literal = Literal.from_flyte_idl(succeeded(measured).literals["result"])
        result = TypeEngine.to_python_value(FlyteContextManager.current_context(), literal, BranchResult)
        tracked = MlflowClient(tracking_uri=server.url).get_run(result.run_id)
        if tracked.info.status != "FINISHED" or tracked.data.tags.get("mlflow.parentRunId") != parent_run_id:
            raise CheckFailed(f"pod train_{BRANCH}: run {result.run_id} is {tracked.info.status}, not under the parent")
    return measured


@functools.cache
def warm_host_imports(modules: str) -> float:
    """The same imports on the host, warm: the first try fills the page cache, the second is measured."""
    import_seconds((sys.executable,), modules)
    return import_seconds((sys.executable,), modules)


def import_seconds(argv: tuple[str, ...], modules: str) -> float:
    probe = [*argv, "-c", IMPORT_PROBE.format(modules=modules)]
    result = subprocess.run(probe, capture_output=True, text=True, cwd=PROJECT_ROOT)
    if result.returncode != 0:
        raise CheckFailed(f"importing {modules} failed: {result.stderr.strip()[-1500:]}")
    return float(result.stdout.strip().splitlines()[-1])


def measure_imports(tag: str, pods: list[Measured]) -> None:
    """Each pod's imports in a fresh container of the image, and the same imports on the host, warm."""
    in_image = (engine.find(), "run", "--rm", "--network=none", tag, "python")
    for measured in pods:
        measured.image_imports = import_seconds(in_image, measured.modules)
        measured.host_imports = warm_host_imports(measured.modules)


def report(built: build.Built, pods: list[Measured]) -> bool:
    print(f"image {built.tag}: built in {built.seconds:.0f} s, {built.size_bytes / 1e9:.2f} GB (base: {built.base})")
    print(f"{'pod':32} {'start s':>8} {'run s':>8} {'imports s':>10} {'host s':>8} {'ratio':>6}")
    for m in pods:
        ratio = m.image_imports / m.host_imports
        print(f"{m.pod:32} {m.run.start_seconds:8.2f} {m.run.run_seconds:8.2f} {m.image_imports:10.2f} "
              f"{m.host_imports:8.2f} {ratio:6.2f}")  # fmt: skip
    warm = statistics.median(m.image_imports / m.host_imports for m in pods[1:] or pods)
    met = warm <= TARGET_RATIO
    print(f"imports in the image / on the host, median of the warm pods: {warm:.2f} (target ≤ {TARGET_RATIO}: "
          f"{'met' if met else 'MISSED'})")  # fmt: skip
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default=build.DEFAULT_TAG, help="the image's tag (default: %(default)s)")
    parser.add_argument("--work", type=Path, help="where the pods' folders go (default: a temporary folder)")
    options = parser.parse_args(argv)
    work = options.work or Path(tempfile.mkdtemp(prefix="flowjobs-image-check-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.monotonic()
        built = build.build(options.tag, log_file=work / "build.log")
        print(f"built {built.tag} (log: {work / 'build.log'})", flush=True)
        packaged = package(work, options.tag)
        pods = sample_flow(packaged, options.tag, work)
        pods.append(refused_input(packaged, options.tag, work))
        pods.append(multitrain_branch(options.tag, work))
        measure_imports(options.tag, pods)
    except (CheckFailed, engine.NoEngineError, RuntimeError) as err:
        print(f"image check failed: {err}", file=sys.stderr)
        return 1
    report(built, pods)
    print(f"image check passed in {time.monotonic() - started:.0f} s: every pod did what a cluster's pod must")
    return 0


if __name__ == "__main__":
    sys.exit(main())
