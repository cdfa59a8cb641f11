"""Benchmark (a) as a Kedro pipeline run by its ParallelRunner: N independent nodes of SECONDS of CPU each.

    .bench-peers/bin/python benchmarks/peer_kedro.py 4 3

Each node is a plain Python function, as a Kedro user writes one; the ParallelRunner runs the nodes in a pool of
worker processes, one per core. Runs in the peers' environment (kedro installed there, not the project).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from kedro.io import MemoryDataset, SharedMemoryDataCatalog  # noqa: E402 (peer_cpu's folder must be importable first)
from kedro.pipeline import Pipeline, node  # noqa: E402
from kedro.runner import ParallelRunner  # noqa: E402
from peer_cpu import busy  # noqa: E402


def branch(seconds: float) -> int:
    busy(seconds)
    return 1


def pipeline(branches: int) -> Pipeline:
    return Pipeline(
        [node(branch, "params:seconds", f"result_{index}", name=f"busy_{index}") for index in range(branches)]
    )


def main() -> None:
    branches, seconds = int(sys.argv[1]), float(sys.argv[2])
    catalog = SharedMemoryDataCatalog(datasets={"params:seconds": MemoryDataset(seconds)})
    ParallelRunner(max_workers=len(os.sched_getaffinity(0))).run(pipeline(branches), catalog)


if __name__ == "__main__":
    main()
