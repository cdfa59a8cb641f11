"""Tries to write each path in $CONFINE_WRITES and to read each in $CONFINE_READS (JSON lists), writes its own
output and scratch, and reports what happened to each as its output `report` (JSON: path -> "written" or the error)."""

import json
import os
import tempfile
from pathlib import Path

report = {}
for path in json.loads(os.environ["CONFINE_WRITES"]):
    try:
        Path(path).write_text("written by a Domino task")
        report[path] = "written"
    except OSError as err:
        report[path] = type(err).__name__
for path in json.loads(os.environ["CONFINE_READS"]):
    try:
        report[path] = "read: " + Path(path).read_text()[:40]
    except OSError as err:
        report[path] = type(err).__name__
with tempfile.NamedTemporaryFile("w", delete=False) as scratch:  # its own scratch: the namespace's /tmp
    scratch.write("scratch")
report["scratch"] = scratch.name
report["home"] = os.environ["HOME"]
report["processes"] = sum(name.isdigit() for name in os.listdir("/proc"))  # how many it can see
outputs = Path(os.environ.get("FLOWJOBS_OUTPUTS_DIR", "/workflow/outputs"))  # a Domino task's, or our own job's
(outputs / "report").write_text(json.dumps(report, sort_keys=True))
