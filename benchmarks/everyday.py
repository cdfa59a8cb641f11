"""Everyday workflows, side by side: `flowjobs run` against `pyflyte run` on small flows of plain Python tasks
(benchmarks/everyday_flows.py: hello, a chain, a conditional, a fan-out, an @dynamic) and on flows in the shapes of
Flyte's own examples (benchmarks/snacks_flows.py). Each workflow runs under both commands in turn, RUNS times; the
median wall time of each is compared, and the sums of the medians.
Targets: no workflow above 1.10 × pyflyte, the sums of medians at most 1.00 ×.
"""

from __future__ import annotations

import statistics
import typing

RUNS = 5
EVERYDAY = ("benchmarks/everyday_flows.py", ("hello", "chain", "branching", "fan_out", "dynamic"))
SNACKS = (
    "benchmarks/snacks_flows.py",
    ("named_outputs", "records", "frames", "files", "nested", "mapped", "mapped_partial", "planned"),
)
TARGETS = {"each": 1.10, "sum": 1.00}
COLUMNS = ["case", f"flowjobs wall (median of {RUNS})", f"pyflyte wall (median of {RUNS})", "wall ÷ pyflyte"]

Wall = typing.Callable[[str, str, str], float]  # (tool, flow file, workflow) -> seconds


def medians(wall: Wall, flow: str, workflow: str, runs: int = RUNS) -> tuple[float, float]:
    """(flowjobs, pyflyte) median wall times, the two commands taking turns so a change of load hits both."""
    ours, theirs = [], []
    for _ in range(runs):
        theirs.append(wall("pyflyte", flow, workflow))
        ours.append(wall("flowjobs", flow, workflow))
    return statistics.median(ours), statistics.median(theirs)


def rows(wall: Wall, ratio: typing.Callable, runs: int = RUNS) -> list[list[str]]:
    """One row per workflow, then one per set and one for all: the sums of the medians."""
    shown, everything = [], [0.0, 0.0]
    for flow, workflows in (EVERYDAY, SNACKS):
        sums = [0.0, 0.0]
        for workflow in workflows:
            ours, theirs = medians(wall, flow, workflow, runs)
            sums = [sums[0] + ours, sums[1] + theirs]
            shown.append([workflow, f"{ours:.2f}s", f"{theirs:.2f}s", ratio(ours / theirs, TARGETS["each"])])
        everything = [everything[0] + sums[0], everything[1] + sums[1]]
        label = f"sum of medians, {flow.split('/')[-1]}"
        shown.append([label, f"{sums[0]:.2f}s", f"{sums[1]:.2f}s", ratio(sums[0] / sums[1], TARGETS["sum"])])
    ours, theirs = everything
    shown.append(["sum of medians, all", f"{ours:.2f}s", f"{theirs:.2f}s", ratio(ours / theirs, TARGETS["sum"])])
    return shown
