"""The local runner's benchmark: `flowjobs run` beside `pyflyte run` and the ideal, measured on this machine.

    .venv/bin/python benchmarks/run.py            # about fifteen minutes (`make bench`); on a quiet machine (`uptime`)
    .venv/bin/python benchmarks/run.py --quick    # short cases only, to try it
    .venv/bin/python benchmarks/run.py --load     # the load case only (5 minutes); needs PostgreSQL on 127.0.0.1
    .venv/bin/python benchmarks/run.py --plain    # (f), (g), (h) only: plain Python @task nodes
    .venv/bin/python benchmarks/run.py --peers    # (a) beside its peers only, working and doing nothing
    .venv/bin/python benchmarks/run.py --everyday # (i) only: small everyday workflows against pyflyte run
    .venv/bin/python benchmarks/run.py --job      # (b) only: the multi-train job, both commands, against its floor

    (a) 4 equal CPU-bound branches: flowjobs vs pyflyte wall time, and flowjobs vs the ideal
    (b) model_training_pipeline (flows/multitrain_flow.py): the same three figures, every branch trained (--retrain)
    (c) per-task overhead: N no-op script tasks through flowjobs (--max-parallel 1) vs the N scripts run by hand
    (d) a warm-cache re-run / the cold run
    (e) how (a) and (c) grow with 1, 4 and 16 branches, and the sample flow with 1k, 100k and 1M rows
    (f) 4 plain @task nodes × 3 s CPU, then a join: flowjobs vs pyflyte wall time (the tasks in worker processes)
    (g) per-node cost of 16 no-op plain @task nodes (from 1 and 16 nodes), flowjobs minus pyflyte
    (h) a map task over 8 items × 1 s CPU: flowjobs vs pyflyte wall time
    (i) small everyday workflows and workflows in the shapes of Flyte's examples: flowjobs vs pyflyte wall time,
        median of five each (benchmarks/everyday.py)
    (load) 16 concurrent `flowjobs run` executions of the tracked test flow against one SQLite store and against
        an `mlflow server` on PostgreSQL: throughput and p95 per-task overhead, and nothing lost (the load test's
        measurement, tests/support/load.py)

Wall time is the whole command (imports included); execution is the span of the runner's record, from
the first node to the last. The ideal is max(critical path, CPU work / cores) over the task durations that
pyflyte's one-after-another run recorded, a task's CPU work being its duration times its tier's CPUs.
Every command runs with its own state and work folders under a temp folder; all share one MLflow store whose
schema is created before anything is timed. Not part of CI.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402 (the project root must be importable first)
from rich.table import Table  # noqa: E402

from flowjobs import records, tiers, tracking_store  # noqa: E402

BIN = Path(sys.executable).parent
CORES = len(os.sched_getaffinity(0))
BENCH_FLOWS = "benchmarks/flows.py"
SAMPLE = ("flows/sample_flow.py", "model_training")
MULTITRAIN = ("flows/multitrain_flow.py", "model_training_pipeline")
TARGETS = {"a_pyflyte": 0.60, "a_ideal": 1.15, "c": 0.15, "d": 0.05, "f": 0.60, "g": 0.10, "h": 0.60}
PLAIN_FLOWS = "tests/support/runner/worker_flows.py"
NOOPS = 16
LOAD_EXECUTIONS = 16
console = Console(width=None if sys.stdout.isatty() else 140)


@functools.cache
def work() -> Path:
    """The benchmark's temp folder: every command's state, work folders, data and the one MLflow store."""
    return Path(tempfile.mkdtemp(prefix="flowjobs-bench-"))


def tracking_uri() -> str:
    return f"sqlite:///{work() / 'mlflow.db'}"  # one store for every command, its schema made before timing


@dataclass
class Ran:
    wall: float
    record: records.ExecutionRecord | None  # None: a `pyflyte run` of plain Python tasks writes no record

    @property
    def execution(self) -> float:
        return self.record.duration


def run(tool: str, flow: str, workflow: str, *args: str, env: dict | None = None, state: Path | None = None) -> Ran:
    """One `TOOL run` in its own folders (or in `state`, to share a cache); its wall time and record."""
    state = state or Path(tempfile.mkdtemp(prefix="bench-", dir=work()))
    env = {
        **os.environ,
        **(env or {}),
        "FLOWJOBS_STATE_DIR": str(state),
        "FLOWJOBS_WORK_DIR": str(state / "jobs"),
        "TMPDIR": str(work()),
        "MLFLOW_TRACKING_URI": tracking_uri(),
        "FLOWJOBS_MODELS_DIR": str(work() / "models"),
    }
    started = time.perf_counter()
    done = subprocess.run([BIN / tool, "run", flow, workflow, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{tool} run {flow} {workflow} failed:\n{done.stderr[-3000:]}")
    written = sorted((state / "runs").glob(f"*/{records.RECORD_FILE}"), key=lambda path: path.stat().st_mtime)
    return Ran(wall, records.load(written[-1]) if written else None)


@functools.cache
def task_needs(flow: str, workflow: str) -> dict[str, set[str]]:
    """Which tasks each task waits for, from the compiled workflow (branches of a conditional count alike)."""
    from flytekit.core.condition import BranchNode

    from flowjobs.runner import branches, scheduler, workflow_inputs

    def names(node) -> list[str]:
        if isinstance(node.flyte_entity, BranchNode):
            return [case.flyte_entity.name for case in branches.case_nodes(node.flyte_entity)]
        return [getattr(node.flyte_entity, "name", node.id)]

    graph: dict[str, set[str]] = {}
    for node in workflow_inputs.load_workflow(str(ROOT / flow), workflow).workflow.nodes:
        waits = {name for other in scheduler.upstream(node) if other.flyte_entity for name in names(other)}
        for name in names(node):
            graph[name] = waits
    return graph


def tier_cpus(record: records.ExecutionRecord) -> dict[str, float]:
    """The CPUs each task holds while it runs: its tier's, capped at the machine's."""
    return {e.task: min(tiers.get_tier(e.tier).cpu_limit, CORES) for e in record.tasks.values()}


def ideal(sequential: records.ExecutionRecord, needs: dict[str, set[str]], took: dict | None = None) -> float:
    """max(critical path, CPU work / cores) from a one-after-another run's task durations (or `took`, by task)."""
    took = took or {
        e.task: sum((a.end - a.start).total_seconds() for a in e.attempts) for e in sequential.tasks.values()
    }
    cpus = tier_cpus(sequential)

    @functools.cache
    def finish(task: str) -> float:
        return took[task] + max((finish(other) for other in needs.get(task, ()) if other in took), default=0.0)

    return max(max(map(finish, took)), sum(took[task] * cpus[task] for task in took) / CORES)


def ratio(value: float, target: float | None = None, digits: int = 2) -> str:
    mark = "" if target is None else (" ✓" if value <= target else f" ✗ (target ≤ {target})")
    return f"{value:.{digits}f}{mark}"


def table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    shown = Table(title=title, title_justify="left")
    for column in columns:
        shown.add_column(column, justify="left" if column == "case" else "right")
    for row in rows:
        shown.add_row(*row)
    console.print(shown)


def versus_pyflyte(
    flow: str, workflow: str, *args: str, env: dict | None = None, targets: bool = False, runs: list | None = None
) -> list[str]:
    """One row: flowjobs and pyflyte wall, flowjobs execution, the ideal, and the two ratios (`runs` gets both)."""
    pyflyte = run("pyflyte", flow, workflow, *args, env=env)
    flowjobs = run("flowjobs", flow, workflow, *args, env=env)
    if runs is not None:
        runs.extend([pyflyte, flowjobs])
    best = ideal(pyflyte.record, {} if flow == BENCH_FLOWS else task_needs(flow, workflow))
    return [
        f"{flowjobs.wall:.1f}s",
        f"{pyflyte.wall:.1f}s",
        f"{flowjobs.execution:.1f}s",
        f"{best:.1f}s",
        ratio(flowjobs.wall / pyflyte.wall, TARGETS["a_pyflyte"] if targets else None),
        ratio(flowjobs.execution / best, TARGETS["a_ideal"] if targets else None),
    ]


COMPARED = [
    "case",
    "flowjobs wall",
    "pyflyte wall",
    "flowjobs execution",
    "ideal",
    "wall ÷ pyflyte",
    "execution ÷ ideal",
]


def branches_env(count: int, seconds: float, cached: bool = False) -> dict[str, str]:
    return {
        "FLOWJOBS_BENCH_BRANCHES": str(count),
        "FLOWJOBS_BENCH_SECONDS": str(seconds),
        "FLOWJOBS_BENCH_CACHE": "1" if cached else "0",
    }


def overhead(count: int) -> list[str]:
    """N no-op tasks through flowjobs one at a time vs the same script run N times by hand."""
    scratch = Path(tempfile.mkdtemp(prefix="by-hand-", dir=work()))
    started = time.perf_counter()
    for index in range(count):
        argv = [sys.executable, "benchmarks/busy.py", "0", "--output-dir", str(scratch / str(index))]
        subprocess.run(argv, cwd=ROOT, check=True, capture_output=True)
    by_hand = time.perf_counter() - started
    flowjobs = run("flowjobs", BENCH_FLOWS, "noops", "--max-parallel", "1", env=branches_env(count, 0))
    per_task = (flowjobs.execution - by_hand) / count
    return [
        str(count),
        f"{by_hand:.2f}s",
        f"{flowjobs.execution:.2f}s",
        f"{per_task:.3f}s",
        "✓" if per_task <= TARGETS["c"] else "✗",
    ]


def warm_over_cold(seconds: float) -> list[str]:
    state = Path(tempfile.mkdtemp(prefix="cache-", dir=work()))
    env = branches_env(4, seconds, cached=True)
    cold = run("flowjobs", BENCH_FLOWS, "busy_branches", env=env, state=state)
    warm = run("flowjobs", BENCH_FLOWS, "busy_branches", env=env, state=state)
    if {entry.status for entry in warm.record.tasks.values()} != {"cached"}:
        raise SystemExit("(d): the warm re-run did not hit the cache")
    return [
        f"{cold.execution:.2f}s",
        f"{warm.execution:.3f}s",
        f"{cold.wall:.1f}s / {warm.wall:.1f}s",
        ratio(warm.execution / cold.execution, TARGETS["d"], digits=3),
    ]


def iris_rows(rows: int) -> tuple[Path, Path]:
    """Two disjoint Iris-like partitions with `rows` rows together: resampled Iris with a little noise."""
    import numpy as np
    import pandas as pd

    base = pd.concat([pd.read_csv(ROOT / "data" / f"dataset{name}.csv") for name in "ABCD"], ignore_index=True)
    generator = np.random.default_rng(42)
    frame = base.sample(rows, replace=True, random_state=42).reset_index(drop=True)
    for column in ("SepalLengthCm", "SepalWidthCm", "PetalLengthCm", "PetalWidthCm"):
        frame[column] = (frame[column] + generator.normal(0, 0.1, rows)).clip(lower=0.1).round(1)
    frame["RandomColumn"] = generator.uniform(0, 1, rows).round(4)
    frame["Id"] = np.arange(1, rows + 1)
    folder = Path(tempfile.mkdtemp(prefix=f"iris-{rows}-", dir=work()))
    half = rows // 2
    frame.iloc[:half].to_csv(folder / "a.csv", index=False)
    frame.iloc[half:].to_csv(folder / "b.csv", index=False)
    return folder / "a.csv", folder / "b.csv"


def concurrent_load(count: int) -> None:
    """`count` executions of the tracked flow at once, per store: the load test's figures (tests/support/load.py)."""
    from tests.support import load

    for kind in load.STORES:
        folder = Path(tempfile.mkdtemp(prefix=f"load-{kind}-", dir=work()))
        with load.store(kind, folder / "store") as uri:
            ran = load.run_concurrently(count, folder, uri)
            problems = load.missing(ran, load.client(uri))
        console.print(load.figures(ran).line(kind), highlight=False)
        if problems:
            raise SystemExit(f"{kind}: MLflow lacks {len(problems)} things the executions did, e.g. {problems[:3]}")


def plain_tasks(quick: bool) -> None:
    """(f), (g), (h): plain Python @task nodes and map items, which run in worker processes under flowjobs."""
    burn = 1.0 if quick else 3.0
    item = 0.5 if quick else 1.0
    rows = []
    for case, workflow, count, seconds, target in (
        ("(f)", "siblings", 4, burn, TARGETS["f"]),
        ("(h)", "mapped", 8, item, TARGETS["h"]),
    ):
        env = branches_env(count, seconds)
        pyflyte, flowjobs = (
            run("pyflyte", PLAIN_FLOWS, workflow, env=env),
            run("flowjobs", PLAIN_FLOWS, workflow, env=env),
        )
        label = f"{case} {workflow}: {count} × {seconds:g}s CPU"
        rows.append(
            [label, f"{flowjobs.wall:.1f}s", f"{pyflyte.wall:.1f}s", ratio(flowjobs.wall / pyflyte.wall, target)]
        )
    table("(f), (h) plain @task nodes and map items", ["case", "flowjobs wall", "pyflyte wall", "wall ÷ pyflyte"], rows)
    walls = {
        (tool, count): run(tool, PLAIN_FLOWS, "noops", env=branches_env(count, 0)).wall
        for tool in ("pyflyte", "flowjobs")
        for count in (1, NOOPS)
    }
    per_node = {tool: (walls[tool, NOOPS] - walls[tool, 1]) / (NOOPS - 1) for tool in ("pyflyte", "flowjobs")}
    overhead = per_node["flowjobs"] - per_node["pyflyte"]
    row = [str(NOOPS), f"{per_node['pyflyte']:.3f}s", f"{per_node['flowjobs']:.3f}s", ratio(overhead, TARGETS["g"], 3)]
    table("(g) per-node cost of no-op @task nodes", ["N nodes", "pyflyte", "flowjobs", "flowjobs − pyflyte"], [row])


def everyday() -> None:
    """(i) small workflows of plain tasks, median of five runs each, side by side (benchmarks/everyday.py)."""
    from benchmarks import everyday as shapes

    def wall(tool: str, flow: str, workflow: str) -> float:
        return run(tool, flow, workflow).wall

    table("(i) everyday workflows, side by side", shapes.COLUMNS, shapes.rows(wall, ratio))


def beside_peers(seconds: float, branches: int = 4) -> None:
    """(a) as whole commands: flowjobs run, Kedro's ParallelRunner, Flyte 2's local runner (benchmarks/peers.py)."""
    from benchmarks import peers

    def flowjobs_wall() -> float:
        return run("flowjobs", BENCH_FLOWS, "busy_branches", env=branches_env(branches, seconds)).wall

    def flowjobs_noop() -> float:
        return run("flowjobs", BENCH_FLOWS, "noops", env=branches_env(branches, 0)).wall

    shown = peers.rows(branches, seconds, CORES, flowjobs_wall, ratio)
    table(f"(a) beside its peers: {branches} × {seconds:g}s CPU as whole commands", peers.COLUMNS, shown)
    starts = peers.start_rows(branches, flowjobs_noop)
    table(f"(a) beside its peers: the same commands, {branches} branches doing nothing", peers.START_COLUMNS, starts)


def multitrain_floor(pyflyte: Ran, flowjobs: Ran) -> None:
    """(b) node by node (pyflyte's run), and the whole job against its nodes' own work (benchmarks/floor.py)."""
    from benchmarks import floor
    from flowjobs import status

    split = status.time_split_table(pyflyte.record)
    if split is not None:
        console.print(split)
    needs = task_needs(*MULTITRAIN)
    cpus = tier_cpus(pyflyte.record)
    rows = floor.rows(
        pyflyte.wall,
        pyflyte.record,
        flowjobs.wall,
        lambda own: ideal(pyflyte.record, needs, own),
        ratio,
        lambda own: floor.tier_floor(own, cpus, needs, CORES),
        flowjobs.record,
    )
    table("(b) the whole job against its nodes' own work", floor.COLUMNS, rows)


def multitrain_job() -> None:
    """(b): the multi-train job under both commands, each training every branch (`--retrain`: the second command
    would otherwise reuse the first one's branches, their data, parameters and code unchanged), against its floor."""
    ran: list[Ran] = []
    row = [MULTITRAIN[1], *versus_pyflyte(*MULTITRAIN, "--retrain", runs=ran)]
    table("(b) model_training_pipeline", COMPARED, [row])
    multitrain_floor(*ran)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short cases only (1 s branches, no 100k/1M rows)")
    parser.add_argument("--load", action="store_true", help="only the load case: 16 executions on SQLite, PostgreSQL")
    parser.add_argument("--plain", action="store_true", help="only (f), (g), (h): plain Python @task nodes")
    parser.add_argument("--peers", action="store_true", help="only (a) beside its peers, working and doing nothing")
    parser.add_argument("--everyday", action="store_true", help="only (i): small everyday workflows")
    parser.add_argument("--job", action="store_true", help="only (b): the multi-train job against its floor")
    args = parser.parse_args()
    seconds = 1.0 if args.quick else 5.0
    console.print(f"{time.strftime('%Y-%m-%d %H:%M')} · {CORES} CPUs · load average before: {os.getloadavg()}")
    if args.plain:
        plain_tasks(args.quick)
        return
    if args.everyday:
        everyday()
        console.print(f"load average after: {os.getloadavg()}")
        return
    if args.load:
        concurrent_load(LOAD_EXECUTIONS)
        console.print(f"load average after: {os.getloadavg()}")
        return
    tracking_store.prepare_store(tracking_uri())
    if args.peers:
        beside_peers(seconds)
        return
    if args.job:
        multitrain_job()
        return
    plain_tasks(args.quick)
    everyday()

    rows = [
        [
            "4 branches × " + f"{seconds:g}s CPU",
            *versus_pyflyte(BENCH_FLOWS, "busy_branches", env=branches_env(4, seconds), targets=True),
        ]
    ]
    table("(a) 4 equal CPU-bound branches", COMPARED, rows)
    beside_peers(seconds)

    multitrain_job()

    overhead_columns = ["N tasks", "by hand", "flowjobs execution", "overhead per task", "target ≤ 0.15s"]
    table("(c) per-task overhead", overhead_columns, [overhead(16)])
    table(
        "(d) warm cache",
        ["cold execution", "warm execution", "walls cold / warm", "warm ÷ cold"],
        [warm_over_cold(seconds)],
    )

    growth = [
        [f"{count} × 1s", *versus_pyflyte(BENCH_FLOWS, "busy_branches", env=branches_env(count, 1))]
        for count in (1, 4, 16)
    ]
    table("(e) growth of (a) with branches", COMPARED, growth)
    table("(e) growth of (c) with tasks", overhead_columns, [overhead(count) for count in (1, 4, 16)])
    sizes = (1_000,) if args.quick else (1_000, 100_000, 1_000_000)
    sample = []
    for size in sizes:
        data_a, data_b = iris_rows(size)
        inputs = ("--data_path_a", str(data_a), "--data_path_b", str(data_b), "--num_estimators", "10")
        sample.append([f"{size:,} rows", *versus_pyflyte(*SAMPLE, *inputs)])
    table("(e) the sample flow by rows (10 trees)", COMPARED, sample)
    console.print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(work(), ignore_errors=True)
