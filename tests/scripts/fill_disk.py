"""A script that fills its disk with 8 MiB: by printing (`log`: the runner writes its log) or by writing an
output file (`output`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

outputs = Path(os.environ.get("FLOWJOBS_OUTPUTS_DIR", "outputs"))
if sys.argv[1] == "log":
    line = "x" * 1023
    for _ in range(8 * 1024):
        print(line)
    (outputs / "result").write_text("1")
else:
    with (outputs / "result.bin").open("wb") as big:
        for _ in range(8 * 1024):
            big.write(b"\0" * 1024)
