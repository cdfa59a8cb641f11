"""The peers' branch work, the same as benchmarks/busy.py's: keep one CPU busy for SECONDS of CPU time.

    python benchmarks/peer_cpu.py 3

Standard library only: it runs in the peers' environment (.bench-peers/), which has no project installed.
"""

from __future__ import annotations

import sys
import time


def busy(seconds: float) -> int:
    deadline, count = time.process_time() + seconds, 0
    while time.process_time() < deadline:
        count += 1
    return count


if __name__ == "__main__":
    busy(float(sys.argv[1]))
