"""Keep one CPU busy for SECONDS of CPU time, then write the output `result`; with 0 it is a no-op task.

python benchmarks/busy.py 5 --output-dir outputs
"""

from __future__ import annotations

import argparse
import time

from flowjobs.script import add_output_dir, handle_outputs, run_main


def busy(seconds: float) -> int:
    deadline, count = time.process_time() + seconds, 0
    while time.process_time() < deadline:
        count += 1
    return count


def main() -> None:
    parser = add_output_dir(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("seconds", type=float)
    busy(parser.parse_args().seconds)
    handle_outputs({"result": 1})


if __name__ == "__main__":
    run_main(main)
