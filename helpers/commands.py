"""An old import path kept working: the module is helpers/script_command.py."""

import sys

from helpers import script_command

sys.modules[__name__] = script_command
