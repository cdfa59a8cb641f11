"""Moved to multitrain/compare/ (the multi-train application); this old import path stays so code written
against it keeps working: `helpers.compare`, `helpers.compare.runs` and `helpers.compare.report` are those modules."""

import sys

from multitrain import compare
from multitrain.compare import report, runs

sys.modules[__name__] = compare
sys.modules[f"{__name__}.runs"] = runs
sys.modules[f"{__name__}.report"] = report
