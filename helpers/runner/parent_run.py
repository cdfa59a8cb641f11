"""An old import path kept working: the module is helpers/parent_run.py."""

import sys

from helpers import parent_run

sys.modules[__name__] = parent_run
