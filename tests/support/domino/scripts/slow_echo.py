"""Side by side: waits for a sibling to start, then checks it sees only its own /workflow folder."""

import os
import time
from pathlib import Path

mine = Path("/workflow/inputs/token").read_text()
flag = Path(Path("/workflow/inputs/meeting").read_text()) / f"started-{mine}"
flag.write_text(mine)
deadline = time.monotonic() + 120
while len(list(flag.parent.glob("started-*"))) < 2 and time.monotonic() < deadline:
    time.sleep(0.05)
assert sorted(os.listdir("/workflow/inputs")) == ["meeting", "token"], os.listdir("/workflow/inputs")
Path("/workflow/outputs/echoed").write_text(Path("/workflow/inputs/token").read_text())
