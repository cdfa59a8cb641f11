"""An old import path kept working: the module is helpers/runner/task_node.py."""

import sys

from helpers.runner import task_node

sys.modules[__name__] = task_node
