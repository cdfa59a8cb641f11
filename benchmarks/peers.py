"""Benchmark (a) beside its peers: the same N CPU-bound branches as a whole command under `flowjobs run`, Kedro's
ParallelRunner and Flyte 2's local runner, one after another in the same benchmark run.

The peers run our own small equivalents (benchmarks/peer_kedro.py, benchmarks/peer_flyte2.py, the work of
benchmarks/peer_cpu.py) in an environment of their own, `.bench-peers/` (made by `make bench`), so their
libraries never meet the project's. The ideal is the CPU work over the cores (or one branch, if longer).
Beside it, what each command costs with nothing to do (its branches doing no work), and flytekit's import alone:
flowjobs compiles the flow with flytekit before its first node can start, so that import is a floor of its own.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEERS_PYTHON = ROOT / ".bench-peers" / "bin" / "python"
PEERS = {
    "Kedro ParallelRunner": "benchmarks/peer_kedro.py",
    "Flyte 2 local runner": "benchmarks/peer_flyte2.py",
}
TARGET = 1.10  # flowjobs run, the whole command, against the ideal
COLUMNS = ["case", "wall (whole command)", "ideal", "wall ÷ ideal", "÷ flowjobs"]
STARTS = 5  # no-op commands per command; the median is shown
START_COLUMNS = ["case", f"no-op command (median of {STARTS})", "÷ flowjobs"]
FLYTEKIT_IMPORT = "import time; started = time.perf_counter(); import flytekit; print(time.perf_counter() - started)"


def ideal(branches: int, seconds: float, cores: int) -> float:
    return max(seconds, branches * seconds / cores)


def peer_wall(script: str, branches: int, seconds: float) -> float:
    """One peer's whole command, from its interpreter's start to its exit."""
    argv = [str(PEERS_PYTHON), script, str(branches), str(seconds)]
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{script} failed:\n{done.stderr[-3000:]}")
    return wall


def rows(
    branches: int, seconds: float, cores: int, flowjobs_wall: typing.Callable[[], float], ratio: typing.Callable
) -> list[list[str]]:
    """flowjobs run, then each peer: wall, the ideal, the ratio, and how the peer compares with flowjobs."""
    best = ideal(branches, seconds, cores)
    ours = flowjobs_wall()
    shown = [["flowjobs run", f"{ours:.1f}s", f"{best:.1f}s", ratio(ours / best, TARGET), "1.00"]]
    if not PEERS_PYTHON.exists():
        print(f"(a) peers skipped: {PEERS_PYTHON} is missing (`make bench` makes it)", file=sys.stderr)
        return shown
    for name, script in PEERS.items():
        wall = peer_wall(script, branches, seconds)
        shown.append([name, f"{wall:.1f}s", f"{best:.1f}s", ratio(wall / best), f"{wall / ours:.2f}"])
    return shown


def flytekit_import() -> float:
    """flytekit's import alone, timed inside a fresh interpreter of the project's environment."""
    done = subprocess.run([sys.executable, "-c", FLYTEKIT_IMPORT], cwd=ROOT, check=True, capture_output=True)
    return float(done.stdout)


def start_rows(branches: int, flowjobs_noop: typing.Callable[[], float]) -> list[list[str]]:
    """Each command with its branches doing nothing (median of STARTS), and flytekit's import alone: the part of a
    whole command that is not its branches' work."""

    def median(measure: typing.Callable[[], float]) -> float:
        return statistics.median(measure() for _ in range(STARTS))

    ours = median(flowjobs_noop)
    shown = [["flowjobs run", f"{ours:.2f}s", "1.00"]]
    imported = median(flytekit_import)
    shown.append(["flytekit's import alone (a fresh interpreter)", f"{imported:.2f}s", f"{imported / ours:.2f}"])
    if PEERS_PYTHON.exists():
        for name, script in PEERS.items():
            wall = median(lambda script=script: peer_wall(script, branches, 0))
            shown.append([name, f"{wall:.2f}s", f"{wall / ours:.2f}"])
    return shown
