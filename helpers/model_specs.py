"""An old import path kept working: the module is multitrain/model_specs.py."""

import sys

from multitrain import model_specs

sys.modules[__name__] = model_specs
