"""A job task's script that starts a child with a cleaned environment (no FLOWJOBS_* tag) in a session of its own,
writes the child's pid into the folder $RUNAWAY_PIDS, and ends: the child must not outlive the attempt."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

SLEEPER = (  # as tests/support/runner/runaway_flow.py's (not imported: that would import flytekit)
    "import os, sys, time; open(os.path.join(sys.argv[1], sys.argv[2] + '-' + str(os.getpid())), 'w').close(); "
    "time.sleep(600)"
)

pids = os.environ["RUNAWAY_PIDS"]
subprocess.Popen([sys.executable, "-c", SLEEPER, pids, "stripped"], env={}, start_new_session=True)
while not any(Path(pids).glob("stripped-*")):
    time.sleep(0.05)
time.sleep(0.5)
outputs = Path(os.environ.get("FLOWJOBS_OUTPUTS_DIR", "outputs"))
outputs.mkdir(parents=True, exist_ok=True)
(outputs / "result").write_text("1")
