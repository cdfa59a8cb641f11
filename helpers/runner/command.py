"""An old import path kept working: the module is helpers/runner/flowjobs_run.py."""

import sys

from helpers.runner import flowjobs_run

sys.modules[__name__] = flowjobs_run
