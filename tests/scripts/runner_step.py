"""Steps for the runner's test flows, chosen by the first argument.

lines              count the lines of the input `table` into `result`
gate               fail unless the input file `gate` says "pass"; write `result`
spawn_and_wait     start a child in its own session (as H2O starts its JVM), note both pids, wait
h2o_and_wait       start a real H2O JVM, note the script's pid, wait
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from flowjobs.script_process import ENV_PROCESS_TAG
from helpers.flows import get_param_from_args, handle_outputs, run_main


def note_pids(folder: Path, *pids: int) -> None:
    """Pids and the attempt's process tag, written where the interrupt test looks for them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{os.getpid()}.pids").write_text(" ".join(map(str, pids)) + f"\n{os.environ[ENV_PROCESS_TAG]}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["lines", "gate", "spawn_and_wait", "h2o_and_wait"])
    parser.add_argument("--table", type=Path)
    parser.add_argument("--gate", type=Path)
    parser.add_argument("--pid-dir", dest="pid_dir")
    args = parser.parse_args()
    if args.mode == "lines":
        handle_outputs({"result": len(get_param_from_args(parser, "table").read_text().splitlines())})
    elif args.mode == "gate":
        if get_param_from_args(parser, "gate").read_text().strip() != "pass":
            raise SystemExit("gate: closed")
        handle_outputs({"result": 1})
    elif args.mode == "spawn_and_wait":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
        note_pids(Path(get_param_from_args(parser, "pid_dir")), os.getpid(), child.pid)
        time.sleep(300)
    else:
        import h2o

        h2o.init(nthreads=1, max_mem_size="512M")
        note_pids(Path(get_param_from_args(parser, "pid_dir")), os.getpid())
        time.sleep(300)


if __name__ == "__main__":
    run_main(main)
