"""An old import path kept working: the module is helpers/hashing.py."""

import sys

from helpers import hashing

sys.modules[__name__] = hashing
