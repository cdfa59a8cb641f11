"""An old import path kept working: the module is helpers/runner/workflow_inputs.py."""

import sys

from helpers.runner import workflow_inputs

sys.modules[__name__] = workflow_inputs
