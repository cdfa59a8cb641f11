"""An old import path kept working: the module is multitrain/registry.py."""

import sys

from multitrain import registry

sys.modules[__name__] = registry
