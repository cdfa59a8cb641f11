"""Per-node overhead of the multi-train flow's steps, without running the flow: each step's start-up (interpreter
and the script's imports, up to its main()) and teardown (from there to the process gone), in wall and CPU seconds.

    .venv/bin/python benchmarks/node_overhead.py                       # this checkout, median of 3
    .venv/bin/python benchmarks/node_overhead.py --root /tmp/older     # and another checkout, side by side

CPU seconds hardly move with the machine's load, wall seconds do. A checkout with flowjobs/quick_exit.py ends the
way its run_main does; an older one exits normally. Bytecode as the checkout has it (`make setup` compiles it).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = [
    "prepare_data",
    "train_logreg",
    "train_h2o_automl",
    "train_random_forest",
    "train_xgboost",
    "compare_models",
    "promote_champion",
]
IMPORTED = "import sys, time, tasks.{step}; print(time.process_time(), time.time(), len(sys.modules), flush=True)"
QUICK_EXIT = "; from {toolkit} import quick_exit; quick_exit.exit_now()"


def measure(root: Path, step: str) -> tuple[float, float, float, float, int]:
    """(start-up wall, teardown wall, start-up CPU, teardown CPU, modules) of one process importing the step."""
    toolkit = next((p for p in ("src/flowjobs", "helpers") if (root / p / "quick_exit.py").exists()), None)
    code = IMPORTED.format(step=step) + (QUICK_EXIT.format(toolkit=toolkit.split("/")[-1]) if toolkit else "")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "src")])}
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True)
    ended, after = time.time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_at_main, wall_at_main, modules = done.stdout.split()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    at_main = float(wall_at_main)
    return at_main - started, ended - at_main, float(cpu_at_main), cpu - float(cpu_at_main), int(modules)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, action="append", help="a checkout to measure (default: this one)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step (the median is shown)")
    args = parser.parse_args()
    roots = args.root or [ROOT]
    if args.root:
        roots = [*roots, ROOT]
    found: dict[tuple[Path, str], list] = {(root, step): [] for root in roots for step in STEPS}
    for _ in range(args.repeat):  # interleaved, so a change of load touches every checkout alike
        for step in STEPS:
            for root in roots:
                found[(root, step)].append(measure(root, step))
    print(f"load average {os.getloadavg()}; median of {args.repeat}; seconds")
    for root in roots:
        print(
            f"\n{root}\n{'step':22s} {'modules':>8s} {'start-up':>9s} {'teardown':>9s} {'overhead':>9s}  (wall | CPU)"
        )
        overheads = []
        for step in STEPS:
            columns = list(zip(*found[(root, step)], strict=True))
            wall_up, wall_down, cpu_up, cpu_down = (statistics.median(column) for column in columns[:4])
            overheads.append((wall_up + wall_down, cpu_up + cpu_down))
            print(
                f"{step:22s} {int(statistics.median(columns[4])):8d} {wall_up:9.2f} {wall_down:9.2f} "
                f"{wall_up + wall_down:9.2f}  | {cpu_up:5.2f} {cpu_down:5.2f} {cpu_up + cpu_down:5.2f}"
            )
        wall, cpu = (statistics.median(column) for column in zip(*overheads, strict=True))
        print(f"{'median over the nodes':22s} {'':8s} {'':9s} {'':9s} {wall:9.2f}  | {'':11s} {cpu:5.2f}")


if __name__ == "__main__":
    main()
