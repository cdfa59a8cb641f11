"""An old import path kept working: the module is helpers/records.py."""

import sys

from helpers import records

sys.modules[__name__] = records
