"""Benchmark (a) on Flyte 2's local runner: N branch tasks gathered by a parent task, each running a subprocess.

    .bench-peers/bin/python benchmarks/peer_flyte2.py 4 3

Flyte 2 runs a local execution's async tasks in one event loop, so CPU-bound Python in them would take turns on
one core; each branch runs its work as a subprocess (as our job tasks run scripts), awaited side by side with
asyncio.gather. Runs in the peers' environment (flyte installed there, not the project).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import flyte

WORK = str(Path(__file__).with_name("peer_cpu.py"))
env = flyte.TaskEnvironment(name="bench_peers")


@env.task
async def branch(seconds: float) -> int:
    process = await asyncio.create_subprocess_exec(sys.executable, WORK, str(seconds))
    code = await process.wait()
    if code != 0:
        raise RuntimeError(f"{WORK} exited with code {code}")
    return code


@env.task
async def busy_branches(branches: int, seconds: float) -> list[int]:
    return list(await asyncio.gather(*(branch(seconds) for _ in range(branches))))


def main() -> None:
    flyte.init()
    flyte.run(busy_branches, branches=int(sys.argv[1]), seconds=float(sys.argv[2]))


if __name__ == "__main__":
    main()
