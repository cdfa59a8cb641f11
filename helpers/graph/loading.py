"""An old import path kept working: the module is helpers/graph/workflows.py."""

import sys

from helpers.graph import workflows

sys.modules[__name__] = workflows
