"""A script killed by SIGKILL with its branch run open: it cannot end the run itself."""

import os
import signal

from flowjobs import tracking

tracking.connect()
parent = tracking.parent_run("killed", "a_flow")
with tracking.branch_run(parent, "killed"):
    os.kill(os.getpid(), signal.SIGKILL)
